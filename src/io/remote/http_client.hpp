// HttpRangeClient — byte ranges of one remote file over HTTP(S), with libcurl.
//
// The first request (open) fetches a window at the start or the end of the file and learns
// the file's identity: its length (from Content-Range), ETag and Last-Modified. Every later
// range (fetch) names that version with If-Range (a strong ETag, else the date) and its answer
// is checked against it, so a file replaced on the server fails with Error(file_changed) instead
// of mixing two versions.
//
// Every answer is checked before a byte of it is kept: 206 with a Content-Range starting
// exactly where asked, as long as asked (only the file's end may clamp it), of the recorded
// length, not content-encoded; then the body must be exactly that long. A 200 to a range request
// means the server ignores Range (refused at open unless RemoteOptions::allow_full_download, or
// unless the whole file fits the window asked for) or, later, that the file changed (unless the
// whole file was asked for and the answer's validators name the version seen at open).
//
// Transient failures (timeouts, dropped connections, short or overlong bodies, HTTP 408, 429,
// 500, 502, 503, 504) are retried with exponential backoff, asking only for the bytes not yet
// received. Errors name the URL (password redacted) and the byte range.
//
// Connections: requests borrow an easy handle from a process-wide pool, and each handle keeps
// its connection alive for the next request (HTTP/1.1 keep-alive, or HTTP/2 where TLS offers
// it). Redirects are followed once, at open, and the final URL is used from then on; the
// Authorization header goes to it only when it is the same origin, and an expired final URL
// (401, 403, 404, 410) is resolved again from the original once.
//
// Thread-safe: fetch() may run on many threads at once, each on its own connection.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "io/remote/sparse_window.hpp"
#include "tensorio/options.hpp"

namespace tensorio::detail {

// What names one version of a remote file.
struct RemoteIdentity {
  uint64_t size = 0;
  std::string etag;           // as the server sent it (quotes, W/ prefix), or empty
  std::string last_modified;  // as sent, or empty
};

struct RemoteCounters {
  uint64_t requests = 0;  // HTTP requests sent (retries included)
  uint64_t bytes = 0;     // body bytes received
  uint64_t retries = 0;
};

class HttpRangeClient {
 public:
  // `url` as given; `options` are copied.
  HttpRangeClient(std::string url, const RemoteOptions& options);
  ~HttpRangeClient();
  HttpRangeClient(const HttpRangeClient&) = delete;
  HttpRangeClient& operator=(const HttpRangeClient&) = delete;

  // The URL for messages (password redacted).
  const std::string& name() const noexcept { return name_; }

  struct FirstAnswer {
    ByteRange covered;  // the file bytes the answer delivered
  };
  // The first request: bytes [0, window) when `from_start`, else the last `window` bytes.
  // Once the answer's headers give the file's length, place(length) is called (once) and must
  // return a span of that many bytes where the file's bytes go: the answer's bytes are written
  // at their file offsets in it. Throws Error.
  FirstAnswer open(bool from_start, uint64_t window,
                   const std::function<std::span<std::byte>(uint64_t size)>& place);

  // Bytes [offset, offset + out.size()) of the version open() saw, into `out`. Throws Error.
  void fetch(uint64_t offset, std::span<std::byte> out) const;

  const RemoteIdentity& identity() const noexcept { return identity_; }
  // The headers every request carries (Accept-Encoding, Authorization, the extra ones).
  std::vector<std::string> plain_headers() const;
  RemoteCounters counters() const noexcept;

  struct Attempt;

 private:
  // One request for [first, first + want) (or the last `want` bytes when `suffix`), into dst.
  void perform(Attempt& attempt, const std::string& url, bool send_auth) const;
  // The URL ranges go to, and whether the Authorization header may go with it.
  std::pair<std::string, bool> target() const;
  void remember_redirect(const std::string& effective) const;
  void forget_redirect() const;
  std::vector<std::string> request_headers(bool send_auth, bool conditional) const;

  std::string url_;
  std::string name_;
  RemoteOptions options_;
  std::string authorization_;  // "Authorization: Bearer ..." or empty
  RemoteIdentity identity_;

  mutable std::mutex target_mutex_;
  mutable std::string effective_url_;  // where redirects led at open
  mutable bool effective_same_origin_ = true;

  mutable std::atomic<uint64_t> requests_{0};
  mutable std::atomic<uint64_t> bytes_{0};
  mutable std::atomic<uint64_t> retries_{0};
};

}  // namespace tensorio::detail
