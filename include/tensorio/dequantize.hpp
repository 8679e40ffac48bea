// tensorio/dequantize.hpp — ggml block formats (and float16/bfloat16) to ordinary floats.
//
// gguf files store most weights in ggml's block-quantized types: a block of 32..256 weights
// shares one or two scales (see the DType table for block sizes). dequantize() turns such
// blocks into float32, float16 or bfloat16 values; dequantized() does the same lazily for a
// whole tensor, so a quantized gguf tensor can be written to .npy / .npz / .safetensors or fed
// to code that wants plain floats.
//
// Exactness: the float32 results are bit-for-bit those of ggml's own dequantize_row_<type>
// (the reference CPU code of libggml-base, checked by the 'interop' test suite on random
// blocks of every supported type): the same fp16 → fp32 conversion, the same order of the
// float operations (so the same roundings), the same handling of NaN/Inf scales. float16 and
// bfloat16 results are the float32 result rounded to nearest, ties to even (NaN stays NaN,
// quiet; overflow gives ±Inf), like ggml_fp32_to_fp16_row / ggml_fp32_to_bf16_row.
//
// Supported input types (can_dequantize() is true):
//   float32, float16, bfloat16                 ordinary floats (converted, or copied)
//   q4_0 q4_1 q5_0 q5_1 q8_0 q8_1              legacy 32-element blocks
//   q2_k q3_k q4_k q5_k q6_k q8_k              k-quants, 256-element super-blocks
//   iq4_nl iq4_xs                              non-linear 4-bit (16-entry codebook)
//   mxfp4 nvfp4                                microscaled fp4 (E2M1 with E8M0 / UE4M3 scales)
//   tq1_0 tq2_0 q1_0 q2_0                      ternary and 1-/2-bit types
// The codebook types iq1_*, iq2_*, iq3_* are not supported (they need ggml's large lattice
// tables); they are refused with Error(unsupported_dtype).
//
// Thread-safety: all functions are reentrant; dequantize() allocates nothing on the heap.
#pragma once

#include <cstddef>
#include <span>

#include "tensorio/dtype.hpp"
#include "tensorio/export.h"
#include "tensorio/tensor_view.hpp"

namespace tensorio {

// True when dequantize() accepts `dtype` as input.
TENSORIO_API bool can_dequantize(DType dtype) noexcept;

// True for the output types dequantize() can produce: float32, float16, bfloat16.
TENSORIO_API bool is_dequantize_output(DType dtype) noexcept;

// Converts `src`, a whole number of `from` blocks, into `out`, an array of `to` values (native
// byte order) holding exactly the elements those blocks encode. Throws
//   Error(unsupported_dtype)  `from` is not supported or `to` is not a float output type,
//   Error(invalid_argument)   src is not a whole number of blocks, or out has the wrong size.
// `src` and `out` must not overlap. Any bytes are valid input (NaN and Inf scales propagate as
// IEEE arithmetic says); no input can make it read or write out of bounds.
TENSORIO_API void dequantize(DType from, std::span<const std::byte> src, DType to,
                             std::span<std::byte> out);

// Shorthand for float32 output.
TENSORIO_API void dequantize(DType from, std::span<const std::byte> src, std::span<float> out);

// A view of `view` whose data() is its dequantized values: same name, shape and file offset,
// dtype `to` (float32, float16 or bfloat16). Nothing is read until the first data() call, which
// converts the whole tensor once into an owned page-aligned buffer (thread-safe, as every lazy
// view; see tensor_view.hpp). The new view keeps `view` alive. Throws Error(unsupported_dtype)
// at once when the types are not supported.
TENSORIO_API TensorView dequantized(const TensorView& view, DType to = DType::float32);

// MLX's affine form of a q4_0, q4_1 or q8_0 tensor — what mlx.core.load returns for it, and
// what OpenOptions::gguf_mlx_quantized makes load() present instead of the raw blocks.
//
// MLX affine quantization stores w ≈ scale · q + bias with unsigned `bits`-bit codes q packed
// little-endian into uint32 words (element k of a word at bits k·bits), one float16 scale and
// bias per group of 32 elements. For a tensor named `P.weight` with row-major shape [..., n]:
//   weights  `P.weight`  uint32   [..., n·bits/32]   bits = 4 (q4_0, q4_1) or 8 (q8_0)
//   scales   `P.scales`  float16  [..., n/32]        the block's d
//   biases   `P.biases`  float16  [..., n/32]        q4_0: −8·d, q4_1: m, q8_0: −128·d
// The prefix P is the name without its last 7 characters (MLX assumes a ".weight" suffix and
// does not check it; a name shorter than 7 characters is kept whole). Codes: q4 nibbles are
// reordered from ggml's split halves to sequential order; q8 bytes are flipped from int8 to
// uint8 (q ^ 0x80). Computing −8·d and −128·d in float16 overflows to ±Inf only when |d| is
// above 8188 / 511.98 (as in MLX). For every finite result, scale · q + bias evaluated in float32
// equals dequantize()'s value exactly (the same bits, except that ggml's (q − 8)·d can be −0
// where MLX's form gives +0).
//
// Each of the three views is lazy (built from the blocks on its first data() call) and keeps
// `quantized` alive. Throws Error(unsupported_dtype) for other dtypes and Error(bad_shape) for a
// 0-d tensor.
struct TENSORIO_API MlxAffineViews {
  TensorView weights;
  TensorView scales;
  TensorView biases;
};
TENSORIO_API bool is_mlx_affine_dtype(DType dtype) noexcept;
TENSORIO_API MlxAffineViews mlx_affine_views(const TensorView& quantized);

}  // namespace tensorio
