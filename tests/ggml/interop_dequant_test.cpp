// Dequantization against ggml's own dequantize_row_* (libggml-base, run by ggml_harness):
// random blocks of every type tensorio dequantizes must give bit-identical float32, and the
// same float16/bfloat16 as ggml's row converters. Also checks that tensorio's dtype table has
// ggml's names, block sizes and block bytes for every ggml type.
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "harness_client.hpp"
#include "tensorio/dequantize.hpp"

namespace {

using tensorio::DType;

struct Case {
  DType dtype;
  const char* ggml_name;
  // Byte offsets (within a block) of fp16 scale fields, kept finite (see make_blocks()).
  std::vector<size_t> fp16_fields;
  int f32_field = -1;  // q8_k's float32 d
};

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      {DType::float16, "f16", {0}},    {DType::bfloat16, "bf16", {}},
      {DType::float32, "f32", {}, 0},  {DType::q4_0, "q4_0", {0}},
      {DType::q4_1, "q4_1", {0, 2}},   {DType::q5_0, "q5_0", {0}},
      {DType::q5_1, "q5_1", {0, 2}},   {DType::q8_0, "q8_0", {0}},
      {DType::q2_k, "q2_K", {80, 82}}, {DType::q3_k, "q3_K", {108}},
      {DType::q4_k, "q4_K", {0, 2}},   {DType::q5_k, "q5_K", {0, 2}},
      {DType::q6_k, "q6_K", {208}},    {DType::q8_k, "q8_K", {}, 0},
      {DType::iq4_nl, "iq4_nl", {0}},  {DType::iq4_xs, "iq4_xs", {0}},
      {DType::mxfp4, "mxfp4", {}},     {DType::nvfp4, "nvfp4", {}},
      {DType::tq1_0, "tq1_0", {52}},   {DType::tq2_0, "tq2_0", {64}},
      {DType::q1_0, "q1_0", {0}},      {DType::q2_0, "q2_0", {0}},
  };
  return kCases;
}

// Random blocks. A NaN scale would make the whole block NaN on both sides and compare nothing,
// so fp16 scale fields (and every element of f16/bf16/f32 "blocks") that decode to NaN get
// their mantissa cleared — they become ±Inf, which still exercises the Inf paths. Every other
// byte is uniformly random, so all code values, signs and subnormal scales occur.
std::vector<std::byte> make_blocks(const Case& c, size_t blocks, uint64_t seed) {
  const auto& info = tensorio::dtype_info(c.dtype);
  std::vector<std::byte> out(blocks * info.block_bytes);
  std::mt19937_64 rng(seed);
  for (auto& b : out) b = static_cast<std::byte>(rng() & 0xFF);
  auto unnan16 = [&](size_t at, uint16_t exp_mask, uint16_t man_mask) {
    uint16_t v;
    std::memcpy(&v, &out[at], 2);
    if ((v & exp_mask) == exp_mask && (v & man_mask) != 0) v &= static_cast<uint16_t>(~man_mask);
    std::memcpy(&out[at], &v, 2);
  };
  for (size_t blk = 0; blk < blocks; ++blk) {
    const size_t base = blk * info.block_bytes;
    for (size_t f : c.fp16_fields) unnan16(base + f, 0x7C00, 0x03FF);
    if (c.dtype == DType::bfloat16) unnan16(base, 0x7F80, 0x007F);
    if (c.f32_field >= 0) {
      uint32_t v;
      std::memcpy(&v, &out[base + c.f32_field], 4);
      if ((v & 0x7F800000u) == 0x7F800000u) v &= 0xFF800000u;
      std::memcpy(&out[base + c.f32_field], &v, 4);
    }
  }
  return out;
}

std::vector<std::byte> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(raw.size());
  if (!raw.empty()) std::memcpy(out.data(), raw.data(), raw.size());
  return out;
}

void write_all(const std::string& path, const std::vector<std::byte>& data) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// First differing element as "index i: ours 0x.., ggml 0x..", or "" when identical.
std::string first_difference(const std::vector<std::byte>& ours,
                             const std::vector<std::byte>& theirs, size_t item) {
  if (ours.size() != theirs.size()) {
    return "sizes differ: ours " + std::to_string(ours.size()) + ", ggml " +
           std::to_string(theirs.size());
  }
  for (size_t i = 0; i < ours.size(); i += item) {
    if (std::memcmp(&ours[i], &theirs[i], item) != 0) {
      uint32_t a = 0, b = 0;
      std::memcpy(&a, &ours[i], item);
      std::memcpy(&b, &theirs[i], item);
      std::ostringstream s;
      s << "element " << i / item << ": ours 0x" << std::hex << a << ", ggml 0x" << b;
      return s.str();
    }
  }
  return "";
}

class DequantInterop : public ::testing::TestWithParam<Case> {};

TEST_P(DequantInterop, BitExactWithGgml) {
  const Case& c = GetParam();
  ASSERT_TRUE(tensorio::can_dequantize(c.dtype));
  const auto& info = tensorio::dtype_info(c.dtype);
  // 48 blocks: ≥ 1536 elements of each type, covering every nibble / scale pattern many times.
  const size_t blocks = info.block_elements == 1 ? 4096 : 48;
  const std::vector<std::byte> input = make_blocks(c, blocks, 0x5eed0000 + info.ggml_type);
  const std::string dir = ggml_peer::scratch_dir();
  const std::string in_path = dir + "/" + c.ggml_name + ".blocks";
  write_all(in_path, input);
  const size_t elements = blocks * info.block_elements;
  for (DType out_type : {DType::float32, DType::float16, DType::bfloat16}) {
    const char* tag = out_type == DType::float32   ? "f32"
                      : out_type == DType::float16 ? "f16"
                                                   : "bf16";
    const std::string out_path = dir + "/" + c.ggml_name + "." + tag;
    auto r = ggml_peer::run_harness({"dequant", c.ggml_name, in_path, out_path, tag});
    ASSERT_EQ(r.exit_code, 0) << "harness dequant " << c.ggml_name << " " << tag;
    const std::vector<std::byte> theirs = read_all(out_path);
    std::vector<std::byte> ours(elements * tensorio::item_size(out_type));
    tensorio::dequantize(c.dtype, input, out_type, ours);
    EXPECT_EQ(first_difference(ours, theirs, tensorio::item_size(out_type)), "")
        << c.ggml_name << " -> " << tag;
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, DequantInterop, ::testing::ValuesIn(cases()),
                         [](const auto& p) { return std::string(p.param.ggml_name); });

// tensorio's dtype table against ggml_type_name / ggml_blck_size / ggml_type_size.
TEST(DTypeTableInterop, MatchesGgmlTypeTraits) {
  auto r = ggml_peer::run_harness({"types"});
  ASSERT_EQ(r.exit_code, 0);
  std::istringstream lines(r.out);
  int type = 0, seen = 0;
  std::string name;
  long long block = 0;
  size_t bytes = 0;
  while (lines >> type >> block >> bytes && std::getline(lines >> std::ws, name)) {
    ++seen;
    auto dt = tensorio::dtype_from_ggml(type);
    if (block == 0) {  // removed enum values: tensorio must not map them to anything
      EXPECT_FALSE(dt.has_value()) << "ggml type " << type << " is removed";
      continue;
    }
    ASSERT_TRUE(dt.has_value()) << "ggml type " << type << " (" << name << ") unknown to tensorio";
    const auto& info = tensorio::dtype_info(*dt);
    EXPECT_EQ(info.block_elements, static_cast<uint32_t>(block)) << name;
    EXPECT_EQ(info.block_bytes, bytes) << name;
    // Canonical names are ggml's, lower-cased, with the float names spelled out.
    std::string lower = name;
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const std::string expected = lower == "f32"    ? "float32"
                                 : lower == "f16"  ? "float16"
                                 : lower == "bf16" ? "bfloat16"
                                 : lower == "f64"  ? "float64"
                                 : lower == "i8"   ? "int8"
                                 : lower == "i16"  ? "int16"
                                 : lower == "i32"  ? "int32"
                                 : lower == "i64"  ? "int64"
                                                   : lower;
    EXPECT_EQ(std::string(info.name), expected);
  }
  EXPECT_EQ(seen, 43);
}

}  // namespace
