// tensorio/dtype.hpp — the element types tensorio understands, across all four formats.
//
// A dtype is described by a block: `block_elements` elements stored in `block_bytes` bytes.
// Ordinary types have a block of one element (float32: 1 element in 4 bytes); sub-byte types
// pack several (float4_e2m1fn: 2 in 1 byte, float6_*: 4 in 3 bytes); ggml's quantized types
// are blocks of 32..256 weights with their scales (q4_0: 32 in 18 bytes). The byte size of n
// elements is n / block_elements * block_bytes and is only defined when block_elements
// divides n (see byte_size()).
//
// The table is static and immutable: every function here is thread-safe and never allocates.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "tensorio/export.h"

namespace tensorio {

enum class DType : uint8_t {
  // The foundation set, shared by NumPy, safetensors, gguf and MLX.
  bool_,
  int8,
  int16,
  int32,
  int64,
  uint8,
  uint16,
  uint32,
  uint64,
  float16,
  bfloat16,
  float32,
  float64,
  complex64,
  complex128,
  // Narrow floats (safetensors; float4/float6 are sub-byte).
  float8_e5m2,
  float8_e4m3fn,
  float8_e8m0fnu,
  float8_e4m3fnuz,
  float8_e5m2fnuz,
  float4_e2m1fn,
  float6_e2m3fn,
  float6_e3m2fn,
  // ggml block-quantized types (gguf only), in ggml enum order.
  q4_0,
  q4_1,
  q5_0,
  q5_1,
  q8_0,
  q8_1,
  q2_k,
  q3_k,
  q4_k,
  q5_k,
  q6_k,
  q8_k,
  iq2_xxs,
  iq2_xs,
  iq3_xxs,
  iq1_s,
  iq4_nl,
  iq3_s,
  iq2_s,
  iq4_xs,
  iq1_m,
  tq1_0,
  tq2_0,
  mxfp4,
  nvfp4,
  q1_0,
  q2_0,
  // A fixed-size NumPy dtype tensorio stores but does not interpret: byte and unicode strings,
  // structured (record) and other void dtypes, long double, datetime. Only .npy/.npz hold it;
  // each such view has its own element size and NumPy descr (TensorView::item_bytes, descr).
  opaque,
  count_  // not a dtype
};

enum class DTypeKind : uint8_t {
  boolean,
  signed_int,
  unsigned_int,
  floating,
  complex,
  quantized,
  opaque  // DType::opaque: bytes with a NumPy descr, no numeric meaning
};

struct TENSORIO_API DTypeInfo {
  DType dtype;
  std::string_view name;  // canonical lower-case name, e.g. "bfloat16", "q4_k"
  DTypeKind kind;
  uint32_t block_elements;       // elements per block (1 for ordinary types)
  uint32_t block_bytes;          // bytes per block
  uint32_t alignment;            // natural alignment of the storage unit in bytes
  std::string_view numpy_descr;  // little-endian NumPy descr ("<f4", "|b1", "<V2"), or "" if none
  std::string_view safetensors;  // safetensors dtype string ("F32", "F8_E4M3"), or "" if none
  int32_t ggml_type;             // ggml enum value, or -1 if gguf cannot store it
};

// All dtypes, indexed by the enum value.
TENSORIO_API std::span<const DTypeInfo> all_dtypes() noexcept;
TENSORIO_API const DTypeInfo& dtype_info(DType dtype) noexcept;
inline std::string_view dtype_name(DType dtype) noexcept { return dtype_info(dtype).name; }

// Lookups; std::nullopt when nothing matches. Names are matched exactly (case-sensitive).
// DType::opaque is not found by name: it names no element type of its own.
TENSORIO_API std::optional<DType> dtype_from_name(std::string_view name) noexcept;
TENSORIO_API std::optional<DType> dtype_from_safetensors(std::string_view code) noexcept;
TENSORIO_API std::optional<DType> dtype_from_ggml(int64_t ggml_type) noexcept;

// Size in bytes of one element for types with single-element blocks; 0 for packed types and
// for DType::opaque (whose element size is the view's: TensorView::item_bytes).
inline uint32_t item_size(DType dtype) noexcept {
  const DTypeInfo& i = dtype_info(dtype);
  return i.block_elements == 1 ? i.block_bytes : 0;
}

// Bytes needed for `elements` elements: nullopt on overflow, when `elements` is not a whole
// number of blocks, and for DType::opaque (no size of its own).
TENSORIO_API std::optional<uint64_t> byte_size(DType dtype, uint64_t elements) noexcept;

// Product of a shape's dimensions; nullopt on overflow. The empty shape (0-d) has 1 element; a
// shape with a zero dimension has 0, whatever its other dimensions (the formats' readers apply
// their own peer's rule on top: NumPy refuses non-zero dimensions that overflow, safetensors
// multiplies left to right).
TENSORIO_API std::optional<uint64_t> element_count(std::span<const uint64_t> shape) noexcept;

}  // namespace tensorio
