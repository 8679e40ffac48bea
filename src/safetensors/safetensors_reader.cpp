// Opening a .safetensors file: map it, validate the header, hand out views into the mapping.
#include <memory>

#include "core/archive_state.hpp"
#include "core/endian.hpp"
#include "core/internals.hpp"
#include "io/map_ahead.hpp"
#include "io/open_file.hpp"
#include "safetensors/safetensors_records.hpp"
#include "tensorio/safetensors.hpp"

namespace tensorio {

namespace detail {

namespace {

// A remote file's first request: most headers fit (a 1,000-tensor header is about 100 kB).
constexpr uint64_t kFirstWindow = uint64_t{256} << 10;

// A remote file: the first window holds the header's length; the rest of the header it
// declares, when that can be valid, is fetched in one more request before parsing.
void fetch_declared_header(const MappedFile& file, const Limits& limits) {
  auto bytes = file.bytes();
  if (!is_remote(file) || bytes.size() < 8) return;
  uint64_t n = load_le<uint64_t>(bytes.data());
  if (n > limits.max_header_bytes || n > bytes.size() - 8) return;
  fetch_ranges(file, {{0, 8 + n}});
}

}  // namespace

SafetensorsFile read_safetensors_file(const std::string& path, const OpenOptions& options) {
  SafetensorsFile out;
  out.file = open_file(path, options, {true, kFirstWindow});
  auto bytes = out.file->bytes();
  fetch_declared_header(*out.file, options.limits);
  out.header = parse_fetched(
      *out.file, [&] { return parse_safetensors_header(bytes, out.file->path(), options.limits); });
  out.records.reserve(out.header.tensors.size());
  for (SafetensorsEntry& e : out.header.tensors) {
    // Validation guarantees data_offset + end <= file size, so these cannot overflow.
    auto rec = std::make_shared<TensorRecord>();
    // The entry's name and shape move into the record (header.tensors keeps only offsets).
    rec->num_elements = *element_count(e.shape);
    rec->name = std::move(e.name);
    rec->dtype = e.dtype;
    rec->shape = std::move(e.shape);
    rec->nbytes = e.end - e.begin;
    rec->file_offset = out.header.data_offset + e.begin;
    rec->file = out.file;
    rec->stored = bytes.subspan(rec->file_offset, rec->nbytes);
    out.records.push_back(std::move(rec));
  }
  return out;
}

}  // namespace detail

Archive open_safetensors(const std::filesystem::path& path, const OpenOptions& options) {
  detail::SafetensorsFile st = detail::read_safetensors_file(path.string(), options);
  auto state = std::make_shared<detail::ArchiveState>();
  state->format = Format::safetensors;
  state->path = st.file->path();
  state->file_size = st.file->size();
  state->string_metadata = std::move(st.header.metadata);
  state->files.push_back(st.file);
  state->tensors.reserve(st.records.size());
  state->index.reserve(st.records.size());
  for (auto& rec : st.records) state->add(Internals::make_view(std::move(rec)));
  return detail::publish_archive(std::move(state));
}

}  // namespace tensorio
