// Opening a .npy file: map, parse the preamble, check the payload is present, build the view.
#include <memory>

#include "core/archive_state.hpp"
#include "core/checked_math.hpp"
#include "core/endian.hpp"
#include "core/internals.hpp"
#include "core/mapped_file.hpp"
#include "io/map_ahead.hpp"
#include "io/open_file.hpp"
#include "io/remote/url.hpp"
#include "npy/npy_payload.hpp"
#include "tensorio/npy.hpp"

namespace tensorio {

namespace {

// A remote file's first request: NumPy's headers are 128 bytes up to about ten dimensions.
constexpr uint64_t kFirstWindow = uint64_t{16} << 10;

// A remote file: the first window holds the preamble; the rest of the header it declares,
// when that can be valid, is fetched in one more request before parsing.
void fetch_declared_header(const detail::MappedFile& file, const Limits& limits) {
  auto bytes = file.bytes();
  if (!detail::is_remote(file) || bytes.size() < 12) return;
  bool v1 = static_cast<uint8_t>(bytes[6]) == 1;
  uint64_t n =
      v1 ? uint64_t{load_le<uint16_t>(bytes.data() + 8)} : load_le<uint32_t>(bytes.data() + 8);
  uint64_t need = (v1 ? 10 : 12) + n;
  if (n > limits.max_header_bytes || need > bytes.size()) return;
  detail::fetch_ranges(file, {{0, need}});
}

// The tensor's name: the file name without its extension (a URL's query left out).
std::string npy_tensor_name(const std::filesystem::path& path) {
  if (!detail::is_remote_url(path.string())) return path.stem().string();
  return std::filesystem::path(detail::url_file_name(path.string())).stem().string();
}

}  // namespace

Archive open_npy(const std::filesystem::path& path, const OpenOptions& options) {
  auto file = detail::open_file(path.string(), options, {true, kFirstWindow});
  auto bytes = file->bytes();
  fetch_declared_header(*file, options.limits);
  NpyHeader h = detail::parse_fetched(
      *file, [&] { return parse_npy_header(bytes, file->path(), options.limits); });
  if (!span_fits(h.data_offset, h.payload_bytes, bytes.size())) {
    throw Error(ErrorCode::truncated, file->path(), bytes.size(),
                "npy payload: expected " + std::to_string(h.payload_bytes) + " bytes from offset " +
                    std::to_string(h.data_offset) + ", found " +
                    std::to_string(bytes.size() - h.data_offset) + " before the end of the file");
  }
  auto state = std::make_shared<detail::ArchiveState>();
  state->format = Format::npy;
  state->path = file->path();
  state->file_size = file->size();
  uint64_t end = h.data_offset + h.payload_bytes;
  if (end < bytes.size()) {
    state->notes.push_back(std::to_string(bytes.size() - end) +
                           " trailing bytes after the payload (ignored, as NumPy does)");
  }
  auto rec = detail::make_npy_record(npy_tensor_name(path), h, file,
                                     bytes.subspan(h.data_offset, h.payload_bytes), h.data_offset);
  state->files.push_back(file);
  state->add(Internals::make_view(std::move(rec)));
  return detail::publish_archive(std::move(state));
}

}  // namespace tensorio
