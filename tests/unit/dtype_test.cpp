// The dtype table and the sizes derived from it: names in every format, item and byte sizes of
// packed types, element counts that overflow.
#include <gtest/gtest.h>

#include <set>
#include <string_view>
#include <vector>

#include "tensorio/tensorio.hpp"

namespace tensorio {
namespace {

TEST(DType, TableIsConsistent) {
  std::set<std::string_view> names;
  for (const DTypeInfo& i : all_dtypes()) {
    EXPECT_TRUE(names.insert(i.name).second) << "duplicate name " << i.name;
    EXPECT_GT(i.block_elements, 0u);
    if (i.dtype == DType::opaque) {
      // No element type of its own: not found by name, no size, no format code.
      EXPECT_EQ(dtype_from_name(i.name), std::nullopt);
      EXPECT_EQ(i.block_bytes, 0u);
      EXPECT_EQ(i.kind, DTypeKind::opaque);
      EXPECT_TRUE(i.numpy_descr.empty() && i.safetensors.empty() && i.ggml_type < 0);
      EXPECT_EQ(byte_size(i.dtype, 1), std::nullopt);
      EXPECT_EQ(item_size(i.dtype), 0u);
      continue;
    }
    EXPECT_EQ(dtype_from_name(i.name), i.dtype);
    EXPECT_GT(i.block_bytes, 0u);
    if (!i.safetensors.empty()) {
      EXPECT_EQ(dtype_from_safetensors(i.safetensors), i.dtype);
    }
    if (i.ggml_type >= 0) {
      EXPECT_EQ(dtype_from_ggml(i.ggml_type), i.dtype);
    }
  }
  EXPECT_EQ(item_size(DType::float32), 4u);
  EXPECT_EQ(item_size(DType::complex128), 16u);
  EXPECT_EQ(item_size(DType::q4_0), 0u) << "packed types have no item size";
  EXPECT_EQ(dtype_info(DType::bfloat16).numpy_descr, "<V2");
}

TEST(DType, SafetensorsHasAll22Codes) {
  size_t n = 0;
  for (const DTypeInfo& i : all_dtypes()) n += !i.safetensors.empty();
  EXPECT_EQ(n, 22u);
  EXPECT_FALSE(dtype_from_safetensors("F8_E4M3FN").has_value()) << "spelled F8_E4M3 in the format";
}

TEST(DType, RemovedGgmlTypesAreUnknown) {
  for (int removed : {4, 5, 31, 32, 33, 36, 37, 38, 43, 1000, -1}) {
    EXPECT_FALSE(dtype_from_ggml(removed).has_value()) << removed;
  }
  EXPECT_EQ(dtype_from_ggml(12), DType::q4_k);
  EXPECT_EQ(dtype_from_ggml(30), DType::bfloat16);
}

TEST(DType, ByteSizeOfPackedTypes) {
  EXPECT_EQ(byte_size(DType::float4_e2m1fn, 6), 3u);
  EXPECT_FALSE(byte_size(DType::float4_e2m1fn, 5).has_value()) << "half a byte";
  EXPECT_EQ(byte_size(DType::float6_e2m3fn, 8), 6u);
  EXPECT_FALSE(byte_size(DType::float6_e2m3fn, 6).has_value());
  EXPECT_EQ(byte_size(DType::q4_0, 64), 36u);
  EXPECT_FALSE(byte_size(DType::q4_0, 33).has_value());
  EXPECT_FALSE(byte_size(DType::float64, UINT64_MAX / 4).has_value()) << "overflow";
}

TEST(DType, ElementCountOverflow) {
  std::vector<uint64_t> ok{1u << 20, 1u << 20};
  EXPECT_EQ(element_count(ok), uint64_t{1} << 40);
  std::vector<uint64_t> bad{uint64_t{1} << 32, uint64_t{1} << 32};
  EXPECT_FALSE(element_count(bad).has_value());
  EXPECT_EQ(element_count(std::vector<uint64_t>{}), 1u);
  EXPECT_EQ(element_count(std::vector<uint64_t>{0, 5}), 0u);
  // A zero anywhere wins, whatever order the other dimensions would overflow in.
  const uint64_t huge = uint64_t{1} << 62;
  EXPECT_EQ(element_count(std::vector<uint64_t>{4, huge, 0}), 0u);
  EXPECT_EQ(element_count(std::vector<uint64_t>{0, huge, 4}), 0u);
  EXPECT_FALSE(element_count(std::vector<uint64_t>{4, huge}).has_value());
}

}  // namespace
}  // namespace tensorio
