// MLX's affine presentation of q4_0 / q4_1 / q8_0 gguf tensors (OpenOptions::gguf_mlx_quantized
// and mlx_affine_views()): names, dtypes and shapes as mlx.core.load gives them, the packed
// code order, and — the property MLX users rely on — scale · q + bias in float32 reproducing
// ggml's dequantized values exactly (bit for bit, up to the sign of zero).
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cstring>
#include <filesystem>
#include <random>
#include <vector>

#include "quant/half.hpp"
#include "support/temp_dir.hpp"
#include "tensorio/dequantize.hpp"
#include "tensorio/gguf.hpp"
#include "tensorio/tensorio.hpp"

namespace fs = std::filesystem;
using tensorio::DType;

namespace {

// The tests' files share one directory, removed when the program exits.
fs::path temp_path(const std::string& name) {
  static const tensorio::testing::TempDir dir;
  return dir / name;
}

// Random blocks with finite scales of moderate size (|d| < 2, so −128·d never overflows).
std::vector<std::byte> random_blocks(DType t, size_t blocks, uint32_t seed) {
  const auto& info = tensorio::dtype_info(t);
  std::vector<std::byte> out(blocks * info.block_bytes);
  std::mt19937 rng(seed);
  for (auto& b : out) b = static_cast<std::byte>(rng() & 0xFF);
  for (size_t b = 0; b < blocks; ++b) {
    for (size_t f = 0; f < (t == DType::q4_1 ? 2u : 1u); ++f) {
      uint16_t h = static_cast<uint16_t>((rng() & 0x83FF) | 0x3800);  // ±[0.5, 1)
      if (b % 7 == 3) h = static_cast<uint16_t>(rng() & 0x83FF);      // some subnormals
      std::memcpy(&out[b * info.block_bytes + 2 * f], &h, 2);
    }
  }
  return out;
}

struct Fixture {
  fs::path path = temp_path("model.gguf");
  std::vector<std::byte> q40 = random_blocks(DType::q4_0, 4 * 3, 1);  // [3, 128]
  std::vector<std::byte> q41 = random_blocks(DType::q4_1, 2, 2);      // [64]
  std::vector<std::byte> q80 = random_blocks(DType::q8_0, 2 * 2, 3);  // [2, 64]
  std::vector<float> f32 = {1, 2, 3, 4};

  Fixture() {
    std::vector<tensorio::TensorRef> refs = {
        {"blk.0.attn_q.weight", DType::q4_0, {3, 128}, q40},
        {"output_norm.weight", DType::float32, {4}, std::as_bytes(std::span(f32))},
        {"blk.0.ffn.weight", DType::q4_1, {64}, q41},
        {"tok", DType::q8_0, {2, 64}, q80},  // shorter than ".weight": MLX keeps the whole name
    };
    tensorio::save_gguf(path, refs);
  }
  ~Fixture() { fs::remove(path); }
};

std::vector<uint64_t> shape_of(const tensorio::TensorView& v) {
  return {v.shape().begin(), v.shape().end()};
}

// Code k of an MLX uint32-packed row: bits k·bits.. of word k·bits/32.
uint32_t code_at(std::span<const uint32_t> words, uint64_t k, unsigned bits) {
  const uint64_t per_word = 32 / bits;
  return (words[k / per_word] >> (bits * (k % per_word))) & ((1u << bits) - 1);
}

TEST(MlxAffine, LoaderPresentsMlxTensors) {
  Fixture fx;
  tensorio::OpenOptions opts;
  opts.gguf_mlx_quantized = true;
  auto a = tensorio::load(fx.path, opts);
  std::vector<std::string> names;
  for (const auto& v : a.tensors()) names.push_back(v.name());
  EXPECT_EQ(names, (std::vector<std::string>{
                       "blk.0.attn_q.weight", "blk.0.attn_q.scales", "blk.0.attn_q.biases",
                       "output_norm.weight", "blk.0.ffn.weight", "blk.0.ffn.scales",
                       "blk.0.ffn.biases", "tok", "tok.scales", "tok.biases"}));
  EXPECT_EQ(a.at("blk.0.attn_q.weight").dtype(), DType::uint32);
  EXPECT_EQ(shape_of(a.at("blk.0.attn_q.weight")), (std::vector<uint64_t>{3, 16}));
  EXPECT_EQ(a.at("blk.0.attn_q.scales").dtype(), DType::float16);
  EXPECT_EQ(shape_of(a.at("blk.0.attn_q.scales")), (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(shape_of(a.at("blk.0.attn_q.biases")), (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(shape_of(a.at("tok")), (std::vector<uint64_t>{2, 16}));  // 8-bit: 4 per word
  EXPECT_EQ(shape_of(a.at("tok.scales")), (std::vector<uint64_t>{2, 2}));
  EXPECT_EQ(a.at("output_norm.weight").dtype(), DType::float32);  // untouched
  EXPECT_FALSE(a.at("blk.0.ffn.scales").materialized());          // lazy until asked

  // Without the option the raw blocks come back.
  auto raw = tensorio::load(fx.path);
  EXPECT_EQ(raw.size(), 4u);
  EXPECT_EQ(raw.at("blk.0.attn_q.weight").dtype(), DType::q4_0);
}

TEST(MlxAffine, AffineValuesEqualGgmlDequantization) {
  Fixture fx;
  tensorio::OpenOptions opts;
  opts.gguf_mlx_quantized = true;
  auto a = tensorio::load(fx.path, opts);
  struct Case {
    std::string weight, prefix;
    DType dtype;
    const std::vector<std::byte>* blocks;
    unsigned bits;
  };
  for (const Case& c : {Case{"blk.0.attn_q.weight", "blk.0.attn_q", DType::q4_0, &fx.q40, 4},
                        Case{"blk.0.ffn.weight", "blk.0.ffn", DType::q4_1, &fx.q41, 4},
                        Case{"tok", "tok", DType::q8_0, &fx.q80, 8}}) {
    const uint64_t n = c.blocks->size() / tensorio::dtype_info(c.dtype).block_bytes * 32;
    std::vector<float> want(n);
    tensorio::dequantize(c.dtype, *c.blocks, want);
    auto words = a.at(c.weight).as<uint32_t>();
    auto scales = a.at(c.prefix + ".scales").as<uint16_t>();
    auto biases = a.at(c.prefix + ".biases").as<uint16_t>();
    ASSERT_EQ(words.size() * 32 / c.bits, n);
    ASSERT_EQ(scales.size(), n / 32);
    for (uint64_t k = 0; k < n; ++k) {
      const float s = tensorio::detail::half_to_float(scales[k / 32]);
      const float b = tensorio::detail::half_to_float(biases[k / 32]);
      const float got = s * static_cast<float>(code_at(words, k, c.bits)) + b;
      // Equal values; only the sign of a zero may differ (ggml's (8 − 8)·d is −0 for d < 0,
      // MLX's 8·d + (−8·d) is +0), so compare bits modulo the sign of zero.
      const uint32_t g = std::bit_cast<uint32_t>(got), w = std::bit_cast<uint32_t>(want[k]);
      ASSERT_TRUE(g == w || (got == 0.0f && want[k] == 0.0f))
          << c.weight << " element " << k << ": " << got << " vs " << want[k];
    }
  }
}

TEST(MlxAffine, PackedOrderIsSequential) {
  // One q4_0 block whose element e has code e % 16 in ggml's split-half order.
  std::vector<std::byte> block(18);
  const uint16_t one = 0x3C00;
  std::memcpy(block.data(), &one, 2);
  for (int j = 0; j < 16; ++j) block[2 + j] = static_cast<std::byte>(j | (j << 4));
  fs::path p = temp_path("order.gguf");
  std::vector<tensorio::TensorRef> refs = {{"x.weight", DType::q4_0, {32}, block}};
  tensorio::save_gguf(p, refs);
  tensorio::OpenOptions opts;
  opts.gguf_mlx_quantized = true;
  auto a = tensorio::load(p, opts);
  auto words = a.at("x.weight").as<uint32_t>();
  ASSERT_EQ(words.size(), 4u);
  EXPECT_EQ(words[0], 0x76543210u);  // elements 0..7 in nibbles 0..7
  EXPECT_EQ(words[1], 0xFEDCBA98u);
  EXPECT_EQ(words[2], 0x76543210u);                        // elements 16..23 (codes 0..7 again)
  EXPECT_EQ(a.at("x.biases").as<uint16_t>()[0], 0xC800u);  // −8.0 in float16
  fs::remove(p);
}

TEST(MlxAffine, NameCollisionIsAnError) {
  std::vector<std::byte> block(18);
  std::vector<uint16_t> f16(1);
  fs::path p = temp_path("collide.gguf");
  std::vector<tensorio::TensorRef> refs = {
      {"a.weight", DType::q4_0, {32}, block},
      {"a.scales", DType::float16, {1}, std::as_bytes(std::span(f16))}};
  tensorio::save_gguf(p, refs);
  tensorio::OpenOptions opts;
  opts.gguf_mlx_quantized = true;
  try {
    (void)tensorio::load(p, opts);
    ADD_FAILURE() << "expected duplicate_name";
  } catch (const tensorio::Error& e) {
    EXPECT_EQ(e.code(), tensorio::ErrorCode::duplicate_name);
  }
  fs::remove(p);
}

TEST(MlxAffine, RefusesOtherTypes) {
  std::vector<std::byte> bytes(144);
  fs::path p = temp_path("k.gguf");
  std::vector<tensorio::TensorRef> refs = {{"k.weight", DType::q4_k, {256}, bytes}};
  tensorio::save_gguf(p, refs);
  auto a = tensorio::load(p);
  EXPECT_THROW(tensorio::mlx_affine_views(a.at("k.weight")), tensorio::Error);
  tensorio::OpenOptions opts;
  opts.gguf_mlx_quantized = true;
  EXPECT_EQ(tensorio::load(p, opts).at("k.weight").dtype(), DType::q4_k);  // stays raw, as MLX
  fs::remove(p);
}

}  // namespace
