// What the remote-file tests share: the servers run_remote_tests.py started (addresses from the
// environment), request counting from nginx's access log, and outcomes of opening a file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "io/remote/remote_open.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio::testing {

struct RemoteEnv {
  std::string nginx;          // "http://127.0.0.1:PORT": serves www/ (corpus/ and data/)
  std::filesystem::path log;  // nginx's access log: "URI STATUS \"RANGE\" BYTES" per line
  std::string fault;          // "http://127.0.0.1:PORT" of fault_server.py, over www/data
  std::filesystem::path www;  // the served root
  std::filesystem::path data() const { return www / "data"; }
};

// The environment run_remote_tests.py sets; the test fails (not skips) when it is missing.
const RemoteEnv& remote_env();

// A query string no other open in this process used, so each open's requests can be counted
// apart in the access log: "?open=N".
std::string unique_query();

// Requests nginx logged whose URI (path and query) is exactly `uri`. Waits until every request
// made before the call is in the log (a request of its own goes last, on one worker).
size_t nginx_requests(const std::string& uri);

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
