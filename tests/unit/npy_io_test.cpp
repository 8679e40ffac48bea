// Opening and saving .npy files through the public API.
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "support/temp_dir.hpp"
#include "tensorio/npy.hpp"
#include "tensorio/tensorio.hpp"
#include "test_util.hpp"

namespace tensorio {
namespace {

std::vector<std::byte> iota_bytes(size_t n) {
  std::vector<std::byte> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>(i * 7 + 3);
  return v;
}

TEST(NpyIo, RoundTripsEveryNumpyDtype) {
  testing::TempDir dir;
  for (const DTypeInfo& info : all_dtypes()) {
    if (info.numpy_descr.empty()) continue;
    std::vector<uint64_t> shape{3, 5};
    auto bytes = iota_bytes(15 * info.block_bytes);
    TensorRef ref{"t", info.dtype, shape, bytes};
    auto path = dir / (std::string(info.name) + ".npy");
    save_npy(path, ref);
    Archive a = load(path);
    ASSERT_EQ(a.size(), 1u);
    const TensorView& v = a.tensors()[0];
    EXPECT_EQ(v.name(), info.name);
    EXPECT_EQ(v.dtype(), info.dtype) << info.name;
    EXPECT_EQ(std::vector<uint64_t>(v.shape().begin(), v.shape().end()), shape);
    EXPECT_EQ(v.file_offset() % 64, 0u);
    EXPECT_TRUE(v.zero_copy());
    ASSERT_EQ(v.data().size(), bytes.size());
    EXPECT_EQ(std::memcmp(v.data().data(), bytes.data(), bytes.size()), 0) << info.name;
  }
}

TEST(NpyIo, SaveAppendsExtensionLikeMlx) {
  testing::TempDir dir;
  float x = 1.5f;
  TensorRef ref{"x", DType::float32, {}, std::as_bytes(std::span(&x, 1))};
  auto written = save(dir / "a", std::span(&ref, 1));
  EXPECT_EQ(written, dir / "a.npy");
  EXPECT_TRUE(std::filesystem::exists(dir / "a.npy"));
  Archive a = load(written);
  EXPECT_EQ(a.at("a").ndim(), 0u);
  EXPECT_EQ(a.at("a").as<float>()[0], 1.5f);
}

TEST(NpyIo, RefusesWhatNpyCannotHold) {
  testing::TempDir dir;
  float x[2] = {1, 2};
  std::vector<TensorRef> two{{"a", DType::float32, {1}, std::as_bytes(std::span(x, 1))},
                             {"b", DType::float32, {1}, std::as_bytes(std::span(x + 1, 1))}};
  try {
    save(dir / "two.npy", two);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unrepresentable);
  }
  std::vector<std::byte> q(18);
  TensorRef quant{"q", DType::q4_0, {32}, q};
  EXPECT_THROW(save_npy(dir / "q.npy", quant), Error);
  TensorRef wrong_size{"w", DType::float32, {3}, std::as_bytes(std::span(x, 2))};
  try {
    save_npy(dir / "w.npy", wrong_size);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "w.npy"));
}

TEST(NpyIo, ShortFileFailsAtOpen) {
  testing::TempDir dir;
  std::vector<uint64_t> shape{100};
  std::string file = serialize_npy_header(DType::float64, shape) + std::string(799, '\0');
  test::write_file(dir / "short.npy", file);
  try {
    (void)load(dir / "short.npy");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::truncated);
    EXPECT_NE(std::string(e.what()).find("expected 800 bytes"), std::string::npos) << e.what();
  }
}

TEST(NpyIo, WrongMagicForExtension) {
  testing::TempDir dir;
  test::write_file(dir / "zip.npy", std::string("PK\x03\x04", 4) + std::string(60, '\0'));
  try {
    (void)load(dir / "zip.npy");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_magic);
  }
}

TEST(NpyIo, TrailingBytesAreANote) {
  testing::TempDir dir;
  std::vector<uint64_t> shape{2};
  test::write_file(dir / "t.npy", serialize_npy_header(DType::uint8, shape) + "abXYZ");
  Archive a = load(dir / "t.npy");
  ASSERT_EQ(a.notes().size(), 1u);
  EXPECT_NE(a.notes()[0].find("3 trailing bytes"), std::string::npos);
  EXPECT_EQ(a.at("t").nbytes(), 2u);
}

TEST(NpyIo, ViewsOutliveTheArchive) {
  testing::TempDir dir;
  std::vector<int32_t> v(1000);
  std::iota(v.begin(), v.end(), 0);
  TensorRef ref{"v", DType::int32, {1000}, std::as_bytes(std::span(v))};
  save_npy(dir / "v.npy", ref);
  TensorView view;
  {
    Archive a = load(dir / "v.npy");
    view = a.at("v");
  }
  auto data = view.as<int32_t>();
  EXPECT_EQ(data[999], 999);
}

TEST(NpyIo, RowsAreZeroCopySubviews) {
  testing::TempDir dir;
  std::vector<int16_t> v(6 * 4);
  std::iota(v.begin(), v.end(), 0);
  TensorRef ref{"m", DType::int16, {6, 4}, std::as_bytes(std::span(v))};
  save_npy(dir / "m.npy", ref);
  Archive a = load(dir / "m.npy");
  TensorView r = a.at("m").rows(2, 5);
  EXPECT_EQ(r.shape()[0], 3u);
  EXPECT_EQ(r.nbytes(), 3u * 4 * 2);
  EXPECT_EQ(r.file_offset(), a.at("m").file_offset() + 2 * 4 * 2);
  EXPECT_EQ(r.data().data(), a.at("m").data().data() + 16);
  EXPECT_EQ(r.as<int16_t>()[0], 8);
  EXPECT_THROW((void)a.at("m").rows(4, 2), Error);
  EXPECT_THROW((void)a.at("m").rows(0, 7), Error);
  EXPECT_EQ(a.at("m").rows(6, 6).nbytes(), 0u);
}

TEST(NpyIo, NotFoundNamesTheTensor) {
  testing::TempDir dir;
  uint8_t b = 1;
  TensorRef ref{"b", DType::uint8, {1}, std::as_bytes(std::span(&b, 1))};
  save_npy(dir / "b.npy", ref);
  Archive a = load(dir / "b.npy");
  EXPECT_EQ(a.find("nope"), nullptr);
  try {
    a.at("nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
    EXPECT_NE(std::string(e.what()).find("'nope'"), std::string::npos);
  }
}

TEST(NpyIo, TypedAccessChecksSize) {
  testing::TempDir dir;
  double d = 2.0;
  TensorRef ref{"d", DType::float64, {}, std::as_bytes(std::span(&d, 1))};
  save_npy(dir / "d.npy", ref);
  Archive a = load(dir / "d.npy");
  EXPECT_THROW((void)a.at("d").as<float>(), Error);
  EXPECT_EQ(a.at("d").as<double>()[0], 2.0);
}

}  // namespace
}  // namespace tensorio
