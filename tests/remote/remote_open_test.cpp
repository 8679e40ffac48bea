// Opening generated checkpoints from nginx: the request counts each format's open is held to,
// reads (data, read_into, prefetch) equal to the local file's, sharded checkpoints resolved
// against the index's URL, and a file replaced on the server.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "core/internals.hpp"
#include "tensorio/gguf.hpp"
#include "tensorio/npz.hpp"
#include "tensorio/read.hpp"
#include "tensorio/safetensors.hpp"
#include "tests/remote/remote_support.hpp"
#include "tests/tools/big_gguf.hpp"

namespace tensorio::testing {
namespace {

namespace fs = std::filesystem;

// Bytes that differ from tensor to tensor and from offset to offset.
std::vector<std::byte> pattern(size_t n, uint32_t seed) {
  std::vector<std::byte> out(n);
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    out[i] = static_cast<std::byte>(x >> 24);
  }
  return out;
}

struct Tensors {
  std::vector<std::vector<std::byte>> bytes;
  std::vector<TensorRef> refs;
};

// `count` uint8 tensors of `each` bytes.
Tensors make_tensors(size_t count, size_t each) {
  Tensors t;
  t.bytes.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    t.bytes.push_back(pattern(each, static_cast<uint32_t>(i)));
    t.refs.push_back({"layers." + std::to_string(i / 10) + ".w" + std::to_string(i % 10),
                      DType::uint8,
                      {each},
                      t.bytes.back()});
  }
  return t;
}

std::string url_of(const std::string& name, const std::string& query) {
  return remote_env().nginx + "/data/" + name + query;
}

struct Opened {
  Archive archive;
  size_t requests;  // as nginx logged them
  detail::RemoteStats stats;
};

// Opens data/NAME by URL; counts the open's requests in nginx's log.
Opened open_remote(const std::string& name, const OpenOptions& options = {}) {
  std::string query = unique_query();
  Archive a = load(url_of(name, query), options);
  detail::RemoteStats stats = stats_of(a);
  size_t logged = nginx_requests("/data/" + name + query);
  EXPECT_EQ(logged, stats.requests) << "nginx and the client disagree on the requests";
  return {std::move(a), logged, stats};
}

TEST(RemoteOpen, SafetensorsOfAThousandTensorsInOneRequest) {
  Tensors t = make_tensors(1000, 64);
  save(remote_env().data() / "thousand.safetensors", t.refs);
  Opened o = open_remote("thousand.safetensors");
  EXPECT_EQ(o.requests, 1u);  // the header (about 100 kB) is inside the first window
  EXPECT_EQ(archive_difference(load(remote_env().data() / "thousand.safetensors"), o.archive), "");
}

// A header past the first window: its length from the first answer, then the rest of it.
void expect_two_request_header(const std::string& name, size_t metadata_bytes) {
  Tensors t = make_tensors(4, 1000);
  SaveOptions so;
  so.metadata = {{"blob", std::string(metadata_bytes, 'x')}};
  save_safetensors(remote_env().data() / name, t.refs, so.metadata);
  Opened o = open_remote(name);
  EXPECT_EQ(o.requests, 2u);
  // Bytes fetched: the header, rounded up to a page, and the first window's tail of payload.
  EXPECT_LT(o.stats.bytes, metadata_bytes + (uint64_t{256} << 10) + 8192);
  EXPECT_EQ(archive_difference(load(remote_env().data() / name), o.archive), "");
}

TEST(RemoteOpen, SafetensorsHeaderOfOneMegabyteInTwoRequests) {
  expect_two_request_header("header_1mb.safetensors", 1'000'000);
}

TEST(RemoteOpen, SafetensorsHeaderOfTwentyMegabytesInTwoRequests) {
  expect_two_request_header("header_20mb.safetensors", 20'000'000);
}

TEST(RemoteOpen, GgufWithA150kVocabularyGrowsItsWindow) {
  fs::path path = remote_env().data() / "vocab150k.gguf";
  write_big_gguf(path);
  Archive local = load(path);
  Opened o = open_remote("vocab150k.gguf");
  // Each round doubles what is fetched: log2(header / 2 MiB) + 1 requests.
  EXPECT_LE(o.requests, 4u);
  ::testing::Test::RecordProperty("requests", static_cast<int>(o.requests));
  ::testing::Test::RecordProperty("bytes", std::to_string(o.stats.bytes));
  std::printf("gguf, 150,000-token vocabulary: %zu requests, %llu bytes fetched at open\n",
              o.requests, static_cast<unsigned long long>(o.stats.bytes));
  EXPECT_EQ(archive_difference(local, o.archive), "");
}

TEST(RemoteOpen, NpzFromItsEndWithMemberHeadersInOneBatch) {
  Tensors t = make_tensors(300, 16 << 10);
  save(remote_env().data() / "members.npz", t.refs);
  Opened o = open_remote("members.npz");
  // The end records and directory, then the local and npy headers (merged where close).
  EXPECT_LE(o.requests, 3u);
  EXPECT_EQ(archive_difference(load(remote_env().data() / "members.npz"), o.archive), "");
}

TEST(RemoteOpen, NpzWithFarApartMembersFetchesTheirHeadersInParallel) {
  Tensors t = make_tensors(24, 1 << 20);
  save(remote_env().data() / "far_members.npz", t.refs);
  Opened o = open_remote("far_members.npz");
  // The end records and directory, then one request per member header (none is in the first
  // window: every member is 1 MiB), all in one parallel batch.
  EXPECT_EQ(o.requests, 1u + 24u);
  EXPECT_EQ(archive_difference(load(remote_env().data() / "far_members.npz"), o.archive), "");
}

TEST(RemoteOpen, CompressedNpz) {
  Tensors t = make_tensors(50, 40000);
  SaveOptions so;
  so.compress = true;
  save(remote_env().data() / "compressed.npz", t.refs, so);
  Opened o = open_remote("compressed.npz");
  EXPECT_LE(o.requests, 3u);
  EXPECT_EQ(archive_difference(load(remote_env().data() / "compressed.npz"), o.archive), "");
}

TEST(RemoteOpen, LargeNpyReadInParallelRanges) {
  std::vector<std::byte> bytes = pattern(10 << 20, 7);
  TensorRef ref{"big", DType::uint8, {bytes.size()}, bytes};
  save(remote_env().data() / "big.npy", std::span(&ref, 1));
  OpenOptions options;
  options.remote.range_bytes = 1 << 20;
  Opened o = open_remote("big.npy", options);
  EXPECT_EQ(o.requests, 1u);
  EXPECT_EQ(o.archive.tensors()[0].name(), "big");
  auto data = o.archive.tensors()[0].data();
  ASSERT_EQ(data.size(), bytes.size());
  EXPECT_TRUE(std::ranges::equal(data, bytes));
  // The payload came in 1 MiB ranges (the last one short), after the open's one request.
  EXPECT_EQ(stats_of(o.archive).requests, 1u + 10u);
}

TEST(RemoteOpen, ReadIntoFetchesStraightIntoTheBuffer) {
  std::vector<std::byte> bytes = pattern(24 << 20, 9);
  TensorRef ref{"w", DType::uint8, {bytes.size()}, bytes};
  save(remote_env().data() / "read_into.safetensors", std::span(&ref, 1));
  Archive a = load(url_of("read_into.safetensors", unique_query()));
  const TensorView& v = a.tensors()[0];
  std::vector<std::byte> dst(3 << 20);
  ReadOptions ro;
  ro.block_bytes = 1 << 20;
  ReadStats s = read_into(v, dst, 12345, ro);
  EXPECT_EQ(s.network_bytes, dst.size());
  EXPECT_TRUE(std::equal(dst.begin(), dst.end(), bytes.begin() + 12345));
  EXPECT_FALSE(v.materialized()) << "read_into must not materialize the view";
  std::vector<std::byte> all(bytes.size());
  std::span<std::byte> dsts[] = {all};
  ReadStats s2 = read_all(a, dsts);
  EXPECT_EQ(s2.network_bytes, bytes.size());
  EXPECT_TRUE(std::ranges::equal(all, bytes));
}

TEST(RemoteOpen, PrefetchMaterializesEveryView) {
  Tensors t = make_tensors(20, 100000);
  save(remote_env().data() / "prefetch.safetensors", t.refs);
  Archive a = load(url_of("prefetch.safetensors", unique_query()));
  prefetch(a);
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_TRUE(a.tensors()[i].materialized());
    EXPECT_TRUE(std::ranges::equal(a.tensors()[i].data(), t.bytes[i]));
  }
}

TEST(RemoteOpen, ShardedIndexResolvesShardsAgainstItsUrl) {
  fs::path dir = remote_env().data() / "sharded";
  fs::create_directories(dir);
  Tensors t = make_tensors(40, 50000);
  SaveOptions so;
  so.max_shard_size = 500000;
  auto shards = save_safetensors_sharded(dir / "model.safetensors.index.json", t.refs, so);
  ASSERT_GE(shards.size(), 4u);
  Archive local = load(dir / "model.safetensors.index.json");
  Archive remote = load(url_of("sharded/model.safetensors.index.json", unique_query()));
  EXPECT_EQ(archive_difference(local, remote, false), "");
  EXPECT_EQ(Internals::state(remote).files.size(), shards.size());
}

TEST(RemoteOpen, AFileReplacedOnTheServerIsFileChanged) {
  std::vector<std::byte> bytes = pattern(1 << 20, 3);
  TensorRef ref{"w", DType::uint8, {bytes.size()}, bytes};
  fs::path path = remote_env().data() / "replaced.safetensors";
  save(path, std::span(&ref, 1));
  Archive a = load(url_of("replaced.safetensors", unique_query()));
  // Another file, of another size (nginx's ETag is its modification time and size).
  std::vector<std::byte> other = pattern((1 << 20) + 4096, 4);
  TensorRef ref2{"w", DType::uint8, {other.size()}, other};
  save(path, std::span(&ref2, 1));
  try {
    (void)a.tensors()[0].data();
    FAIL() << "read bytes of a replaced file";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::file_changed) << e.what();
    EXPECT_NE(std::string(e.what()).find("/data/replaced.safetensors"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("bytes "), std::string::npos) << e.what();
  }
}

TEST(RemoteOpen, MissingFileIsFileNotFoundAndTheTokenStaysSecret) {
  OpenOptions options;
  options.remote.bearer_token = "s3cr3t-token";
  try {
    (void)load(url_of("no_such_file.safetensors", ""), options);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::file_not_found) << e.what();
    EXPECT_EQ(std::string(e.what()).find("s3cr3t"), std::string::npos);
  }
}

TEST(RemoteOpen, EmptyFileFailsAsLocally) {
  fs::path path = remote_env().data() / "empty.npy";
  std::ofstream(path).close();
  Outcome local = replay([&](const OpenOptions& o) { return load(path, o); });
  Outcome remote = replay([&](const OpenOptions& o) { return load(url_of("empty.npy", ""), o); });
  ASSERT_TRUE(local.failed);
  EXPECT_EQ(local.code, remote.code) << describe(remote);
}

TEST(RemoteOpen, QueryStringsAreNotPartOfTheName) {
  std::vector<std::byte> bytes = pattern(100, 5);
  TensorRef ref{"x", DType::uint8, {bytes.size()}, bytes};
  save(remote_env().data() / "named.npy", std::span(&ref, 1));
  Archive a = load(url_of("named.npy", "?download=true&x=.npz"));
  EXPECT_EQ(a.format(), Format::npy);
  EXPECT_EQ(a.tensors()[0].name(), "named");
}

TEST(RemoteOpen, RangesReuseTheirConnections) {
  std::vector<std::byte> bytes = pattern(4 << 20, 11);
  TensorRef ref{"w", DType::uint8, {bytes.size()}, bytes};
  save(remote_env().data() / "keepalive.safetensors", std::span(&ref, 1));
  OpenOptions options;
  options.remote.range_bytes = 256 << 10;
  options.remote.connections = 4;
  std::string query = unique_query();
  Archive a = load(url_of("keepalive.safetensors", query), options);
  EXPECT_TRUE(std::ranges::equal(a.tensors()[0].data(), bytes));
  std::vector<LoggedRequest> log = nginx_log("/data/keepalive.safetensors" + query);
  std::set<std::string> connections;
  for (const LoggedRequest& r : log) connections.insert(r.connection);
  EXPECT_EQ(log.size(), 1u + 16u);
  // Sixteen ranges over at most four connections at a time, each kept alive: far fewer
  // connections than requests (idle handles, and their connections, are pooled).
  EXPECT_LE(connections.size(), 5u) << log.size() << " requests";
}

TEST(RemoteOpen, HttpsWithHttp2) {
  const RemoteEnv& env = remote_env();
  if (env.nginx_tls.empty()) GTEST_SKIP() << "no openssl to make a certificate with";
  Tensors t = make_tensors(30, 100000);
  save(env.data() / "tls.safetensors", t.refs);
  OpenOptions options;
  options.remote.ca_file = env.ca_file;
  std::string query = unique_query();
  Archive remote = load(env.nginx_tls + "/data/tls.safetensors" + query, options);
  EXPECT_EQ(archive_difference(load(env.data() / "tls.safetensors"), remote), "");
  std::vector<LoggedRequest> log = nginx_log("/data/tls.safetensors" + query);
  ASSERT_FALSE(log.empty());
  for (const LoggedRequest& r : log) EXPECT_EQ(r.protocol, "HTTP/2.0");
  // The server's certificate is checked: without its CA the open fails.
  try {
    (void)load(env.nginx_tls + "/data/tls.safetensors", OpenOptions{});
    FAIL() << "a self-signed certificate was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io_error) << e.what();
  }
}

TEST(RemoteOpen, SavingToAUrlIsRefused) {
  std::vector<std::byte> bytes(4);
  TensorRef ref{"x", DType::uint8, {4}, bytes};
  try {
    save(url_of("x.npy", ""), std::span(&ref, 1));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
}

}  // namespace
}  // namespace tensorio::testing
