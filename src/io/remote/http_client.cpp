#include "io/remote/http_client.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include "core/page_range.hpp"
#include "io/remote/remote_open.hpp"
#include "io/remote/url.hpp"
#include "tensorio/error.hpp"

namespace tensorio::detail {

namespace {

constexpr long kMaxRedirects = 10;
// Bytes curl hands the body callback at a time: fewer, larger copies than its 16 KiB default.
constexpr long kReceiveBuffer = 256 * 1024;
constexpr size_t kMaxIdleHandles = 32;
constexpr const char* kBearerVariable = "TENSORIO_HTTP_BEARER";

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { (void)curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Idle easy handles. A handle keeps its connections (and TLS sessions) between requests, so
// taking one that served the same host reuses a warm connection. A fork()ed child drops the
// parent's handles without closing them: their sockets (and TLS state) are the parent's.
class HandlePool {
 public:
  static HandlePool& instance() {
    static HandlePool* pool = new HandlePool();  // never destroyed: handles may be in use at exit
    return *pool;
  }

  CURL* acquire() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (pid_ != ::getpid()) {
        idle_.clear();
        pid_ = ::getpid();
      }
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        return h;
      }
    }
    init_curl_once();
    return curl_easy_init();
  }

  void release(CURL* h) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (pid_ == ::getpid() && idle_.size() < kMaxIdleHandles) {
        idle_.push_back(h);
        return;
      }
    }
    curl_easy_cleanup(h);
  }

 private:
  std::mutex mutex_;
  std::vector<CURL*> idle_;
  pid_t pid_ = ::getpid();
};

class HandleLease {
 public:
  HandleLease() : h_(HandlePool::instance().acquire()) {}
  ~HandleLease() {
    if (h_) HandlePool::instance().release(h_);
  }
  HandleLease(const HandleLease&) = delete;
  HandleLease& operator=(const HandleLease&) = delete;
  CURL* get() const noexcept { return h_; }

 private:
  CURL* h_;
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::optional<uint64_t> parse_u64(std::string_view s) {
  uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// "bytes A-B/T" (T may be "*") or "bytes */T".
struct ContentRange {
  bool has_range = false;
  uint64_t first = 0;
  uint64_t last = 0;
  std::optional<uint64_t> total;  // nullopt for "*"
};

std::optional<ContentRange> parse_content_range(std::string_view v) {
  v = trim(v);
  if (v.size() < 6 || lower(v.substr(0, 6)) != "bytes ") return std::nullopt;
  v = trim(v.substr(6));
  size_t slash = v.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view range = v.substr(0, slash);
  std::string_view total = v.substr(slash + 1);
  ContentRange out;
  if (total != "*") {
    out.total = parse_u64(total);
    if (!out.total) return std::nullopt;
  }
  if (range == "*") return out;
  size_t dash = range.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto first = parse_u64(range.substr(0, dash));
  auto last = parse_u64(range.substr(dash + 1));
  if (!first || !last || *last < *first) return std::nullopt;
  if (out.total && *last >= *out.total) return std::nullopt;
  out.has_range = true;
  out.first = *first;
  out.last = *last;
  return out;
}

std::string range_text(uint64_t first, uint64_t count) {
  if (count == 0) return "bytes " + std::to_string(first) + "-(none)";
  return "bytes " + std::to_string(first) + "-" + std::to_string(first + count - 1);
}

bool transient_curl_code(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_HTTP2:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2_STREAM: return true;
    default: return false;
  }
}

bool transient_status(long status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
         status == 504;
}

// The pause before retry number `tries` + 1: exponential from retry_delay_ms, capped at 20
// times it; a Retry-After in seconds is honoured up to the same cap.
std::chrono::milliseconds backoff(const RemoteOptions& options, unsigned tries,
                                  const std::string& retry_after) {
  uint64_t base = std::max<uint64_t>(options.retry_delay_ms, 1);
  uint64_t cap = base * 20;
  uint64_t delay = std::min<uint64_t>(base << std::min(tries, 16u), cap);
  if (auto seconds = parse_u64(trim(retry_after))) {
    uint64_t asked = std::min<uint64_t>(*seconds, cap / 1000 + 1) * 1000;  // no overflow
    delay = std::max(delay, std::min(asked, cap));
  }
  return std::chrono::milliseconds(delay);
}

}  // namespace

enum class Verdict { ok, retry, fail };

struct HttpRangeClient::Attempt {
  // The request.
  uint64_t first = 0;    // the first byte asked for (not used for a suffix request)
  uint64_t want = 0;     // bytes asked for
  bool suffix = false;   // the last `want` bytes
  bool opening = false;  // open(): the file's identity comes from this answer
  bool conditional = false;
  const RemoteIdentity* expected = nullptr;  // after open: the version every answer must be
  const RemoteOptions* options = nullptr;
  const std::function<std::span<std::byte>(uint64_t)>* place = nullptr;  // open()
  // Where the body goes: `out` holds file bytes [out_offset, out_offset + out.size()).
  std::span<std::byte> out;
  uint64_t out_offset = 0;

  // The answer's headers (reset at each status line: a redirect's headers come first).
  long status = 0;
  std::string content_range, etag, last_modified, content_encoding, retry_after;
  std::optional<uint64_t> content_length;

  // Set once the headers passed check().
  bool checked = false;
  bool discard_body = false;  // an empty file's 416: its body is not file bytes
  uint64_t body_first = 0;    // file bytes the body carries
  uint64_t body_size = 0;
  uint64_t received = 0;
  // Body bytes before this file offset are received but not kept: a suffix window keeps whole
  // pages only (a page written in part would pass for one a parser read; sparse_window.hpp).
  uint64_t keep_from = 0;
  RemoteIdentity learned;  // open()
  std::string effective_url;

  Verdict verdict = Verdict::ok;
  ErrorCode code = ErrorCode::io_error;
  std::string why;

  bool fail(Verdict v, ErrorCode c, std::string reason) {
    verdict = v;
    code = c;
    why = std::move(reason);
    return false;
  }

  std::string asked() const {
    return suffix ? "the last " + std::to_string(want) + " bytes" : range_text(first, want);
  }

  bool placed(uint64_t size) {
    try {
      std::span<std::byte> whole = (*place)(size);
      out = whole;
      out_offset = 0;
      return true;
    } catch (const Error& e) {
      return fail(Verdict::fail, e.code(), e.reason());
    } catch (const std::bad_alloc&) {
      return fail(Verdict::fail, ErrorCode::io_error,
                  "expected memory for the " + std::to_string(size) + "-byte file, found none");
    }
  }

  // The request was for the whole file (after open).
  bool whole_file_asked() const {
    return !suffix && expected != nullptr && first == 0 && want == expected->size;
  }

  bool bad_encoding() const {
    return !content_encoding.empty() && lower(content_encoding) != "identity";
  }

  // Whether the answer's headers describe the bytes asked for, of the expected version.
  bool check() {
    checked = false;
    if (status == 206) return check_partial();
    if (status == 200) return check_whole();
    if (status == 416) return check_unsatisfiable();
    if (status == 404 || status == 410) {
      return fail(Verdict::fail, ErrorCode::file_not_found,
                  "expected the file, found HTTP " + std::to_string(status) + " (not found)");
    }
    if (status == 401 || status == 403) {
      return fail(Verdict::fail, ErrorCode::io_error,
                  "expected the file, found HTTP " + std::to_string(status) +
                      " (access denied: a bearer token goes in RemoteOptions::bearer_token or "
                      "$TENSORIO_HTTP_BEARER)");
    }
    if (transient_status(status)) {
      return fail(Verdict::retry, ErrorCode::io_error,
                  "expected 206 Partial Content, found HTTP " + std::to_string(status));
    }
    return fail(Verdict::fail, ErrorCode::io_error,
                "expected 206 Partial Content, found HTTP " + std::to_string(status));
  }

  bool check_partial() {
    auto cr = parse_content_range(content_range);
    if (!cr || !cr->has_range) {
      return fail(Verdict::retry, ErrorCode::io_error,
                  "expected a Content-Range of the form 'bytes FIRST-LAST/LENGTH', found '" +
                      content_range + "'");
    }
    if (bad_encoding()) {
      return fail(Verdict::fail, ErrorCode::io_error,
                  "expected the bytes as stored, found Content-Encoding: " + content_encoding +
                      " (a range of encoded bytes is not a range of the file)");
    }
    uint64_t first_expected = first;
    uint64_t last_expected = first + want - 1;
    if (opening) {
      if (!cr->total) {
        return fail(Verdict::fail, ErrorCode::io_error,
                    "expected the file's length in Content-Range, found '" + content_range + "'");
      }
      uint64_t total = *cr->total;
      if (suffix) {
        first_expected = total - std::min(want, total);
        last_expected = total - 1;
        keep_from = std::min(total, (first_expected + page_size() - 1) / page_size() * page_size());
      } else {
        last_expected = std::min(first + want, total) - 1;
      }
      learned = {total, etag, last_modified};
    } else {
      if (cr->total && *cr->total != expected->size) {
        return fail(Verdict::fail, ErrorCode::file_changed,
                    "expected the " + std::to_string(expected->size) +
                        "-byte file seen at open, found it " + std::to_string(*cr->total) +
                        " bytes long (Content-Range '" + content_range +
                        "'): the file changed since it was opened");
      }
      if (!changed_validators()) return false;
    }
    if (cr->first != first_expected || cr->last != last_expected) {
      return fail(Verdict::retry, ErrorCode::io_error,
                  "expected an answer with " +
                      range_text(first_expected, last_expected - first_expected + 1) +
                      ", found Content-Range '" + content_range + "'");
    }
    uint64_t size = cr->last - cr->first + 1;
    if (content_length && *content_length != size) {
      return fail(Verdict::retry, ErrorCode::io_error,
                  "expected a Content-Length of " + std::to_string(size) + " for Content-Range '" +
                      content_range + "', found " + std::to_string(*content_length));
    }
    if (opening && !placed(*cr->total)) return false;
    body_first = cr->first;
    body_size = size;
    checked = true;
    return true;
  }

  // After open: validators the answer carries must be the recorded ones.
  bool changed_validators() {
    if (!expected->etag.empty() && !etag.empty() && etag != expected->etag) {
      return fail(Verdict::fail, ErrorCode::file_changed,
                  "expected ETag " + expected->etag + " (the version seen at open), found " + etag +
                      ": the file changed since it was opened");
    }
    if (!expected->last_modified.empty() && !last_modified.empty() &&
        last_modified != expected->last_modified) {
      return fail(Verdict::fail, ErrorCode::file_changed,
                  "expected Last-Modified " + expected->last_modified +
                      " (the version seen at open), found " + last_modified +
                      ": the file changed since it was opened");
    }
    return true;
  }

  bool check_whole() {
    if (!opening && whole_file_asked()) {
      // Asked for every byte, a server may answer 200 (RFC 9110 14.2): the same version, as
      // its validators must show, is as good as a 206.
      if (bad_encoding()) {
        return fail(Verdict::fail, ErrorCode::io_error,
                    "expected the bytes as stored, found Content-Encoding: " + content_encoding);
      }
      if (!content_length || *content_length != expected->size) {
        return fail(Verdict::fail, ErrorCode::file_changed,
                    "expected the whole " + std::to_string(expected->size) +
                        "-byte file, found a 200 answer of another length: the file changed "
                        "since it was opened");
      }
      bool validated =
          (!expected->etag.empty() && etag == expected->etag) ||
          (!expected->last_modified.empty() && last_modified == expected->last_modified);
      if (validated && changed_validators()) {
        body_first = 0;
        body_size = expected->size;
        checked = true;
        return true;
      }
      if (verdict != Verdict::ok) return false;
    }
    if (!opening) {
      if (!changed_validators()) return false;  // another version: file_changed
      bool same = (!expected->etag.empty() && etag == expected->etag) ||
                  (!expected->last_modified.empty() && last_modified == expected->last_modified);
      if (same) {
        return fail(Verdict::fail, ErrorCode::io_error,
                    "expected 206 Partial Content, found 200 with the whole file of the version "
                    "seen at open: the server ignored Range");
      }
      return fail(Verdict::fail, ErrorCode::file_changed,
                  std::string("expected 206 Partial Content, found 200 with the whole file: ") +
                      (conditional ? "the file changed since it was opened (If-Range did not "
                                     "match the version seen at open)"
                                   : "the server stopped honouring Range, or the file changed"));
    }
    if (bad_encoding()) {
      return fail(Verdict::fail, ErrorCode::io_error,
                  "expected the bytes as stored, found Content-Encoding: " + content_encoding);
    }
    if (!content_length) {
      return fail(Verdict::fail, ErrorCode::io_error,
                  "expected 206 Partial Content for a range request, found 200 without a "
                  "Content-Length: the server ignores Range");
    }
    uint64_t total = *content_length;
    // The whole file in the window asked for is as good as the range; a larger one is only
    // taken when the caller asked for full downloads.
    if (total > want && !options->allow_full_download) {
      return fail(Verdict::fail, ErrorCode::io_error,
                  "expected 206 Partial Content for a range request, found 200 with the whole " +
                      std::to_string(total) +
                      "-byte file: the server ignores Range (set "
                      "RemoteOptions::allow_full_download to download whole files)");
    }
    learned = {total, etag, last_modified};
    if (!placed(total)) return false;
    body_first = 0;
    body_size = total;
    checked = true;
    return true;
  }

  bool check_unsatisfiable() {
    auto cr = parse_content_range(content_range);
    if (opening && cr && !cr->has_range && cr->total && *cr->total == 0) {
      // An empty file: there is no byte to ask for (some servers answer 200, some 416).
      learned = {0, etag, last_modified};
      if (!placed(0)) return false;
      discard_body = true;
      body_size = 0;
      checked = true;
      return true;
    }
    return fail(Verdict::fail, opening ? ErrorCode::io_error : ErrorCode::file_changed,
                "expected " + asked() + ", found 416 Range Not Satisfiable (Content-Range '" +
                    content_range + "')" +
                    (opening ? std::string() : ": the file is shorter than when it was opened"));
  }

  // The header callback: one line at a time.
  void header_line(std::string_view line) {
    line = trim(line);
    if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
      *this = fresh_answer();
      size_t sp = line.find(' ');
      if (sp != std::string_view::npos) {
        auto code = parse_u64(line.substr(sp + 1, 3));
        status = code ? static_cast<long>(*code) : 0;
      }
      return;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    std::string name = lower(trim(line.substr(0, colon)));
    std::string value(trim(line.substr(colon + 1)));
    if (name == "content-range") {
      content_range = std::move(value);
    } else if (name == "content-length") {
      content_length = parse_u64(value);
    } else if (name == "etag") {
      etag = std::move(value);
    } else if (name == "last-modified") {
      last_modified = std::move(value);
    } else if (name == "content-encoding") {
      content_encoding = std::move(value);
    } else if (name == "retry-after") {
      retry_after = std::move(value);
    }
  }

  // The body callback: false stops the transfer.
  bool body(const char* data, size_t len) {
    if (!checked && verdict == Verdict::ok && !check()) return false;
    if (verdict != Verdict::ok) return false;
    if (discard_body) return true;
    if (len > body_size - received) {
      // An answer longer than its range is not trusted in any part: none of its bytes count,
      // so the retry asks for the whole range again (and a server that always answers so
      // fails after the retries, whatever the packet boundaries were).
      received = 0;
      return fail(Verdict::retry, ErrorCode::io_error,
                  "expected a body of " + std::to_string(body_size) +
                      " bytes, found more (an overlong answer)");
    }
    uint64_t file_at = body_first + received;
    received += len;
    if (file_at < keep_from) {
      uint64_t skip = std::min<uint64_t>(len, keep_from - file_at);
      data += skip;
      len -= static_cast<size_t>(skip);
      file_at += skip;
    }
    if (len > 0) std::memcpy(out.data() + (file_at - out_offset), data, len);  // placed by check()
    return true;
  }

 private:
  // A copy of this attempt with the answer's state cleared (the request kept).
  Attempt fresh_answer() const {
    Attempt a;
    a.first = first;
    a.want = want;
    a.suffix = suffix;
    a.opening = opening;
    a.conditional = conditional;
    a.expected = expected;
    a.options = options;
    a.place = place;
    a.out = out;
    a.out_offset = out_offset;
    return a;
  }
};

namespace {

size_t on_header(char* buffer, size_t size, size_t count, void* user) {
  auto* a = static_cast<HttpRangeClient::Attempt*>(user);
  a->header_line(std::string_view(buffer, size * count));
  return size * count;
}

size_t on_body(char* buffer, size_t size, size_t count, void* user) {
  auto* a = static_cast<HttpRangeClient::Attempt*>(user);
  size_t len = size * count;
  return a->body(buffer, len) ? len : 0;
}

}  // namespace

namespace {

size_t discard_body(char*, size_t size, size_t count, void* user) {
  *static_cast<uint64_t*>(user) += size * count;
  return size * count;
}

}  // namespace

uint64_t download_and_discard(const std::string& url, const RemoteOptions& options) {
  HttpRangeClient headers_of(url, options);
  HandleLease lease;
  CURL* h = lease.get();
  if (h == nullptr) throw Error(ErrorCode::io_error, redact_url(url), no_offset, "no HTTP handle");
  curl_easy_reset(h);
  curl_slist* headers = nullptr;
  for (const std::string& line : headers_of.plain_headers()) {
    headers = curl_slist_append(headers, line.c_str());
  }
  uint64_t received = 0;
  char errors[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, kMaxRedirects);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(h, CURLOPT_BUFFERSIZE, kReceiveBuffer);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errors);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &received);
  if (!options.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options.ca_file.c_str());
  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    throw Error(ErrorCode::io_error, redact_url(url), no_offset,
                std::string("expected the whole file, found the transfer failing: ") +
                    (errors[0] ? errors : curl_easy_strerror(rc)));
  }
  return received;
}

HttpRangeClient::HttpRangeClient(std::string url, const RemoteOptions& options)
    : url_(std::move(url)), name_(redact_url(url_)), options_(options) {
  std::string token = options_.bearer_token;
  if (token.empty()) {
    if (const char* env = std::getenv(kBearerVariable)) token = env;
  }
  if (!token.empty()) authorization_ = "Authorization: Bearer " + token;
  effective_url_ = url_;
}

HttpRangeClient::~HttpRangeClient() = default;

RemoteCounters HttpRangeClient::counters() const noexcept {
  return {requests_.load(std::memory_order_relaxed), bytes_.load(std::memory_order_relaxed),
          retries_.load(std::memory_order_relaxed)};
}

std::pair<std::string, bool> HttpRangeClient::target() const {
  std::lock_guard<std::mutex> lock(target_mutex_);
  return {effective_url_, effective_same_origin_};
}

void HttpRangeClient::remember_redirect(const std::string& effective) const {
  std::lock_guard<std::mutex> lock(target_mutex_);
  effective_url_ = effective;
  effective_same_origin_ = url_origin(effective) == url_origin(url_);
}

void HttpRangeClient::forget_redirect() const {
  std::lock_guard<std::mutex> lock(target_mutex_);
  effective_url_ = url_;
  effective_same_origin_ = true;
}

std::vector<std::string> HttpRangeClient::plain_headers() const {
  return request_headers(true, false);
}

std::vector<std::string> HttpRangeClient::request_headers(bool send_auth, bool conditional) const {
  std::vector<std::string> h;
  // A range of encoded bytes is not a range of the file: ask for the bytes as stored.
  h.push_back("Accept-Encoding: identity");
  if (send_auth && !authorization_.empty()) h.push_back(authorization_);
  for (const auto& [k, v] : options_.headers) h.push_back(k + ": " + v);
  if (conditional) {
    bool strong = !identity_.etag.empty() && identity_.etag.rfind("W/", 0) != 0;
    if (strong) {
      h.push_back("If-Range: " + identity_.etag);
    } else if (!identity_.last_modified.empty()) {
      h.push_back("If-Range: " + identity_.last_modified);
    }
  }
  return h;
}

void HttpRangeClient::perform(Attempt& a, const std::string& url, bool send_auth) const {
  HandleLease lease;
  CURL* h = lease.get();
  if (h == nullptr) {
    a.fail(Verdict::fail, ErrorCode::io_error,
           "expected an HTTP handle, found none (out of memory)");
    return;
  }
  curl_easy_reset(h);
  char errors[CURL_ERROR_SIZE] = {0};
  std::string range = a.suffix
                          ? "-" + std::to_string(a.want)
                          : std::to_string(a.first) + "-" + std::to_string(a.first + a.want - 1);
  curl_slist* headers = nullptr;
  for (const std::string& line : request_headers(send_auth, a.conditional)) {
    curl_slist* next = curl_slist_append(headers, line.c_str());
    if (next == nullptr) {
      curl_slist_free_all(headers);
      a.fail(Verdict::fail, ErrorCode::io_error, "expected memory for request headers, found none");
      return;
    }
    headers = next;
  }
  long stall_s = std::max<long>(1, static_cast<long>((options_.stall_timeout_ms + 999) / 1000));
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_RANGE, range.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "tensorio");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, kMaxRedirects);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall_s);
  curl_easy_setopt(h, CURLOPT_BUFFERSIZE, kReceiveBuffer);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errors);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &a);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
  if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  requests_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(a.received, std::memory_order_relaxed);
  char* effective = nullptr;
  if (curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective) {
    a.effective_url = effective;
  }
  if (a.verdict != Verdict::ok) return;  // a callback stopped it, and said why
  if (rc != CURLE_OK) {
    std::string detail = errors[0] ? errors : curl_easy_strerror(rc);
    while (!detail.empty() && detail.back() == '\n') detail.pop_back();
    a.fail(transient_curl_code(rc) ? Verdict::retry : Verdict::fail, ErrorCode::io_error,
           "expected " + a.asked() + ", found the transfer failing after " +
               std::to_string(a.received) + " bytes: " + detail);
    return;
  }
  if (!a.checked && !a.check()) return;  // no body came: the headers say it all
  if (a.received < a.body_size) {
    a.fail(Verdict::retry, ErrorCode::io_error,
           "expected a body of " + std::to_string(a.body_size) + " bytes, found " +
               std::to_string(a.received) + " (a short answer)");
  }
}

HttpRangeClient::FirstAnswer HttpRangeClient::open(
    bool from_start, uint64_t window,
    const std::function<std::span<std::byte>(uint64_t size)>& place) {
  window = std::max<uint64_t>(window, 1);
  for (unsigned tries = 0;; ++tries) {
    Attempt a;
    a.opening = true;
    a.suffix = !from_start;
    a.first = 0;
    a.want = window;
    a.options = &options_;
    a.place = &place;
    perform(a, url_, true);
    if (a.checked) {
      identity_ = a.learned;
      if (!a.effective_url.empty()) remember_redirect(a.effective_url);
      if (a.verdict == Verdict::fail) {
        throw Error(a.code, name_, a.body_first + a.received, a.asked() + ": " + a.why);
      }
      uint64_t got = std::max(a.body_first + a.received, a.keep_from);
      uint64_t end = a.body_first + a.body_size;
      // The body broke off: the rest as a plain range of the version just seen.
      if (got < end) fetch(got, a.out.subspan(got - a.out_offset, end - got));
      return {{std::max(a.body_first, a.keep_from), end}};
    }
    if (a.verdict == Verdict::fail || tries >= options_.max_retries) {
      throw Error(
          a.code, name_, from_start ? 0 : no_offset,
          a.asked() + ": " + a.why +
              (a.verdict == Verdict::fail ? std::string()
                                          : " (after " + std::to_string(tries) + " retries)"));
    }
    retries_.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::sleep_for(backoff(options_, tries, a.retry_after));
  }
}

void HttpRangeClient::fetch(uint64_t offset, std::span<std::byte> out) const {
  uint64_t done = 0;
  bool resolved_again = false;
  for (unsigned tries = 0; done < out.size();) {
    auto [url, send_auth] = target();
    Attempt a;
    a.first = offset + done;
    a.want = out.size() - done;
    a.conditional = true;
    a.expected = &identity_;
    a.options = &options_;
    a.out = out.subspan(done);
    a.out_offset = offset + done;
    perform(a, url, send_auth);
    done += a.received;
    if (a.verdict == Verdict::ok) {
      if (url == url_ && !a.effective_url.empty()) remember_redirect(a.effective_url);
      if (done == out.size()) return;
      a.fail(Verdict::retry, ErrorCode::io_error, "expected the whole range, found less");
    }
    bool expired = a.status == 401 || a.status == 403 || a.status == 404 || a.status == 410;
    if (a.verdict == Verdict::fail && expired && url != url_ && !resolved_again) {
      // The redirect target (a presigned URL, say) may have expired: follow the original
      // URL's redirects again, once.
      resolved_again = true;
      forget_redirect();
      continue;
    }
    if (a.verdict == Verdict::fail || tries >= options_.max_retries) {
      throw Error(
          a.code, name_, offset + done,
          range_text(offset, out.size()) + ": " + a.why +
              (a.verdict == Verdict::fail ? std::string()
                                          : " (after " + std::to_string(tries) + " retries)"));
    }
    retries_.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::sleep_for(backoff(options_, tries, a.retry_after));
    ++tries;
  }
}

}  // namespace tensorio::detail
