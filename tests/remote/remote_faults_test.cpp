// The fault matrix: fault_server.py misbehaves in one way per path prefix, and each case must
// give the documented retry or the documented error — never bytes other than the file's.
//
//   case          when            outcome
//   ok            -               the bytes, one request per range
//   norange       open            Error(io_error) "ignores Range"; the bytes with
//                                 RemoteOptions::allow_full_download
//   gzip          open            Error(io_error) naming Content-Encoding
//   gone          open            Error(file_not_found)
//   flaky         payload         503 twice, retried: the bytes
//   fail500       payload         Error(io_error) after max_retries retries
//   drop          payload         half a body then a reset, resumed: the bytes
//   short         payload         a body shorter than its Content-Length, resumed: the bytes
//   shortall      payload         Error(io_error) after the retries
//   overlong      payload         a body longer than its Content-Range, retried: the bytes
//   overlongall   payload         Error(io_error) after the retries
//   shift         payload         an answer for another range: Error(io_error) after the retries
//   stall         payload         headers then silence: Error(io_error) after the timeouts
//   etagflip      payload         the file replaced (If-Range honoured): Error(file_changed)
//   etagignore    payload         the file replaced, If-Range ignored: Error(file_changed)
//   whole200      payload         200 with the whole file (same ETag) to a range:
//                                 Error(io_error) "ignored Range"; to a request for the whole
//                                 file: the bytes
//   redirectexpire payload        the redirect's target answers 403 once (expired): the original
//                                 URL is followed again, once: the bytes
//   redirect      open            followed; the final URL used for every range; Authorization
//                                 not sent to the other origin
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/archive_state.hpp"
#include "core/internals.hpp"
#include "tensorio/safetensors.hpp"
#include "tests/remote/remote_support.hpp"

namespace tensorio::testing {
namespace {

constexpr size_t kPayload = 1 << 20;

class RemoteFaults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    payload_ = new std::vector<std::byte>(kPayload);
    for (size_t i = 0; i < kPayload; ++i) (*payload_)[i] = static_cast<std::byte>((i * 7 + 3) >> 2);
    small_ = new std::vector<std::byte>(16, std::byte{0x5a});
    std::vector<TensorRef> refs = {{"a", DType::uint8, {kPayload}, *payload_},
                                   {"b", DType::uint8, {16}, *small_}};
    save(remote_env().data() / "faults.safetensors", refs);
  }
  static void TearDownTestSuite() {
    delete payload_;
    delete small_;
  }

  static OpenOptions options() {
    OpenOptions o;
    o.remote.retry_delay_ms = 5;
    o.remote.max_retries = 3;
    o.remote.stall_timeout_ms = 1000;
    o.remote.connect_timeout_ms = 2000;
    o.remote.range_bytes = 256 << 10;
    o.remote.connections = 4;
    return o;
  }

  // A path of its own on the fault server for `fault`.
  static std::string url(const std::string& fault) {
    static int next = 0;
    return remote_env().fault + "/" + fault + "/t" + std::to_string(next++) + "-" + fault +
           "/faults.safetensors";
  }

  // Opens and reads tensor "a"; the bytes must be the file's.
  static detail::RemoteStats read_ok(const std::string& u, const OpenOptions& o = options()) {
    Archive a = load(u, o);
    auto data = a.find("a")->data();
    EXPECT_TRUE(std::ranges::equal(data, *payload_)) << "wrong bytes from " << u;
    EXPECT_TRUE(std::ranges::equal(a.find("b")->data(), *small_));
    return stats_of(a);
  }

  // Opens and reads tensor "a": must fail with `code`; returns the message.
  static std::string read_fails(const std::string& u, ErrorCode code,
                                const OpenOptions& o = options()) {
    try {
      Archive a = load(u, o);
      (void)a.find("a")->data();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      std::string what = e.what();
      // The URL is named (its path at least), and payload errors name the byte range.
      EXPECT_NE(what.find("/faults.safetensors"), std::string::npos) << what;
      return what;
    }
    ADD_FAILURE() << "no error from " << u;
    return "";
  }

  static std::vector<std::byte>* payload_;
  static std::vector<std::byte>* small_;
};

std::vector<std::byte>* RemoteFaults::payload_ = nullptr;
std::vector<std::byte>* RemoteFaults::small_ = nullptr;

TEST_F(RemoteFaults, Ok) {
  detail::RemoteStats s = read_ok(url("ok"));
  EXPECT_EQ(s.retries, 0u);
  EXPECT_EQ(s.requests, 1u + 4u + 1u);  // open, four 256 KiB ranges of "a", then "b"
}

TEST_F(RemoteFaults, ServerIgnoringRangeIsRefused) {
  std::string what = read_fails(url("norange"), ErrorCode::io_error);
  EXPECT_NE(what.find("ignores Range"), std::string::npos) << what;
}

TEST_F(RemoteFaults, ServerIgnoringRangeWithFullDownloadAllowed) {
  OpenOptions o = options();
  o.remote.allow_full_download = true;
  detail::RemoteStats s = read_ok(url("norange"), o);
  EXPECT_EQ(s.requests, 1u);  // the whole file, once; every view reads from it
}

TEST_F(RemoteFaults, ContentEncodingIsRefused) {
  std::string what = read_fails(url("gzip"), ErrorCode::io_error);
  EXPECT_NE(what.find("Content-Encoding"), std::string::npos) << what;
}

TEST_F(RemoteFaults, NotFound) { read_fails(url("gone"), ErrorCode::file_not_found); }

TEST_F(RemoteFaults, ServiceUnavailableIsRetried) {
  detail::RemoteStats s = read_ok(url("flaky"));
  EXPECT_EQ(s.retries, 2u);
}

TEST_F(RemoteFaults, PersistentServerErrorFailsAfterTheRetries) {
  std::string what = read_fails(url("fail500"), ErrorCode::io_error);
  EXPECT_NE(what.find("HTTP 500"), std::string::npos) << what;
  EXPECT_NE(what.find("after 3 retries"), std::string::npos) << what;
}

TEST_F(RemoteFaults, DroppedConnectionIsResumed) {
  detail::RemoteStats s = read_ok(url("drop"));
  EXPECT_EQ(s.retries, 1u);
}

TEST_F(RemoteFaults, ShortBodyIsResumed) {
  detail::RemoteStats s = read_ok(url("short"));
  EXPECT_EQ(s.retries, 1u);
}

TEST_F(RemoteFaults, AlwaysShortFailsAfterTheRetries) {
  read_fails(url("shortall"), ErrorCode::io_error);
}

TEST_F(RemoteFaults, OverlongBodyIsRetried) {
  detail::RemoteStats s = read_ok(url("overlong"));
  EXPECT_EQ(s.retries, 1u);
}

TEST_F(RemoteFaults, AlwaysOverlongFailsAfterTheRetries) {
  std::string what = read_fails(url("overlongall"), ErrorCode::io_error);
  EXPECT_NE(what.find("overlong"), std::string::npos) << what;
}

TEST_F(RemoteFaults, AnswerForAnotherRangeFails) {
  std::string what = read_fails(url("shift"), ErrorCode::io_error);
  EXPECT_NE(what.find("Content-Range"), std::string::npos) << what;
}

TEST_F(RemoteFaults, StalledTransferTimesOut) {
  OpenOptions o = options();
  o.remote.max_retries = 1;
  read_fails(url("stall"), ErrorCode::io_error, o);
}

TEST_F(RemoteFaults, ReplacedFileWithIfRangeIsFileChanged) {
  std::string what = read_fails(url("etagflip"), ErrorCode::file_changed);
  EXPECT_NE(what.find("bytes "), std::string::npos) << what;
}

TEST_F(RemoteFaults, ReplacedFileIgnoringIfRangeIsFileChanged) {
  std::string what = read_fails(url("etagignore"), ErrorCode::file_changed);
  EXPECT_NE(what.find("ETag"), std::string::npos) << what;
}

TEST_F(RemoteFaults, ServerAnsweringARangeWithTheWholeFileLaterIsRefused) {
  std::string what = read_fails(url("whole200"), ErrorCode::io_error);
  EXPECT_NE(what.find("ignored Range"), std::string::npos) << what;
}

TEST_F(RemoteFaults, WholeFileAnsweredWith200WhenTheWholeFileWasAsked) {
  // The views hold only the payloads: the whole file is asked for through the file itself,
  // in one range (range_bytes above its size).
  OpenOptions o = options();
  o.remote.range_bytes = 64 << 20;
  Archive a = load(url("whole200"), o);
  const auto& file = *Internals::state(a).files[0];
  std::vector<std::byte> all(file.size());
  file.read_at(0, all);
  std::vector<std::byte> local(file.size());
  detail::MappedFile::open((remote_env().data() / "faults.safetensors").string())
      ->read_at(0, local);
  EXPECT_EQ(all, local);
}

TEST_F(RemoteFaults, RedirectIsFollowedOnceAndAuthorizationStaysWithItsOrigin) {
  OpenOptions o = options();
  o.remote.bearer_token = "tok-123";
  std::string u = url("redirect");
  detail::RemoteStats s = read_ok(u, o);
  std::string token = u.substr(u.find("/t") + 1);
  token = token.substr(0, token.find('/'));
  std::string stats = http_get(remote_env().fault + "/stats/" + token);
  // The first request (to 127.0.0.1) carried the token; every later one went straight to
  // "localhost" (the redirect's target, another origin) without it.
  EXPECT_NE(stats.find("\"authorization\": [\"Bearer tok-123\", null"), std::string::npos) << stats;
  EXPECT_EQ(stats.find("Bearer tok-123", stats.find("Bearer tok-123") + 1), std::string::npos)
      << stats;
  // One request to the original host: the open, redirected; the ranges went to the target.
  size_t original_host = 0;
  for (size_t at = stats.find("127.0.0.1"); at != std::string::npos;
       at = stats.find("127.0.0.1", at + 1)) {
    ++original_host;
  }
  EXPECT_EQ(original_host, 1u) << stats;
  EXPECT_GE(s.requests, 3u);
}

TEST_F(RemoteFaults, ExpiredRedirectTargetIsResolvedAgain) {
  std::string u = url("redirectexpire");
  detail::RemoteStats s = read_ok(u);
  EXPECT_EQ(s.retries, 0u);
  std::string token = u.substr(u.find("/t") + 1);
  token = token.substr(0, token.find('/'));
  std::string stats = http_get(remote_env().fault + "/stats/" + token);
  // The original URL at open, and again after the target's 403 (by each range then in flight
  // or starting before one of them records the new target: at most the four connections).
  size_t original_host = 0;
  for (size_t at = stats.find("127.0.0.1"); at != std::string::npos;
       at = stats.find("127.0.0.1", at + 1)) {
    ++original_host;
  }
  EXPECT_GE(original_host, 2u) << stats;
  EXPECT_LE(original_host, 1u + 4u) << stats;
}

TEST_F(RemoteFaults, BearerTokenFromTheEnvironment) {
  ::setenv("TENSORIO_HTTP_BEARER", "env-token", 1);
  std::string u = url("ok");
  read_ok(u);
  ::unsetenv("TENSORIO_HTTP_BEARER");
  std::string token = u.substr(u.find("/t") + 1);
  token = token.substr(0, token.find('/'));
  std::string stats = http_get(remote_env().fault + "/stats/" + token);
  EXPECT_NE(stats.find("Bearer env-token"), std::string::npos) << stats;
}

}  // namespace
}  // namespace tensorio::testing
