// Every file of the test corpora, served by nginx: opened by URL it gives exactly what it gives
// from disk — the same tensors, bytes and metadata for a good file, the same ErrorCode for a bad
// one — in at most the requests its format's open allows (counted in nginx's access log, and by
// the client, which must agree).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/remote/remote_support.hpp"

namespace tensorio::testing {
namespace {

namespace fs = std::filesystem;

bool is_index(const fs::path& p) {
  return p.filename().string().ends_with(".safetensors.index.json");
}

// Requests an open of a corpus file may take: every corpus file is smaller than the first
// window of its format, so one request brings it whole; a sharded index is one request for the
// index and one per shard (counted by the shards' own URIs, so the index's count is 1).
constexpr size_t kMaxOpenRequests = 1;

std::vector<fs::path> corpus_files() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(remote_env().www / "corpus")) {
    if (!e.is_regular_file()) continue;
    std::string ext = e.path().extension().string();
    if (ext == ".npy" || ext == ".npz" || ext == ".gguf" || ext == ".safetensors" ||
        is_index(e.path())) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(RemoteCorpus, EveryFileGivesTheLocalOutcome) {
  const RemoteEnv& env = remote_env();
  size_t checked = 0;
  for (const fs::path& p : corpus_files()) {
    SCOPED_TRACE(p.string());
    std::string rel = fs::relative(p, env.www).generic_string();
    std::string uri = "/" + rel + unique_query();
    Outcome local = replay([&](const OpenOptions& o) { return load(p, o); });
    // The open alone first, to count its requests; then the whole replay.
    size_t client_requests = 0;
    bool opened = false;
    try {
      Archive a = load(env.nginx + uri);
      client_requests = stats_of(a).requests;
      opened = true;
    } catch (const Error&) {
    }
    size_t logged = nginx_requests(uri);
    if (opened && !is_index(p)) {
      EXPECT_EQ(logged, client_requests) << "nginx and the client disagree on the requests";
      EXPECT_LE(logged, kMaxOpenRequests);
    }
    if (!opened) {
      EXPECT_LE(logged, 2u) << "a failed open of a small file";
    }
    Outcome remote = replay([&](const OpenOptions& o) { return load(env.nginx + uri, o); });
    EXPECT_EQ(local.failed, remote.failed)
        << "local: " << describe(local) << "\nremote: " << describe(remote);
    EXPECT_EQ(local.code, remote.code)
        << "local: " << describe(local) << "\nremote: " << describe(remote);
    if (!local.failed && !remote.failed) {
      EXPECT_EQ(archive_difference(*local.archive, *remote.archive, !is_index(p)), "");
    }
    ++checked;
  }
  EXPECT_GT(checked, 100u);
}

}  // namespace
}  // namespace tensorio::testing
