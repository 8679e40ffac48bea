// remote_open.hpp for a build without libcurl: URLs are refused; no remote file ever exists.
#include "io/remote/remote_open.hpp"
#include "io/remote/url.hpp"
#include "tensorio/error.hpp"

namespace tensorio::detail {

std::shared_ptr<const MappedFile> open_remote_file(const std::string& url, const OpenOptions&,
                                                   FirstWindow) {
  throw Error(ErrorCode::io_error, redact_url(url), no_offset,
              "expected a build of tensorio that reads http(s) URLs, found one built without "
              "libcurl (install libcurl4-openssl-dev and reconfigure with -Dremote=enabled)");
}

void fetch_remote_ranges(const MappedFile&, std::span<const ByteRange>) {}
bool fetch_remote_stray_reads(const MappedFile&) { return false; }
bool remote_stats(const MappedFile&, RemoteStats&) { return false; }
bool remote_supported() noexcept { return false; }

uint64_t download_and_discard(const std::string& url, const RemoteOptions&) {
  (void)open_remote_file(url, {}, {});  // refuses the URL, naming the missing libcurl
  return 0;
}

}  // namespace tensorio::detail
