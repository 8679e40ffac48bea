#include "tests/remote/remote_support.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/archive_state.hpp"
#include "core/internals.hpp"

namespace tensorio::testing {

namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

size_t append_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::optional<ErrorCode> data_error(const TensorView& view) {
  try {
    (void)view.data();
  } catch (const Error& e) {
    return e.code();
  }
  return std::nullopt;
}

// A verify() problem's code: the problem's tensor read again with CRCs checked on access (as
// tests/tools/corpus_replay.cpp does).
std::optional<ErrorCode> problem_code(const std::function<Archive(const OpenOptions&)>& open,
                                      const VerifyProblem& problem) {
  try {
    OpenOptions options;
    options.verify_crc_on_access = true;
    Archive again = open(options);
    if (const TensorView* v = again.find(problem.tensor)) return data_error(*v);
    std::string_view member = problem.tensor;
    if (member.ends_with(".npy")) {
      if (const TensorView* v = again.find(member.substr(0, member.size() - 4))) {
        return data_error(*v);
      }
    }
    for (const TensorView& v : again.tensors()) {
      if (auto code = data_error(v)) return code;
    }
  } catch (const Error& e) {
    return e.code();
  }
  return std::nullopt;
}

std::string shape_string(std::span<const uint64_t> shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + ")";
}

}  // namespace

const RemoteEnv& remote_env() {
  static const RemoteEnv env = [] {
    RemoteEnv e;
    e.nginx = env_or_empty("TENSORIO_TEST_NGINX");
    e.log = env_or_empty("TENSORIO_TEST_NGINX_LOG");
    e.fault = env_or_empty("TENSORIO_TEST_FAULT");
    e.www = env_or_empty("TENSORIO_TEST_WWW");
    e.nginx_tls = env_or_empty("TENSORIO_TEST_NGINX_TLS");
    e.ca_file = env_or_empty("TENSORIO_TEST_CA");
    if (e.nginx.empty() || e.fault.empty() || e.www.empty()) {
      throw std::runtime_error("run through tests/remote/run_remote_tests.py (no servers set)");
    }
    return e;
  }();
  return env;
}

std::string unique_query() {
  static std::atomic<uint64_t> next{0};
  return "?open=" + std::to_string(next.fetch_add(1));
}

std::string http_get(const std::string& url) {
  CURL* h = curl_easy_init();
  if (!h) throw std::runtime_error("curl_easy_init");
  std::string body;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  CURLcode rc = curl_easy_perform(h);
  curl_easy_cleanup(h);
  if (rc != CURLE_OK) throw std::runtime_error("GET " + url + ": " + curl_easy_strerror(rc));
  return body;
}

std::vector<LoggedRequest> nginx_log(const std::string& uri) {
  const RemoteEnv& env = remote_env();
  std::string sentinel = "/data/.sentinel" + unique_query();
  (void)http_get(env.nginx + sentinel);  // a 404, logged after everything before it
  for (int tries = 0; tries < 400; ++tries) {
    std::ifstream in(env.log);
    std::string line;
    std::vector<LoggedRequest> out;
    bool seen = false;
    while (std::getline(in, line)) {
      // URI STATUS "RANGE" PROTOCOL CONNECTION BYTES
      std::istringstream fields(line);
      LoggedRequest r;
      fields >> r.uri >> r.status >> std::quoted(r.range) >> r.protocol >> r.connection >> r.bytes;
      if (r.uri == uri) out.push_back(r);
      if (r.uri == sentinel) seen = true;
    }
    if (seen) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  throw std::runtime_error("the access log never showed " + sentinel);
}

detail::RemoteStats stats_of(const Archive& archive) {
  detail::RemoteStats total;
  for (const auto& file : Internals::state(archive).files) {
    detail::RemoteStats s;
    if (detail::remote_stats(*file, s)) {
      total.requests += s.requests;
      total.bytes += s.bytes;
      total.retries += s.retries;
      total.header_bytes += s.header_bytes;
    }
  }
  return total;
}

Outcome replay(const std::function<Archive(const OpenOptions&)>& open) {
  Outcome out;
  try {
    out.archive.emplace(open({}));
    (void)out.archive->metadata_json(true);
  } catch (const Error& e) {
    out.archive.reset();
    out.failed = true;
    out.code = e.code();
    out.message = e.what();
    return out;
  }
  auto problems = verify(*out.archive);
  if (problems.empty()) return out;
  out.failed = true;
  out.code = problem_code(open, problems.front());
  out.message = problems.front().message;
  out.archive.reset();
  return out;
}

std::string describe(const Outcome& o) {
  if (!o.failed) return "opened and verified";
  return std::string(o.code ? error_code_name(*o.code) : "(no code)") + ": " + o.message;
}

std::string archive_difference(const Archive& local, const Archive& remote, bool notes) {
  if (local.size() != remote.size()) {
    return "tensor count " + std::to_string(local.size()) + " locally, " +
           std::to_string(remote.size()) + " remotely";
  }
  if (local.file_size() != remote.file_size()) return "file sizes differ";
  for (size_t i = 0; i < local.size(); ++i) {
    const TensorView& l = local.tensors()[i];
    const TensorView& r = remote.tensors()[i];
    std::string which = "tensor " + std::to_string(i) + " '" + l.name() + "'";
    if (l.name() != r.name()) return which + ": named '" + r.name() + "' remotely";
    if (l.dtype() != r.dtype()) return which + ": dtypes differ";
    if (!std::ranges::equal(l.shape(), r.shape())) {
      return which + ": shape " + shape_string(l.shape()) + " locally, " + shape_string(r.shape()) +
             " remotely";
    }
    if (l.file_offset() != r.file_offset()) return which + ": file offsets differ";
    auto lb = l.data();
    auto rb = r.data();
    if (!std::ranges::equal(lb, rb)) return which + ": bytes differ";
    std::vector<std::byte> copy(r.nbytes());
    (void)read_into(r, copy);
    if (!std::ranges::equal(lb, copy)) return which + ": read_into gave other bytes";
  }
  if (local.string_metadata() != remote.string_metadata()) return "string metadata differs";
  if (local.metadata_json(true) != remote.metadata_json(true)) {
    return "metadata JSON differs:\n  " + local.metadata_json(true) + "\n  " +
           remote.metadata_json(true);
  }
  if (notes && local.notes() != remote.notes()) return "notes differ";
  return "";
}

}  // namespace tensorio::testing
