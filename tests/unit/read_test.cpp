// read_into / read_all / prefetch and the first-access hints of data(): every path gives the
// bytes data() gives, for whole tensors and byte ranges, falls back cleanly where O_DIRECT is
// refused, and reports bad ranges and truncated files as errors.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>
#include <algorithm>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <vector>

#include "core/archive_state.hpp"
#include "core/internals.hpp"
#include "core/tensor_record.hpp"
#include "io/file_reader.hpp"
#include "support/temp_dir.hpp"
#include "tensorio/npy.hpp"
#include "tensorio/read.hpp"
#include "tensorio/tensorio.hpp"

namespace fs = std::filesystem;
using namespace tensorio;

namespace {

class ReadTest : public ::testing::Test {
 protected:
  void TearDown() override { detail::set_refuse_direct_io_for_testing(false); }

  // A float32 .npy of `elements` patterned values; its payload starts at offset 128, which is
  // not 4 KiB aligned, and its length is not a whole number of pages.
  fs::path write_npy(const std::string& stem, size_t elements, uint32_t seed = 7) {
    std::vector<float> values(elements);
    std::mt19937 rng(seed);
    for (float& v : values) v = static_cast<float>(rng()) / 1e6f;
    TensorRef t{stem, DType::float32, {elements}, std::as_bytes(std::span(values))};
    fs::path p = dir_ / (stem + ".npy");
    save(p, std::span(&t, 1));
    return p;
  }

  tensorio::testing::TempDir dir_;
};

constexpr ReadPath kAllPaths[] = {ReadPath::automatic, ReadPath::mmap, ReadPath::pread,
                                  ReadPath::direct};

ReadOptions small_blocks(ReadPath path) {
  ReadOptions o;
  o.path = path;
  o.threads = 3;
  o.block_bytes = 3 * 4096;  // many blocks, so the parallel split and its seams are exercised
  return o;
}

TEST_F(ReadTest, WholeTensorMatchesDataOnEveryPath) {
  Archive a = load(write_npy("w", 100'003));
  const TensorView& v = a.tensors()[0];
  auto expect = v.data();
  for (ReadPath path : kAllPaths) {
    std::vector<std::byte> dst(v.nbytes(), std::byte{0xee});
    ReadStats s = read_into(v, dst, 0, small_blocks(path));
    EXPECT_EQ(0, std::memcmp(dst.data(), expect.data(), dst.size())) << int(path);
    EXPECT_EQ(s.total(), v.nbytes()) << int(path);
  }
}

// File-backed pages mapped into this process (kB), from /proc/self/status.
uint64_t rss_file_kb() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  uint64_t kb = 0;
  while (std::fgets(line, sizeof line, f)) {
    if (std::sscanf(line, "RssFile: %lu kB", &kb) == 1) break;
  }
  std::fclose(f);
  return kb;
}

TEST_F(ReadTest, PreadAccessNeverReadsThroughTheMapping) {
  // AccessMode::pread promises no payload byte is read through the mapping (a mapping can
  // SIGBUS on a network filesystem): even the automatic path on a cached file and an explicit
  // ReadPath::mmap read with pread, so the process maps none of the payload's pages.
  OpenOptions options;
  options.access = AccessMode::pread;
  Archive a = load(write_npy("p", 4u << 20), options);  // 16 MiB, in the page cache
  const TensorView& v = a.tensors()[0];
  std::vector<std::byte> dst(v.nbytes()), expect(v.nbytes());
  {
    Archive plain = load(dir_ / "p.npy");
    std::memcpy(expect.data(), plain.tensors()[0].data().data(), expect.size());
  }
  for (ReadPath path : {ReadPath::automatic, ReadPath::mmap}) {
    std::fill(dst.begin(), dst.end(), std::byte{0});
    uint64_t before = rss_file_kb();
    ReadStats s = read_into(v, dst, 0, small_blocks(path));
    uint64_t grown_kb = rss_file_kb() - std::min(before, rss_file_kb());
    EXPECT_EQ(s.cached_bytes, v.nbytes()) << int(path);
    EXPECT_EQ(s.mapped_bytes, 0u) << int(path);
    EXPECT_LT(grown_kb * 1024, v.nbytes() / 4) << int(path) << ": payload pages were mapped";
    EXPECT_EQ(0, std::memcmp(dst.data(), expect.data(), dst.size())) << int(path);
  }
}

TEST_F(ReadTest, PathsDeliverThroughTheirOwnMechanism) {
  Archive a = load(write_npy("w", 50'000));
  const TensorView& v = a.tensors()[0];
  std::vector<std::byte> dst(v.nbytes());
  EXPECT_EQ(read_into(v, dst, 0, small_blocks(ReadPath::mmap)).mapped_bytes, v.nbytes());
  EXPECT_EQ(read_into(v, dst, 0, small_blocks(ReadPath::pread)).cached_bytes, v.nbytes());
  ReadStats d = read_into(v, dst, 0, small_blocks(ReadPath::direct));
  // Where the filesystem has O_DIRECT every byte comes that way; otherwise all fall back.
  if (d.direct_refused) {
    EXPECT_EQ(d.cached_bytes, v.nbytes());
  } else {
    EXPECT_EQ(d.direct_bytes, v.nbytes());
  }
  // The file was just written and read: the automatic path finds it all in the page cache.
  EXPECT_EQ(read_into(v, dst, 0, small_blocks(ReadPath::automatic)).cached_bytes, v.nbytes());
}

TEST_F(ReadTest, ByteRangesMatchDataOnEveryPath) {
  Archive a = load(write_npy("w", 40'000));
  const TensorView& v = a.tensors()[0];
  auto expect = v.data();
  std::mt19937_64 rng(1);
  uint64_t n = v.nbytes();
  std::vector<std::pair<uint64_t, uint64_t>> ranges = {
      {0, 0}, {0, 1}, {n - 1, 1}, {n, 0}, {1, n - 1}, {4095, 2}, {4096 * 3 - 1, 4096 * 3 + 2}};
  for (int i = 0; i < 30; ++i) {
    uint64_t off = rng() % n;
    ranges.push_back({off, rng() % (n - off + 1)});
  }
  for (ReadPath path : kAllPaths) {
    for (auto [off, len] : ranges) {
      std::vector<std::byte> dst(len, std::byte{0xee});
      read_into(v, dst, off, small_blocks(path));
      // std::equal, not memcmp: an empty vector's data() may be null, which memcmp forbids.
      ASSERT_TRUE(std::equal(dst.begin(), dst.end(), expect.begin() + static_cast<long>(off)))
          << "path " << int(path) << " range " << off << "+" << len;
    }
  }
}

TEST_F(ReadTest, DirectRefusedFallsBackToBufferedReads) {
  detail::set_refuse_direct_io_for_testing(true);
  Archive a = load(write_npy("w", 30'001));
  const TensorView& v = a.tensors()[0];
  for (ReadPath path : {ReadPath::direct, ReadPath::automatic}) {
    // Drop the cached pages (where the filesystem can): with O_DIRECT refused, both paths
    // read everything buffered.
    ::posix_fadvise(Internals::record(v)->file->fd(), 0, 0, POSIX_FADV_DONTNEED);
    std::vector<std::byte> dst(v.nbytes() - 5);
    ReadStats s = read_into(v, dst, 5, small_blocks(path));
    EXPECT_EQ(0, std::memcmp(dst.data(), v.data().data() + 5, dst.size()));
    EXPECT_EQ(s.direct_bytes, 0u);
    EXPECT_EQ(s.cached_bytes, dst.size());
    if (path == ReadPath::direct) {
      EXPECT_TRUE(s.direct_refused);
    }
  }
}

TEST_F(ReadTest, TransformedViewsGiveThePresentedBytes) {
  // A big-endian npy: same header length as the little-endian one, so patch the descr in place.
  fs::path p = write_npy("be", 10'000);
  {
    std::string header = serialize_npy_header(DType::float32, std::vector<uint64_t>{10'000});
    auto at = header.find("'<f4'");
    ASSERT_NE(at, std::string::npos);
    int fd = ::open(p.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, "'>f4'", 5, static_cast<off_t>(at)), 5);
    ::close(fd);
  }
  Archive a = load(p);
  const TensorView& v = a.tensors()[0];
  ASSERT_TRUE(v.stored_big_endian());
  for (ReadPath path : kAllPaths) {
    std::vector<std::byte> dst(100);
    ReadStats s = read_into(v, dst, 4 * 17, small_blocks(path));
    EXPECT_EQ(s.transformed_bytes, 100u);
    EXPECT_EQ(0, std::memcmp(dst.data(), v.data().data() + 4 * 17, 100));
    // ... which differ from the stored bytes: the swap really happened.
    EXPECT_NE(0, std::memcmp(dst.data(), v.stored_bytes().data() + 4 * 17, 100));
  }
}

TEST_F(ReadTest, RowSubViewsReadTheirOwnBytes) {
  Archive a = load(write_npy("w", 10'000));
  TensorView rows = a.tensors()[0].rows(1'000, 7'000);
  std::vector<std::byte> dst(rows.nbytes());
  read_into(rows, dst, 0, small_blocks(ReadPath::direct));
  EXPECT_EQ(0, std::memcmp(dst.data(), a.tensors()[0].data().data() + 4'000, dst.size()));
}

TEST_F(ReadTest, RangesOutsideTheTensorAreInvalidArguments) {
  Archive a = load(write_npy("w", 100));
  const TensorView& v = a.tensors()[0];
  std::vector<std::byte> dst(8);
  auto code_of = [&](auto f) {
    try {
      f();
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::count_;
  };
  EXPECT_EQ(code_of([&] { read_into(v, dst, 393); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { read_into(v, dst, UINT64_MAX - 3); }), ErrorCode::invalid_argument);
  std::vector<std::byte> big(401);
  EXPECT_EQ(code_of([&] { read_into(v, big); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { read_into(TensorView(), dst); }), ErrorCode::invalid_argument);
  try {
    read_into(v, dst, 400);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'w'"), std::string::npos) << e.what();
  }
}

TEST_F(ReadTest, TruncatedFileIsFileChangedOnEveryPathAndInData) {
  fs::path p = write_npy("w", 100'000);
  Archive a = load(p);
  Archive b = load(p);
  const TensorView& v = a.tensors()[0];
  fs::resize_file(p, 128 + 4 * 1'000);
  for (ReadPath path : kAllPaths) {
    std::vector<std::byte> dst(v.nbytes());
    try {
      read_into(v, dst, 0, small_blocks(path));
      FAIL() << "expected file_changed on path " << int(path);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::file_changed) << int(path) << ": " << e.what();
    }
  }
  try {
    (void)b.tensors()[0].data();
    FAIL() << "expected file_changed from data()";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::file_changed) << e.what();
  }
  // A range still inside the file reads fine.
  std::vector<std::byte> head(4'000);
  read_into(v, head, 0, small_blocks(ReadPath::pread));
}

// An archive of several files, like a sharded checkpoint, put together from .npy files.
Archive combine(const std::vector<fs::path>& files) {
  auto state = std::make_shared<detail::ArchiveState>();
  state->path = files[0].string();
  for (const fs::path& f : files) {
    Archive one = load(f);
    state->files.push_back(Internals::state(one).files[0]);
    state->add(one.tensors()[0]);
  }
  return Internals::make_archive(state);
}

TEST_F(ReadTest, ReadAllFillsEveryDestinationAndReportsProgress) {
  std::vector<fs::path> files;
  for (int i = 0; i < 6; ++i) files.push_back(write_npy("t" + std::to_string(i), 3'000 * i, i));
  Archive a = combine(files);
  for (ReadPath path : kAllPaths) {
    std::vector<std::vector<std::byte>> bufs;
    std::vector<std::span<std::byte>> dsts;
    for (const TensorView& v : a.tensors()) bufs.emplace_back(v.nbytes());
    for (auto& b : bufs) dsts.emplace_back(b);
    ReadOptions o = small_blocks(path);
    std::atomic<int> inside{0};
    bool overlapped = false;
    uint64_t last = 0, total = 0, calls = 0;
    bool monotonic = true;
    o.progress = [&](uint64_t done, uint64_t t) {
      if (inside.fetch_add(1) != 0) overlapped = true;
      monotonic = monotonic && done >= last;
      last = done;
      total = t;
      ++calls;
      inside.fetch_sub(1);
    };
    ReadStats s = read_all(a, dsts, o);
    uint64_t expect_total = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      auto want = a.tensors()[i].data();
      expect_total += want.size();
      // std::equal, not memcmp: an empty tensor's buffers may be null (UB for memcmp).
      EXPECT_TRUE(std::equal(want.begin(), want.end(), bufs[i].begin(), bufs[i].end())) << i;
    }
    EXPECT_EQ(s.total(), expect_total);
    EXPECT_FALSE(overlapped);
    EXPECT_TRUE(monotonic);
    EXPECT_EQ(last, expect_total);
    EXPECT_EQ(total, expect_total);
    EXPECT_GT(calls, 2u);
  }
}

TEST_F(ReadTest, ReadAllChecksDestinations) {
  Archive a = combine({write_npy("a", 10), write_npy("b", 20)});
  std::vector<std::byte> x(40), y(80), z(81);
  std::vector<std::span<std::byte>> one = {x};
  std::vector<std::span<std::byte>> wrong = {x, z};
  std::vector<std::span<std::byte>> right = {x, y};
  EXPECT_THROW(read_all(a, one), Error);
  try {
    read_all(a, wrong);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("'b'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_all(a, right).total(), 120u);
}

TEST_F(ReadTest, PrefetchMakesEveryViewResident) {
  Archive a = combine({write_npy("a", 70'000), write_npy("b", 5), write_npy("c", 0)});
  uint64_t last = 0;
  PrefetchOptions o;
  o.threads = 3;
  o.chunk_bytes = 4096;
  o.progress = [&](uint64_t done, uint64_t) { last = done; };
  prefetch(a, o);
  EXPECT_EQ(last, 4u * 70'005);
  for (const TensorView& v : a.tensors()) EXPECT_TRUE(v.materialized()) << v.name();
  // Resident means mapped: every page of the payload is in core.
  auto span = a.tensors()[0].data();
  long page = ::sysconf(_SC_PAGESIZE);
  auto begin = reinterpret_cast<uintptr_t>(span.data()) & ~static_cast<uintptr_t>(page - 1);
  size_t len = reinterpret_cast<uintptr_t>(span.data()) + span.size() - begin;
  std::vector<unsigned char> vec((len + page - 1) / page);
  ASSERT_EQ(0, ::mincore(reinterpret_cast<void*>(begin), len, vec.data()));
  for (unsigned char c : vec) EXPECT_TRUE(c & 1);
}

TEST_F(ReadTest, PrefetchOfATruncatedFileIsFileChanged) {
  fs::path p = write_npy("w", 100'000);
  Archive a = load(p);
  fs::resize_file(p, 1'000);
  try {
    prefetch(a);
    FAIL() << "expected file_changed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::file_changed) << e.what();
  }
}

}  // namespace
