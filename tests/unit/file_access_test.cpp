// A file that changes under an open archive, and AccessMode::pread.
//
// Truncation after open: the first data() checks the file still covers the payload and throws
// Error(file_changed) instead of touching pages past the new end (SIGBUS). Replacement by rename
// (how every save lands) keeps the old inode mapped, so old views keep their bytes.
// AccessMode::pread: every format's records are copied out with pread into owned buffers, the
// transforms run on those copies, and a shrunken file is an Error at data().
// Mapping ahead (OpenOptions::map_next_view): the first data() of a view has the views after it
// mapped on a background thread; what that thread leaves behind is checked through the records.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/internals.hpp"
#include "core/mapped_file.hpp"
#include "core/tensor_record.hpp"
#include "io/map_ahead.hpp"
#include "support/sample_files.hpp"
#include "support/temp_dir.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {
namespace {

using testing::SampleFile;
using testing::TempDir;

bool inside(std::span<const std::byte> inner, std::span<const std::byte> outer) {
  auto a = reinterpret_cast<uintptr_t>(inner.data());
  auto lo = reinterpret_cast<uintptr_t>(outer.data());
  return a >= lo && a < lo + outer.size();
}

std::vector<std::byte> copy(std::span<const std::byte> s) { return {s.begin(), s.end()}; }

class EachSample : public ::testing::TestWithParam<SampleFile> {};

TEST_P(EachSample, PreadGivesTheSameBytesFromOwnedBuffers) {
  const SampleFile& s = GetParam();
  TempDir dir;
  auto path = dir / ("f" + s.extension);
  testing::write_file(path, s.bytes);
  Archive mapped = load(path);
  OpenOptions options;
  options.access = AccessMode::pread;
  Archive copied = load(path, options);
  ASSERT_EQ(mapped.size(), copied.size());
  ASSERT_GT(copied.size(), 0u);
  for (size_t i = 0; i < copied.size(); ++i) {
    const TensorView& m = mapped.tensors()[i];
    const TensorView& c = copied.tensors()[i];
    EXPECT_FALSE(c.zero_copy()) << c.name();
    auto cd = c.data();
    EXPECT_EQ(copy(cd), copy(m.data())) << c.name();
    // Not a span of the mapping: the bytes came through pread.
    if (!cd.empty()) {
      EXPECT_FALSE(inside(cd, Internals::record(c)->file->bytes())) << c.name();
    }
    EXPECT_TRUE(c.aligned());
  }
}

TEST_P(EachSample, TruncationAfterOpenIsFileChangedNotSigbus) {
  const SampleFile& s = GetParam();
  for (AccessMode access : {AccessMode::mmap, AccessMode::pread}) {
    TempDir dir;
    auto path = dir / ("f" + s.extension);
    testing::write_file(path, s.bytes);
    OpenOptions options;
    options.access = access;
    Archive a = load(path, options);
    ASSERT_GT(a.size(), 0u);
    uint64_t first_payload = UINT64_MAX;
    for (const auto& v : a.tensors()) first_payload = std::min(first_payload, v.file_offset());
    ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(first_payload)), 0);
    for (const auto& v : a.tensors()) {
      if (v.stored_bytes().empty()) continue;
      try {
        (void)v.data();
        ADD_FAILURE() << v.name() << ": data() of a truncated file succeeded";
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::file_changed) << e.what();
        EXPECT_EQ(e.file(), path.string());
      }
    }
  }
}

TEST_P(EachSample, ReplacementByRenameKeepsTheOldBytes) {
  const SampleFile& s = GetParam();
  TempDir dir;
  auto path = dir / ("f" + s.extension);
  testing::write_file(path, s.bytes);
  Archive before = load(path);
  std::vector<std::vector<std::byte>> expected;
  {
    TempDir ref;
    testing::write_file(ref / ("r" + s.extension), s.bytes);
    Archive r = load(ref / ("r" + s.extension));
    for (const auto& v : r.tensors()) expected.push_back(copy(v.data()));
  }
  // Replace the file the way every save does: a new inode renamed over the path.
  auto other = dir / ("g" + s.extension);
  testing::write_file(other, std::vector<std::byte>(s.bytes.size(), std::byte{0}));
  std::filesystem::rename(other, path);
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(copy(before.tensors()[i].data()), expected[i]);
  }
}

INSTANTIATE_TEST_SUITE_P(AllFormats, EachSample, ::testing::ValuesIn(testing::sample_files()),
                         [](const auto& info) { return info.param.name; });

TEST(Pread, ByteSwappedNpyIsTransformedFromThePreadCopy) {
  TempDir dir;
  auto path = dir / "be.npy";
  // Big-endian float64 1.0 and 2.0.
  std::vector<std::byte> payload(16, std::byte{0});
  payload[0] = std::byte{0x3f};
  payload[1] = std::byte{0xf0};
  payload[8] = std::byte{0x40};
  testing::write_file(path, testing::make_npy(">f8", false, {2}, payload));
  OpenOptions options;
  options.access = AccessMode::pread;
  Archive a = load(path, options);
  auto values = a.tensors()[0].as<double>();
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0], 1.0);
  EXPECT_EQ(values[1], 2.0);
  EXPECT_EQ(Internals::record(a.tensors()[0])->transform_runs.load(), 1u);
}

// The CRC-32 check of a stored npz member returns its input: with pread that input is the
// record's pread copy, which must then stay alive as the view's data.
TEST(Pread, CheckedStoredNpzMemberKeepsItsPreadCopy) {
  TempDir dir;
  auto path = dir / "stored.npz";
  std::vector<float> values{1.5f, 2.5f, 3.5f, 4.5f};
  TensorRef ref{"v", DType::float32, {4}, std::as_bytes(std::span(values))};
  save(path, std::span(&ref, 1));
  OpenOptions options;
  options.access = AccessMode::pread;
  options.verify_crc_on_access = true;
  Archive a = load(path, options);
  const TensorView& v = a.at("v");
  auto data = v.data();
  ASSERT_EQ(data.size(), sizeof(float) * values.size());
  EXPECT_TRUE(inside(data, Internals::record(v)->pread_copy.span()));
  EXPECT_EQ(std::memcmp(data.data(), values.data(), data.size()), 0);
}

TEST(Pread, ShortReadInTheMiddleIsFileChanged) {
  // A 1 MiB payload truncated in its middle after the file was opened.
  TempDir dir;
  auto path = dir / "big.npy";
  std::vector<std::byte> payload(1 << 20, std::byte{7});
  testing::write_file(path, testing::make_npy("<u1", false, {payload.size()}, payload));
  OpenOptions options;
  options.access = AccessMode::pread;
  Archive a = load(path, options);
  ASSERT_EQ(::truncate(path.c_str(), 300000), 0);
  try {
    (void)a.tensors()[0].data();
    FAIL() << "expected Error(file_changed)";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::file_changed) << e.what();
  }
  // The pread loop itself (the size check above usually catches it first): a read that meets
  // the end of the file early is file_changed too.
  std::vector<std::byte> buf(4096);
  try {
    Internals::record(a.tensors()[0])->file->read_at(299000, buf);
    FAIL() << "expected Error(file_changed) from read_at";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::file_changed) << e.what();
  }
}

// detail::PrivateReader: the npz open's per-worker reads, through a descriptor of its own that
// reopens the very inode that was mapped.
TEST(PrivateReader, ReadsTheMappedInodeEvenAfterThePathIsReplaced) {
  TempDir dir;
  auto path = dir / "r.bin";
  std::vector<std::byte> old_bytes(10000);
  for (size_t i = 0; i < old_bytes.size(); ++i) old_bytes[i] = std::byte(i * 7);
  testing::write_file(path, old_bytes);
  auto file = detail::MappedFile::open(path.string());
  // The path now names another file (as after an atomic save): the reader must not see it.
  auto other = dir / "other.bin";
  testing::write_file(other, std::vector<std::byte>(10000, std::byte{0xEE}));
  std::filesystem::rename(other, path);
  for (bool own : {true, false}) {
    detail::PrivateReader reader(*file, own);
    std::vector<std::byte> got(300);
    for (uint64_t at : {uint64_t{0}, uint64_t{4000}, uint64_t{9700}}) {
      reader.read_at(at, got);
      EXPECT_TRUE(std::equal(got.begin(), got.end(), old_bytes.begin() + at)) << at;
    }
    // Past the end is file_changed (the file was not truncated: the range was), as read_at.
    try {
      reader.read_at(9900, got);
      ADD_FAILURE() << "read past the end";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::file_changed) << e.what();
    }
  }
}

TEST(PrivateReader, TruncationAfterOpenIsFileChanged) {
  TempDir dir;
  auto path = dir / "t.bin";
  testing::write_file(path, std::vector<std::byte>(8192, std::byte{1}));
  auto file = detail::MappedFile::open(path.string());
  detail::PrivateReader reader(*file);
  std::vector<std::byte> got(100);
  reader.read_at(8000, got);
  ASSERT_EQ(::truncate(path.c_str(), 4096), 0);
  try {
    reader.read_at(8000, got);
    ADD_FAILURE() << "read a truncated range";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::file_changed) << e.what();
  }
}

// Four 2 MiB tensors in a safetensors file, each filled with its own byte.
struct FourTensors {
  TempDir dir;
  std::filesystem::path path = dir / "four.safetensors";
  std::vector<std::vector<std::byte>> payloads;
  FourTensors() {
    std::vector<TensorRef> refs;
    for (int i = 0; i < 4; ++i) payloads.emplace_back(size_t{2} << 20, std::byte(0x10 + i));
    for (int i = 0; i < 4; ++i) {
      refs.push_back({"t" + std::to_string(i), DType::uint8, {payloads[i].size()}, payloads[i]});
    }
    save(path, refs);
  }
};

// Polls until `pred` holds or five seconds pass.
template <typename Pred>
bool eventually(Pred pred) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

using detail::AheadState;
using detail::map_ahead_state;

TEST(MapAhead, FirstAccessHasTheNextViewsMappedInTheBackground) {
  FourTensors f;
  Archive a = load(f.path);
  ASSERT_EQ(a.size(), 4u);
  EXPECT_EQ(map_ahead_state(a.tensors()[1]), AheadState::idle);  // nothing at open
  EXPECT_EQ(copy(a.tensors()[0].data()), f.payloads[0]);
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_TRUE(eventually([&] { return map_ahead_state(a.tensors()[i]) == AheadState::mapped; }))
        << "tensor " << i << " left in state " << int(map_ahead_state(a.tensors()[i]));
  }
  // A mapped view hands out the same bytes without mapping them again.
  for (size_t i = 1; i < 4; ++i) EXPECT_EQ(copy(a.tensors()[i].data()), f.payloads[i]);
}

TEST(MapAhead, OffWhenTheOptionSaysSo) {
  FourTensors f;
  OpenOptions options;
  options.map_next_view = false;
  Archive a = load(f.path, options);
  (void)a.tensors()[0].data();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(map_ahead_state(a.tensors()[i]), AheadState::untracked);
    EXPECT_EQ(copy(a.tensors()[i].data()), f.payloads[i]);
  }
}

TEST(MapAhead, TruncationAfterTheNextViewsWereQueuedIsFileChanged) {
  // Whether the background lane mapped them before the cut or failed on them after it, the
  // views past the new end fail with file_changed on the caller's thread, and nothing raises
  // SIGBUS.
  FourTensors f;
  Archive a = load(f.path);
  (void)a.tensors()[0].data();
  ASSERT_EQ(::truncate(f.path.c_str(), static_cast<off_t>(a.tensors()[2].file_offset())), 0);
  for (size_t i : {2u, 3u}) {
    EXPECT_TRUE(eventually([&] {
      auto s = map_ahead_state(a.tensors()[i]);
      return s == AheadState::mapped || s == AheadState::idle;
    }));
  }
  EXPECT_EQ(copy(a.tensors()[1].data()), f.payloads[1]);
  for (size_t i = 2; i < 4; ++i) {
    try {
      (void)a.tensors()[i].data();
      ADD_FAILURE() << "data() of tensor " << i << " past the new end succeeded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::file_changed) << e.what();
    }
  }
}

TEST(MapAhead, OnlyViewsWorthMappingAreTrackedAndASmallViewQueuesTheBigOnesAfterIt) {
  // Big (2 MiB) and small (16 KiB, below TensorRecord::kMinPopulateBytes) views interleaved:
  // a first data() of a small view queues the big views after it in the file (not the one
  // before), and the small views are never tracked (the kernel's fault-around maps them for
  // less than the system calls would cost).
  TempDir dir;
  auto path = dir / "mixed.safetensors";
  const std::vector<size_t> sizes = {2u << 20, 16u << 10, 16u << 10, 2u << 20, 16u << 10, 2u << 20};
  std::vector<std::vector<std::byte>> payloads;
  for (size_t i = 0; i < sizes.size(); ++i) payloads.emplace_back(sizes[i], std::byte(0x20 + i));
  std::vector<TensorRef> refs;
  for (size_t i = 0; i < sizes.size(); ++i) {
    refs.push_back({"t" + std::to_string(i), DType::uint8, {sizes[i]}, payloads[i]});
  }
  (void)save(path, refs);
  Archive a = load(path);
  ASSERT_EQ(a.size(), sizes.size());
  EXPECT_EQ(copy(a.tensors()[1].data()), payloads[1]);
  for (size_t i : {3u, 5u}) {
    EXPECT_TRUE(eventually([&] { return map_ahead_state(a.tensors()[i]) == AheadState::mapped; }))
        << "tensor " << i << " left in state " << int(map_ahead_state(a.tensors()[i]));
  }
  EXPECT_EQ(map_ahead_state(a.tensors()[0]), AheadState::idle);
  for (size_t i : {1u, 2u, 4u})
    EXPECT_EQ(map_ahead_state(a.tensors()[i]), AheadState::untracked) << i;
  for (size_t i = 0; i < sizes.size(); ++i) EXPECT_EQ(copy(a.tensors()[i].data()), payloads[i]);
}

}  // namespace
}  // namespace tensorio
