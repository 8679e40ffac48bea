// What the remote-file tests share: the servers run_remote_tests.py started (addresses from the
// environment), request counting from nginx's access log, and outcomes of opening a file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/remote/remote_open.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio::testing {

struct RemoteEnv {
  std::string nginx;          // "http://127.0.0.1:PORT": serves www/ (corpus/ and data/)
  std::filesystem::path log;  // nginx's access log, one line per request
  std::string fault;          // "http://127.0.0.1:PORT" of fault_server.py, over www/data
  std::filesystem::path www;  // the served root
  std::string nginx_tls;      // "https://127.0.0.1:PORT" (HTTP/2), or empty without openssl
  std::string ca_file;        // its self-signed certificate
  std::filesystem::path data() const { return www / "data"; }
};

// The environment run_remote_tests.py sets; the test fails (not skips) when it is missing.
const RemoteEnv& remote_env();

// A query string no other open in this process used, so each open's requests can be counted
// apart in the access log: "?open=N".
std::string unique_query();

// One request as nginx logged it.
struct LoggedRequest {
  std::string uri;  // path and query
  int status = 0;
  std::string range;       // the Range header, or "-"
  std::string protocol;    // "HTTP/1.1", "HTTP/2.0"
  std::string connection;  // nginx's connection serial number
  uint64_t bytes = 0;      // body bytes sent
};

// The requests nginx logged whose URI (path and query) is exactly `uri`. Waits until every
// request made before the call is in the log (a request of its own goes last, on one worker).
std::vector<LoggedRequest> nginx_log(const std::string& uri);
inline size_t nginx_requests(const std::string& uri) { return nginx_log(uri).size(); }

// GET of a small resource; the body. Throws std::runtime_error.
std::string http_get(const std::string& url);

// The requests and bytes of every remote file the archive reads.
detail::RemoteStats stats_of(const Archive& archive);

// What opening and verifying gave, as the corpus replay tool sees it.
struct Outcome {
  bool failed = false;
  std::optional<ErrorCode> code;
  std::string message;
  std::optional<Archive> archive;
};
Outcome replay(const std::function<Archive(const OpenOptions&)>& open);

// The first difference between two archives ("" when equal): tensors (names, dtypes, shapes,
// bytes through data() and read_into), string metadata, metadata JSON, notes (unless
// `notes` is false) and file size.
std::string archive_difference(const Archive& local, const Archive& remote, bool notes = true);

std::string describe(const Outcome& o);

}  // namespace tensorio::testing
