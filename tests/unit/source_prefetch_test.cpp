// SourcePrefetcher: the save path's helper that maps (and checksums) the source ahead of write().
// The CRCs it hands back go into npz headers, so they are checked against libdeflate's; the
// window and shutdown rules are checked by driving it the way a writer does.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include "core/mapped_file.hpp"
#include "io/source_prefetch.hpp"
#include "npz/member_inflate.hpp"
#include "support/temp_dir.hpp"
#include "tensorio/npz.hpp"
#include "tensorio/tensorio.hpp"
#include "test_util.hpp"

namespace tensorio {
namespace {

using detail::SourcePrefetcher;

std::vector<std::byte> pattern(size_t n, unsigned seed) {
  std::vector<std::byte> v(n);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& b : v) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<std::byte>(x >> 24);
  }
  return v;
}

bool two_cores() { return std::thread::hardware_concurrency() >= 2; }

TEST(SourcePrefetcher, CrcsMatchLibdeflateAndContinueFromTheSeeds) {
  if (!two_cores()) GTEST_SKIP() << "the helper only runs on two or more cores";
  // Sizes that straddle the helper's 8 MiB steps, and an empty span.
  auto a = pattern((size_t{9} << 20) + 123, 1);
  auto b = pattern(0, 2);
  auto c = pattern((size_t{8} << 20) + 1, 3);
  std::vector<uint32_t> seeds = {0, 0x12345678u, npz::crc32(std::as_bytes(std::span("npy", 3)))};
  SourcePrefetcher p({a, b, c}, &npz::crc32, seeds);
  ASSERT_TRUE(p.active());
  p.advance(UINT64_MAX);  // as if everything were written
  EXPECT_EQ(p.crc(0), npz::crc32(a, seeds[0]));
  EXPECT_EQ(p.crc(1), seeds[1]);  // nothing to fold in
  EXPECT_EQ(p.crc(2), npz::crc32(c, seeds[2]));
  EXPECT_EQ(p.crc(3), std::nullopt);  // no such span
}

TEST(SourcePrefetcher, StaysInactiveBelowItsThreshold) {
  auto a = pattern(SourcePrefetcher::kMinBytes - 1, 4);
  SourcePrefetcher p({a}, &npz::crc32);
  EXPECT_FALSE(p.active());
  EXPECT_EQ(p.crc(0), std::nullopt);  // the caller computes it
  p.advance(123);                     // harmless
}

TEST(SourcePrefetcher, WaitsForTheWriterBeyondItsWindow) {
  if (!two_cores()) GTEST_SKIP() << "the helper only runs on two or more cores";
  // Three 8 MiB spans with a 10 MiB window: the second span cannot finish until the writer
  // reports its progress, so crc(1) must wait for advance().
  auto a = pattern(size_t{8} << 20, 5), b = pattern(size_t{8} << 20, 6);
  auto c = pattern(size_t{8} << 20, 7);
  SourcePrefetcher p({a, b, c}, &npz::crc32, {}, uint64_t{10} << 20);
  EXPECT_EQ(p.crc(0), npz::crc32(a));  // within the window from the start
  std::atomic<bool> advanced{false};
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    advanced = true;
    p.advance(uint64_t{8} << 20);  // the first span is written
  });
  EXPECT_EQ(p.crc(1), npz::crc32(b));
  EXPECT_TRUE(advanced.load()) << "the helper read past its window before the writer moved on";
  writer.join();
}

TEST(SourcePrefetcher, StopsPromptlyWhenDestroyedMidWindow) {
  if (!two_cores()) GTEST_SKIP() << "the helper only runs on two or more cores";
  auto a = pattern(size_t{32} << 20, 8);
  auto start = std::chrono::steady_clock::now();
  {
    // A save that fails after its first write: the helper waits at its window and must be
    // woken and joined by the destructor, not left waiting forever.
    SourcePrefetcher p({a}, &npz::crc32, {}, uint64_t{8} << 20);
    p.advance(4096);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(SourcePrefetcher, LeavesAnUnmappableSpanToTheWriter) {
  if (!two_cores()) GTEST_SKIP() << "the helper only runs on two or more cores";
  // Memory that cannot be read (PROT_NONE, like a file truncated under its mapping) must be
  // neither read nor checksummed by the helper: it reports no CRC and the process lives on.
  size_t n = size_t{16} << 20;
  void* hole = ::mmap(nullptr, n, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(hole, MAP_FAILED);
  auto good = pattern(size_t{4} << 20, 9);
  {
    SourcePrefetcher p({{static_cast<const std::byte*>(hole), n}, good}, &npz::crc32);
    p.advance(UINT64_MAX);
    EXPECT_EQ(p.crc(0), std::nullopt);
    EXPECT_EQ(p.crc(1), npz::crc32(good));
  }
  ::munmap(hole, n);
}

TEST(SourcePrefetcher, LargeStoredNpzSavesCarryCorrectCrcs) {
  // Large enough for the helper: the CRCs it computed are checked by reading every member back
  // through verify(), which recomputes each stored member's CRC-32.
  testing::TempDir dir;
  auto a = pattern((size_t{12} << 20) + 4, 10), b = pattern(size_t{6} << 20, 11);
  std::vector<TensorRef> refs(2);
  refs[0] = {"a", DType::float32, {a.size() / 4}, a};
  refs[1] = {"b", DType::uint8, {b.size()}, b};
  auto path = dir.path() / "big.npz";
  save(path, refs);
  Archive back = load(path);
  EXPECT_TRUE(verify(back).empty());
  ASSERT_EQ(back.size(), 2u);
  auto view = back.at("a").data();
  EXPECT_TRUE(std::equal(view.begin(), view.end(), a.begin(), a.end()));
}

TEST(SourcePrefetcher, SavesFromAViewOfAMappedFileRoundTrip) {
  // from_view() borrows a zero-copy view without populating it; the save maps it on the helper.
  testing::TempDir dir;
  auto a = pattern(size_t{20} << 20, 12);
  std::vector<TensorRef> refs(1);
  refs[0] = {"w", DType::int8, {a.size()}, a};
  auto src = dir.path() / "src.safetensors";
  save(src, refs);
  Archive in = load(src);
  std::vector<TensorRef> again = {TensorRef::from_view(in.at("w"))};
  for (const char* ext : {"out.npz", "out.safetensors", "out.npy", "out.gguf"}) {
    SCOPED_TRACE(ext);
    auto out = dir.path() / ext;
    save(out, again);
    Archive back = load(out);
    EXPECT_TRUE(verify(back).empty());
    auto bytes = back.tensors()[0].data();
    EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), a.begin(), a.end()));
  }
}

// Resident pages of this process (file-backed mapped pages included), from /proc/self/statm.
uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

TEST(ReleaseFilePages, DropsOnlyPagesOfTensorioFileMappings) {
  testing::TempDir dir;
  auto a = pattern(size_t{4} << 20, 13);
  std::vector<TensorRef> refs(1);
  refs[0] = {"w", DType::uint8, {a.size()}, a};
  save(dir.path() / "w.npy", refs);
  Archive in = load(dir.path() / "w.npy");
  auto bytes = in.tensors()[0].data();  // populated
  EXPECT_TRUE(detail::release_file_pages(bytes));
  // Only unmapped: the bytes read back from the page cache.
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), a.begin(), a.end()));
  // Anyone else's memory is left alone (MADV_DONTNEED would zero anonymous pages).
  std::vector<std::byte> mine = pattern(size_t{1} << 20, 14);
  EXPECT_FALSE(detail::release_file_pages(mine));
  EXPECT_EQ(mine, pattern(size_t{1} << 20, 14));
  // A range that runs past the mapping's end is not released either.
  EXPECT_FALSE(detail::release_file_pages({bytes.data(), bytes.size() + (size_t{1} << 20)}));
  EXPECT_FALSE(detail::release_file_pages({}));
}

TEST(ReleaseFilePages, ALargeSaveDoesNotKeepItsSourceMapped) {
  if (!two_cores()) GTEST_SKIP() << "the helper (and the release behind it) needs two cores";
  // 128 MiB saved from a view of a file: the prefetcher maps 32 MiB ahead and the writer
  // releases what it wrote, so the process does not end up mapping the whole source.
  testing::TempDir dir;
  size_t n = size_t{128} << 20;
  {
    auto a = pattern(n, 15);
    std::vector<TensorRef> refs(1);
    refs[0] = {"w", DType::uint8, {n}, a};
    save(dir.path() / "src.npy", refs);
  }  // the 128 MiB pattern is freed (glibc unmaps a block that large)
  Archive in = load(dir.path() / "src.npy");
  std::vector<TensorRef> again = {TensorRef::from_view(in.tensors()[0])};
  uint64_t before = resident_bytes();
  save(dir.path() / "out.npy", again);
  uint64_t grown = resident_bytes() - std::min(before, resident_bytes());
  EXPECT_LT(grown, uint64_t{48} << 20) << "the save left " << (grown >> 20) << " MiB mapped";
  Archive back = load(dir.path() / "out.npy");
  EXPECT_TRUE(verify(back).empty());
}

}  // namespace
}  // namespace tensorio
