// The static dtype table. Row order must equal the DType enum order (checked at compile time).
#include "tensorio/dtype.hpp"

#include <algorithm>
#include <array>

#include "core/checked_math.hpp"

namespace tensorio {
namespace {

using K = DTypeKind;

constexpr std::array<DTypeInfo, static_cast<size_t>(DType::count_)> kTable{{
    {DType::bool_, "bool", K::boolean, 1, 1, 1, "|b1", "BOOL", -1},
    {DType::int8, "int8", K::signed_int, 1, 1, 1, "|i1", "I8", 24},
    {DType::int16, "int16", K::signed_int, 1, 2, 2, "<i2", "I16", 25},
    {DType::int32, "int32", K::signed_int, 1, 4, 4, "<i4", "I32", 26},
    {DType::int64, "int64", K::signed_int, 1, 8, 8, "<i8", "I64", 27},
    {DType::uint8, "uint8", K::unsigned_int, 1, 1, 1, "|u1", "U8", -1},
    {DType::uint16, "uint16", K::unsigned_int, 1, 2, 2, "<u2", "U16", -1},
    {DType::uint32, "uint32", K::unsigned_int, 1, 4, 4, "<u4", "U32", -1},
    {DType::uint64, "uint64", K::unsigned_int, 1, 8, 8, "<u8", "U64", -1},
    {DType::float16, "float16", K::floating, 1, 2, 2, "<f2", "F16", 1},
    {DType::bfloat16, "bfloat16", K::floating, 1, 2, 2, "<V2", "BF16", 30},
    {DType::float32, "float32", K::floating, 1, 4, 4, "<f4", "F32", 0},
    {DType::float64, "float64", K::floating, 1, 8, 8, "<f8", "F64", 28},
    {DType::complex64, "complex64", K::complex, 1, 8, 4, "<c8", "C64", -1},
    {DType::complex128, "complex128", K::complex, 1, 16, 8, "<c16", "", -1},
    {DType::float8_e5m2, "float8_e5m2", K::floating, 1, 1, 1, "", "F8_E5M2", -1},
    {DType::float8_e4m3fn, "float8_e4m3fn", K::floating, 1, 1, 1, "", "F8_E4M3", -1},
    {DType::float8_e8m0fnu, "float8_e8m0fnu", K::floating, 1, 1, 1, "", "F8_E8M0", -1},
    {DType::float8_e4m3fnuz, "float8_e4m3fnuz", K::floating, 1, 1, 1, "", "F8_E4M3FNUZ", -1},
    {DType::float8_e5m2fnuz, "float8_e5m2fnuz", K::floating, 1, 1, 1, "", "F8_E5M2FNUZ", -1},
    {DType::float4_e2m1fn, "float4_e2m1fn", K::floating, 2, 1, 1, "", "F4", -1},
    {DType::float6_e2m3fn, "float6_e2m3fn", K::floating, 4, 3, 1, "", "F6_E2M3", -1},
    {DType::float6_e3m2fn, "float6_e3m2fn", K::floating, 4, 3, 1, "", "F6_E3M2", -1},
    {DType::q4_0, "q4_0", K::quantized, 32, 18, 2, "", "", 2},
    {DType::q4_1, "q4_1", K::quantized, 32, 20, 2, "", "", 3},
    {DType::q5_0, "q5_0", K::quantized, 32, 22, 2, "", "", 6},
    {DType::q5_1, "q5_1", K::quantized, 32, 24, 2, "", "", 7},
    {DType::q8_0, "q8_0", K::quantized, 32, 34, 2, "", "", 8},
    {DType::q8_1, "q8_1", K::quantized, 32, 36, 2, "", "", 9},
    {DType::q2_k, "q2_k", K::quantized, 256, 84, 2, "", "", 10},
    {DType::q3_k, "q3_k", K::quantized, 256, 110, 2, "", "", 11},
    {DType::q4_k, "q4_k", K::quantized, 256, 144, 2, "", "", 12},
    {DType::q5_k, "q5_k", K::quantized, 256, 176, 2, "", "", 13},
    {DType::q6_k, "q6_k", K::quantized, 256, 210, 2, "", "", 14},
    {DType::q8_k, "q8_k", K::quantized, 256, 292, 4, "", "", 15},
    {DType::iq2_xxs, "iq2_xxs", K::quantized, 256, 66, 2, "", "", 16},
    {DType::iq2_xs, "iq2_xs", K::quantized, 256, 74, 2, "", "", 17},
    {DType::iq3_xxs, "iq3_xxs", K::quantized, 256, 98, 2, "", "", 18},
    {DType::iq1_s, "iq1_s", K::quantized, 256, 50, 2, "", "", 19},
    {DType::iq4_nl, "iq4_nl", K::quantized, 32, 18, 2, "", "", 20},
    {DType::iq3_s, "iq3_s", K::quantized, 256, 110, 2, "", "", 21},
    {DType::iq2_s, "iq2_s", K::quantized, 256, 82, 2, "", "", 22},
    {DType::iq4_xs, "iq4_xs", K::quantized, 256, 136, 2, "", "", 23},
    {DType::iq1_m, "iq1_m", K::quantized, 256, 56, 1, "", "", 29},
    {DType::tq1_0, "tq1_0", K::quantized, 256, 54, 2, "", "", 34},
    {DType::tq2_0, "tq2_0", K::quantized, 256, 66, 2, "", "", 35},
    {DType::mxfp4, "mxfp4", K::quantized, 32, 17, 1, "", "", 39},
    {DType::nvfp4, "nvfp4", K::quantized, 64, 36, 1, "", "", 40},
    {DType::q1_0, "q1_0", K::quantized, 128, 18, 2, "", "", 41},
    {DType::q2_0, "q2_0", K::quantized, 64, 18, 2, "", "", 42},
    {DType::opaque, "opaque", K::opaque, 1, 0, 1, "", "", -1},
}};

constexpr bool table_in_enum_order() {
  for (size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<size_t>(kTable[i].dtype) != i) return false;
  }
  return true;
}
static_assert(table_in_enum_order(), "dtype table rows must follow the DType enum order");

}  // namespace

std::span<const DTypeInfo> all_dtypes() noexcept { return kTable; }

const DTypeInfo& dtype_info(DType dtype) noexcept {
  auto i = static_cast<size_t>(dtype);
  return i < kTable.size() ? kTable[i] : kTable[0];
}

std::optional<DType> dtype_from_name(std::string_view name) noexcept {
  for (const DTypeInfo& i : kTable) {
    if (i.name == name && i.dtype != DType::opaque) return i.dtype;
  }
  return std::nullopt;
}

std::optional<DType> dtype_from_safetensors(std::string_view code) noexcept {
  if (code.empty()) return std::nullopt;
  for (const DTypeInfo& i : kTable) {
    if (i.safetensors == code) return i.dtype;
  }
  return std::nullopt;
}

std::optional<DType> dtype_from_ggml(int64_t ggml_type) noexcept {
  if (ggml_type < 0) return std::nullopt;
  for (const DTypeInfo& i : kTable) {
    if (i.ggml_type == ggml_type) return i.dtype;
  }
  return std::nullopt;
}

std::optional<uint64_t> byte_size(DType dtype, uint64_t elements) noexcept {
  const DTypeInfo& i = dtype_info(dtype);
  if (i.kind == DTypeKind::opaque || elements % i.block_elements != 0) return std::nullopt;
  return checked_mul(elements / i.block_elements, uint64_t{i.block_bytes});
}

std::optional<uint64_t> element_count(std::span<const uint64_t> shape) noexcept {
  // A zero anywhere makes the tensor empty whatever the other dimensions are, so the count
  // cannot depend on the order the dimensions are multiplied in.
  if (std::find(shape.begin(), shape.end(), uint64_t{0}) != shape.end()) return 0;
  uint64_t n = 1;
  for (uint64_t d : shape) {
    auto next = checked_mul(n, d);
    if (!next) return std::nullopt;
    n = *next;
  }
  return n;
}

}  // namespace tensorio
