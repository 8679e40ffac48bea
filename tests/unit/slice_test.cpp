// Slicing: TensorView::rows() as a zero-copy sub-view and copy_slice() for general slices,
// checked against a naive index computation; bad ranges are errors, never UB.
#include <gtest/gtest.h>
#include <optional>

#include <numeric>

#include "safetensors_test_util.hpp"
#include "tensorio/safetensors.hpp"
#include "tensorio/slice.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {
namespace {

using namespace tensorio::testing;

class SliceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // int32 [4, 5, 6] holding 0..119, and F4 [2, 4] (1 byte per pair).
    values_.resize(120);
    std::iota(values_.begin(), values_.end(), 0);
    f4_ = pattern(0, 4);
    std::vector<TensorRef> refs = {
        {"t", DType::int32, {4, 5, 6}, std::as_bytes(std::span(values_))},
        {"f4", DType::float4_e2m1fn, {2, 4}, f4_},
    };
    save_safetensors(dir_ / "s.safetensors", refs);
    archive_ = load(dir_ / "s.safetensors");
  }

  std::vector<int32_t> slice(std::vector<SliceRange> ranges) {
    const TensorView& t = archive_->at("t");
    std::vector<int32_t> out(slice_nbytes(t, ranges) / 4);
    copy_slice(t, ranges, std::as_writable_bytes(std::span(out)));
    return out;
  }

  TempDir dir_;
  std::vector<int32_t> values_;
  std::vector<std::byte> f4_;
  std::optional<Archive> archive_;
};

TEST_F(SliceTest, GeneralSlicesMatchNaiveIndexing) {
  const uint64_t D0 = 4, D1 = 5, D2 = 6;
  for (uint64_t a0 = 0; a0 <= D0; ++a0)
    for (uint64_t b0 = a0; b0 <= D0; b0 += 2)
      for (uint64_t a1 = 0; a1 <= D1; a1 += 2)
        for (uint64_t b1 = a1; b1 <= D1; ++b1)
          for (uint64_t a2 = 0; a2 <= D2; a2 += 3)
            for (uint64_t b2 = a2; b2 <= D2; b2 += 2) {
              auto got = slice({{a0, b0}, {a1, b1}, {a2, b2}});
              std::vector<int32_t> want;
              for (uint64_t i = a0; i < b0; ++i)
                for (uint64_t j = a1; j < b1; ++j)
                  for (uint64_t k = a2; k < b2; ++k)
                    want.push_back(static_cast<int32_t>(i * D1 * D2 + j * D2 + k));
              ASSERT_EQ(got, want)
                  << a0 << ":" << b0 << "," << a1 << ":" << b1 << "," << a2 << ":" << b2;
            }
}

TEST_F(SliceTest, FewerRangesThanDimensionsKeepTheRest) {
  const TensorView& t = archive_->at("t");
  std::vector<SliceRange> r = {{1, 3}, {2, 4}};
  EXPECT_EQ(slice_shape(t, r), (std::vector<uint64_t>{2, 2, 6}));
  auto got = slice(r);
  ASSERT_EQ(got.size(), 24u);
  EXPECT_EQ(got.front(), 1 * 30 + 2 * 6);
  EXPECT_EQ(got.back(), 2 * 30 + 3 * 6 + 5);
  EXPECT_EQ(slice({}).size(), 120u);
  EXPECT_EQ(slice({{0, 4}, {0, 5}, {0, 6}}), values_);
  EXPECT_TRUE(slice({{4, 4}}).empty());  // an empty slice at the end, as NumPy allows
}

TEST_F(SliceTest, BadRangesAreErrors) {
  const TensorView& t = archive_->at("t");
  std::vector<std::byte> buf(4096);
  auto code = [&](std::vector<SliceRange> r) { return error_code_of([&] { slice_nbytes(t, r); }); };
  EXPECT_EQ(code({{2, 1}}), ErrorCode::invalid_argument);  // reversed
  EXPECT_EQ(code({{0, 5}}), ErrorCode::out_of_bounds);
  EXPECT_EQ(code({{0, 1}, {0, 6}}), ErrorCode::out_of_bounds);
  EXPECT_EQ(code({{5, 5}}), ErrorCode::out_of_bounds);
  EXPECT_EQ(code({{0, UINT64_MAX}}), ErrorCode::out_of_bounds);
  EXPECT_EQ(code({{0, 1}, {0, 1}, {0, 1}, {0, 1}}), ErrorCode::invalid_argument);  // too many
  EXPECT_EQ(error_code_of([&] {
              copy_slice(t, std::vector<SliceRange>{{0, 1}}, buf);
            }),
            ErrorCode::invalid_argument);  // wrong output size
  EXPECT_EQ(error_code_of([&] { slice_nbytes(TensorView(), {}); }), ErrorCode::invalid_argument);
}

TEST_F(SliceTest, SubByteSlicesMustKeepWholeBytes) {
  const TensorView& f4 = archive_->at("f4");
  std::vector<std::byte> out(2);
  copy_slice(f4, std::vector<SliceRange>{{1, 2}}, out);  // row 1 = bytes 2..3
  EXPECT_EQ(out[0], f4_[2]);
  EXPECT_EQ(out[1], f4_[3]);
  copy_slice(f4, std::vector<SliceRange>{{0, 2}, {2, 4}}, out);  // byte 1 of each row
  EXPECT_EQ(out[0], f4_[1]);
  EXPECT_EQ(out[1], f4_[3]);
  EXPECT_EQ(error_code_of([&] {
              slice_nbytes(f4, std::vector<SliceRange>{{0, 1}, {1, 2}});
            }),
            ErrorCode::partial_byte);
  EXPECT_EQ(error_code_of([&] {
              std::vector<std::byte> b(2);
              copy_slice(f4, std::vector<SliceRange>{{0, 2}, {1, 3}}, b);
            }),
            ErrorCode::partial_byte);
}

TEST_F(SliceTest, RowsAreZeroCopySubViews) {
  const TensorView& t = archive_->at("t");
  TensorView r = t.rows(1, 3);
  EXPECT_TRUE(r.zero_copy());
  EXPECT_EQ(std::vector<uint64_t>(r.shape().begin(), r.shape().end()),
            (std::vector<uint64_t>{2, 5, 6}));
  EXPECT_EQ(r.data().data(), t.data().data() + 30 * 4);
  EXPECT_EQ(r.file_offset(), t.file_offset() + 30 * 4);
  EXPECT_EQ(r.as<int32_t>()[0], 30);
  EXPECT_EQ(r.as<int32_t>().back(), 89);
  EXPECT_EQ(t.rows(4, 4).nbytes(), 0u);
  EXPECT_EQ(error_code_of([&] { (void)t.rows(3, 2); }), ErrorCode::invalid_argument);
  EXPECT_EQ(error_code_of([&] { (void)t.rows(0, 5); }), ErrorCode::invalid_argument);
  // A slice of a row view reads the same bytes as the equivalent general slice.
  std::vector<int32_t> via_rows(2 * 2 * 6);
  copy_slice(r, std::vector<SliceRange>{{0, 2}, {1, 3}},
             std::as_writable_bytes(std::span(via_rows)));
  EXPECT_EQ(via_rows, slice({{1, 3}, {1, 3}}));
  // F4 rows keep whole bytes (2 elements per byte).
  EXPECT_EQ(archive_->at("f4").rows(1, 2).nbytes(), 2u);
}

TEST_F(SliceTest, SlicingADataLessScalarOrEmptyTensorIsSafe) {
  TempDir dir;
  std::vector<std::byte> one(8);
  std::vector<TensorRef> refs = {{"s", DType::float64, {}, one},
                                 {"e", DType::float32, {0, 1ull << 40, 1ull << 40}, {}}};
  save_safetensors(dir / "e.safetensors", refs);
  Archive a = load(dir / "e.safetensors");
  EXPECT_EQ(slice_nbytes(a.at("s"), {}), 8u);
  EXPECT_EQ(error_code_of([&] {
              slice_nbytes(a.at("s"), std::vector<SliceRange>{{0, 1}});
            }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(slice_nbytes(a.at("e"), std::vector<SliceRange>{{0, 0}, {5, 9}}), 0u);
  std::vector<std::byte> none;
  copy_slice(a.at("e"), std::vector<SliceRange>{{0, 0}, {5, 9}}, none);
}

}  // namespace
}  // namespace tensorio
