// Opening a .safetensors file: map it, validate the header, hand out views into the mapping.
#include <memory>

#include "core/archive_state.hpp"
#include "core/internals.hpp"
#include "io/map_ahead.hpp"
#include "safetensors/safetensors_records.hpp"
#include "tensorio/safetensors.hpp"

namespace tensorio {

namespace detail {

SafetensorsFile read_safetensors_file(const std::string& path, const OpenOptions& options) {
  SafetensorsFile out;
  out.file = MappedFile::open(path, options.access, options.map_next_view);
  auto bytes = out.file->bytes();
  out.header = parse_safetensors_header(bytes, out.file->path(), options.limits);
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
