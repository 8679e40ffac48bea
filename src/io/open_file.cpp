#include "io/open_file.hpp"

#include "io/remote/url.hpp"

namespace tensorio::detail {

std::shared_ptr<const MappedFile> open_file(const std::string& path, const OpenOptions& options,
                                            FirstWindow first) {
  if (is_remote_url(path)) return open_remote_file(path, options, first);
  return MappedFile::open(path, options.access, options.map_next_view);
}

bool fetch_after_parse(const MappedFile& file, unsigned round) {
  if (!fetch_remote_stray_reads(file)) return false;
  if (round + 1 >= kMaxParseRounds) {
    throw Error(ErrorCode::io_error, file.path(), no_offset,
                "expected the header to be read within " + std::to_string(kMaxParseRounds) +
                    " rounds of range requests, found the parser still reading bytes not "
                    "fetched yet");
  }
  return true;
}

}  // namespace tensorio::detail
