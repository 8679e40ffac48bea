// Dequantization without the peer: hand-built blocks with known values for each family, the
// half-precision conversions at their edges, argument errors, and the lazy dequantized view.
// (Bit-exactness against ggml on random blocks is the 'interop' suite's job.)
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "core/internals.hpp"
#include "core/tensor_record.hpp"
#include "quant/half.hpp"
#include "tensorio/dequantize.hpp"
#include "tensorio/error.hpp"

namespace {

using tensorio::DType;
using tensorio::ErrorCode;

constexpr uint16_t kHalfOne = 0x3C00;    // 1.0
constexpr uint16_t kHalfHalf = 0x3800;   // 0.5
constexpr uint16_t kHalfTwo = 0x4000;    // 2.0
constexpr uint16_t kHalfMinus = 0xBC00;  // -1.0

void put16(std::vector<std::byte>& b, size_t at, uint16_t v) { std::memcpy(&b[at], &v, 2); }

std::vector<float> deq(DType t, const std::vector<std::byte>& blocks) {
  const auto& info = tensorio::dtype_info(t);
  std::vector<float> out(blocks.size() / info.block_bytes * info.block_elements);
  tensorio::dequantize(t, blocks, out);
  return out;
}

TEST(HalfConversion, ExactForEveryHalf) {
  // Every finite half converts exactly: check against a slow, obviously-correct decode.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const int exp = (h >> 10) & 31;
    const int man = h & 1023;
    const float sign = (h & 0x8000) ? -1.0f : 1.0f;
    const float got = tensorio::detail::half_to_float(static_cast<uint16_t>(h));
    if (exp == 31) {
      EXPECT_TRUE(man ? std::isnan(got) : std::isinf(got)) << h;
      continue;
    }
    const float want = exp == 0 ? sign * std::ldexp(static_cast<float>(man), -24)
                                : sign * std::ldexp(static_cast<float>(1024 + man), exp - 25);
    ASSERT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(want)) << h;
    // And back: every half round-trips through float.
    ASSERT_EQ(tensorio::detail::float_to_half(got), h) << h;
  }
}

TEST(HalfConversion, RoundsToNearestEven) {
  using tensorio::detail::float_to_half;
  EXPECT_EQ(float_to_half(1.0f + 0x1.0p-11f), 0x3C00);               // tie → even (down)
  EXPECT_EQ(float_to_half(1.0f + 3 * 0x1.0p-11f), 0x3C02);           // tie → even (up)
  EXPECT_EQ(float_to_half(1.0f + 0x1.0p-11f + 0x1.0p-20f), 0x3C01);  // above the tie
  EXPECT_EQ(float_to_half(65504.0f), 0x7BFF);
  EXPECT_EQ(float_to_half(65519.0f), 0x7BFF);
  EXPECT_EQ(float_to_half(65520.0f), 0x7C00);  // rounds up to Inf
  EXPECT_EQ(float_to_half(-1e30f), 0xFC00);
  EXPECT_EQ(float_to_half(0x1.0p-25f), 0x0000);              // half of the smallest: tie → 0
  EXPECT_EQ(float_to_half(0x1.8p-25f), 0x0001);              // above it
  EXPECT_EQ(float_to_half(-0x1.0p-24f), 0x8001);             // smallest subnormal
  EXPECT_EQ(float_to_half(0x1.ffcp-15f), 0x0400);            // subnormal tie rounding up to normal
  EXPECT_EQ(float_to_half(std::nanf("")) & 0x7E00, 0x7E00);  // quiet NaN
}

TEST(HalfConversion, BFloat16RoundsToNearestEven) {
  using tensorio::detail::float_to_bfloat16;
  EXPECT_EQ(float_to_bfloat16(1.0f), 0x3F80);
  EXPECT_EQ(float_to_bfloat16(std::bit_cast<float>(0x3F808000u)), 0x3F80);  // tie → even
  EXPECT_EQ(float_to_bfloat16(std::bit_cast<float>(0x3F818000u)), 0x3F82);  // tie → even
  EXPECT_EQ(float_to_bfloat16(std::bit_cast<float>(0x7F7FFFFFu)), 0x7F80);  // max → Inf
  EXPECT_EQ(float_to_bfloat16(std::bit_cast<float>(0x7F800001u)), 0x7FC0);  // sNaN → qNaN
}

TEST(Dequantize, Q4_0SplitHalvesAndOffset) {
  std::vector<std::byte> b(18);
  put16(b, 0, kHalfHalf);
  for (int j = 0; j < 16; ++j) b[2 + j] = static_cast<std::byte>(j | ((15 - j) << 4));
  auto y = deq(DType::q4_0, b);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], (j - 8) * 0.5f);
    EXPECT_EQ(y[j + 16], (15 - j - 8) * 0.5f);
  }
}

TEST(Dequantize, Q5_1UsesHighBitsAndMin) {
  std::vector<std::byte> b(24);
  put16(b, 0, kHalfTwo);
  put16(b, 2, kHalfMinus);
  const uint32_t qh = 0x80000001u;  // 5th bit set for elements 0 and 31
  std::memcpy(&b[4], &qh, 4);
  for (int j = 0; j < 16; ++j) b[8 + j] = static_cast<std::byte>(0x31);
  auto y = deq(DType::q5_1, b);
  EXPECT_EQ(y[0], (1 + 16) * 2.0f - 1.0f);
  EXPECT_EQ(y[1], 1 * 2.0f - 1.0f);
  EXPECT_EQ(y[16], 3 * 2.0f - 1.0f);
  EXPECT_EQ(y[31], (3 + 16) * 2.0f - 1.0f);
}

TEST(Dequantize, Q8_0AndQ8_1AreSignedBytes) {
  std::vector<std::byte> b0(34), b1(36);
  put16(b0, 0, kHalfTwo);
  put16(b1, 0, kHalfTwo);
  for (int j = 0; j < 32; ++j) {
    b0[2 + j] = static_cast<std::byte>(static_cast<uint8_t>(j * 8 - 128));
    b1[4 + j] = b0[2 + j];
  }
  auto y0 = deq(DType::q8_0, b0);
  auto y1 = deq(DType::q8_1, b1);
  for (int j = 0; j < 32; ++j) {
    EXPECT_EQ(y0[j], static_cast<float>(j * 8 - 128) * 2.0f);
    EXPECT_EQ(y1[j], y0[j]);
  }
}

TEST(Dequantize, Q4_KScalesAndMins) {
  std::vector<std::byte> b(144);
  put16(b, 0, kHalfOne);   // d
  put16(b, 2, kHalfHalf);  // dmin
  // Sub-block 0: scale 3, min 2 (bytes 0 and 4); sub-block 5: scale 0x25, min 0x31 from
  // nibbles of byte 9 (0x15) plus top bits of bytes 1 (0x80: scale bit 5) and 5 (0xC0: min bits).
  b[4 + 0] = std::byte{3};
  b[4 + 4] = std::byte{2};
  b[4 + 1] = std::byte{0x80};
  b[4 + 5] = std::byte{0xC0};
  b[4 + 9] = std::byte{0x15};
  for (int l = 0; l < 128; ++l) b[16 + l] = std::byte{0x7A};  // low nibble 10, high 7
  auto y = deq(DType::q4_k, b);
  EXPECT_EQ(y[0], 1.0f * 3 * 10 - 0.5f * 2);
  // Sub-block 5 is the high nibbles of bytes 64..95: scale 0x25 = 37, min 0x31 = 49.
  EXPECT_EQ(y[5 * 32], 1.0f * 37 * 7 - 0.5f * 49);
}

TEST(Dequantize, Q6_KPositions) {
  std::vector<std::byte> b(210);
  put16(b, 208, kHalfOne);
  for (int s = 0; s < 16; ++s) b[192 + s] = static_cast<std::byte>(s + 1);
  b[0] = std::byte{0x21};    // ql[0]: elements 0 (low 1) and 64 (high 2)
  b[32] = std::byte{0x43};   // ql[32]: elements 32 (low 3) and 96 (high 4)
  b[128] = std::byte{0xE4};  // qh[0]: top bits 0,1,2,3 for elements 0, 32, 64, 96
  auto y = deq(DType::q6_k, b);
  EXPECT_EQ(y[0], 1.0f * 1 * (1 - 32));
  EXPECT_EQ(y[32], 1.0f * 3 * ((3 | 1 << 4) - 32));
  EXPECT_EQ(y[64], 1.0f * 5 * ((2 | 2 << 4) - 32));
  EXPECT_EQ(y[96], 1.0f * 7 * ((4 | 3 << 4) - 32));
}

TEST(Dequantize, Mxfp4AndIq4NlTables) {
  std::vector<std::byte> m(17), n(18);
  m[0] = std::byte{128};  // 2^(128-128) = 1: values are the doubled E2M1 table
  put16(n, 0, kHalfOne);
  for (int j = 0; j < 16; ++j) {
    m[1 + j] = static_cast<std::byte>(j);
    n[2 + j] = static_cast<std::byte>(j);
  }
  auto ym = deq(DType::mxfp4, m);
  auto yn = deq(DType::iq4_nl, n);
  const float fp4[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};
  const float nl[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(ym[j], fp4[j]);
    EXPECT_EQ(ym[j + 16], 0.0f);
    EXPECT_EQ(yn[j], nl[j]);
  }
}

TEST(Dequantize, TernaryDigits) {
  // tq1_0: byte 0 encodes the trits of 0b22101 (base 3, first digit 2) as ceil(t·256/243).
  std::vector<std::byte> b(54);
  put16(b, 52, kHalfOne);
  const int digits[5] = {2, 2, 1, 0, 1};
  int t = 0;
  for (int d : digits) t = t * 3 + d;
  b[0] = static_cast<std::byte>((t * 256 + 242) / 243);
  auto y = deq(DType::tq1_0, b);
  for (int n = 0; n < 5; ++n) EXPECT_EQ(y[32 * n], static_cast<float>(digits[n] - 1)) << n;
}

TEST(Dequantize, FloatOutputsAgree) {
  std::vector<std::byte> b(18);
  put16(b, 0, 0x3555);  // 1/3 in fp16
  for (int j = 0; j < 16; ++j) b[2 + j] = static_cast<std::byte>(0xF0 | j);
  std::vector<float> f32(32);
  std::vector<uint16_t> f16(32), bf16(32);
  tensorio::dequantize(DType::q4_0, b, f32);
  tensorio::dequantize(DType::q4_0, b, DType::float16, std::as_writable_bytes(std::span(f16)));
  tensorio::dequantize(DType::q4_0, b, DType::bfloat16, std::as_writable_bytes(std::span(bf16)));
  for (int j = 0; j < 32; ++j) {
    EXPECT_EQ(f16[j], tensorio::detail::float_to_half(f32[j]));
    EXPECT_EQ(bf16[j], tensorio::detail::float_to_bfloat16(f32[j]));
  }
}

TEST(Dequantize, RejectsBadArguments) {
  std::vector<std::byte> b(18);
  std::vector<float> out(32);
  auto code_of = [](auto&& fn) {
    try {
      fn();
    } catch (const tensorio::Error& e) {
      return e.code();
    }
    return ErrorCode::count_;
  };
  EXPECT_EQ(code_of([&] { tensorio::dequantize(DType::iq2_xxs, b, out); }),
            ErrorCode::unsupported_dtype);
  EXPECT_EQ(code_of([&] {
              tensorio::dequantize(DType::q4_0, b, DType::int8,
                                   std::as_writable_bytes(std::span(out)));
            }),
            ErrorCode::unsupported_dtype);
  EXPECT_EQ(code_of([&] { tensorio::dequantize(DType::q4_0, std::span(b).first(17), out); }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { tensorio::dequantize(DType::q4_0, b, std::span(out).first(31)); }),
            ErrorCode::invalid_argument);
  EXPECT_FALSE(tensorio::can_dequantize(DType::int32));
  EXPECT_TRUE(tensorio::can_dequantize(DType::q6_k));
}

TEST(Dequantize, UnalignedFloatOutput) {
  std::vector<std::byte> b(34);
  put16(b, 0, kHalfOne);
  b[2] = std::byte{5};
  std::vector<std::byte> out(32 * 4 + 1);
  tensorio::dequantize(DType::q8_0, b, DType::float32, std::span(out).subspan(1));
  float first = 0;
  std::memcpy(&first, &out[1], 4);
  EXPECT_EQ(first, 5.0f);
}

// A view over bytes in memory, as a parser would build it.
tensorio::TensorView memory_view(DType t, std::vector<uint64_t> shape,
                                 const std::vector<std::byte>& bytes) {
  auto rec = std::make_shared<tensorio::detail::TensorRecord>();
  rec->name = "blk.0.w";
  rec->dtype = t;
  rec->shape = std::move(shape);
  rec->num_elements = *tensorio::element_count(rec->shape);
  rec->nbytes = bytes.size();
  rec->stored = bytes;
  return tensorio::Internals::make_view(std::move(rec));
}

TEST(DequantizedView, LazyOnceAndThreadSafe) {
  std::vector<std::byte> blocks(4 * 18);
  for (size_t i = 0; i < blocks.size(); ++i) blocks[i] = static_cast<std::byte>(i * 7);
  for (size_t blk = 0; blk < 4; ++blk) put16(blocks, blk * 18, kHalfOne);
  auto src = memory_view(DType::q4_0, {2, 64}, blocks);
  auto view = tensorio::dequantized(src, DType::float32);
  EXPECT_EQ(view.dtype(), DType::float32);
  EXPECT_EQ(std::vector<uint64_t>(view.shape().begin(), view.shape().end()),
            (std::vector<uint64_t>{2, 64}));
  EXPECT_EQ(view.nbytes(), 128u * 4);
  EXPECT_FALSE(view.materialized());
  EXPECT_FALSE(view.zero_copy());
  std::vector<const std::byte*> seen(8);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&, t] { seen[t] = view.data().data(); });
  }
  for (auto& th : threads) th.join();
  for (auto* p : seen) EXPECT_EQ(p, seen[0]);  // one buffer, converted once
  EXPECT_TRUE(view.materialized());
  std::vector<float> want(128);
  tensorio::dequantize(DType::q4_0, blocks, want);
  auto got = view.as<float>();
  EXPECT_TRUE(std::equal(got.begin(), got.end(), want.begin()));

  auto half = tensorio::dequantized(src, DType::bfloat16);
  EXPECT_EQ(half.nbytes(), 128u * 2);
  EXPECT_EQ(half.as<uint16_t>()[0], tensorio::detail::float_to_bfloat16(want[0]));
}

TEST(DequantizedView, RefusesUnsupportedTypes) {
  std::vector<std::byte> bytes(66);
  auto src = memory_view(DType::iq2_xxs, {256}, bytes);
  EXPECT_THROW(tensorio::dequantized(src), tensorio::Error);
  auto f = memory_view(DType::q4_0, {32}, std::vector<std::byte>(18));
  EXPECT_THROW(tensorio::dequantized(f, DType::float64), tensorio::Error);
}

}  // namespace
