// Opening a .npy file: map, parse the preamble, check the payload is present, build the view.
#include <memory>

#include "core/archive_state.hpp"
#include "core/checked_math.hpp"
#include "core/internals.hpp"
#include "core/mapped_file.hpp"
#include "io/map_ahead.hpp"
#include "npy/npy_payload.hpp"
#include "tensorio/npy.hpp"

namespace tensorio {

Archive open_npy(const std::filesystem::path& path, const OpenOptions& options) {
  auto file = detail::MappedFile::open(path.string(), options.access, options.map_next_view);
  auto bytes = file->bytes();
  NpyHeader h = parse_npy_header(bytes, file->path(), options.limits);
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
  auto rec = detail::make_npy_record(path.stem().string(), h, file,
                                     bytes.subspan(h.data_offset, h.payload_bytes), h.data_offset);
  state->files.push_back(file);
  state->add(Internals::make_view(std::move(rec)));
  return detail::publish_archive(std::move(state));
}

}  // namespace tensorio
