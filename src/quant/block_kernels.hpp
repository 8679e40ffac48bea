// Block kernels: one function per ggml block type, each turning whole blocks into float32.
//
// Contract of every kernel: `src` holds `blocks` consecutive blocks of the type (its
// DTypeInfo::block_bytes each, no alignment assumed), `dst` has room for
// blocks · block_elements floats. Kernels never fail: any byte pattern is a valid block.
//
// Exactness with ggml (see tensorio/dequantize.hpp) rests on two things the kernels keep:
// the fp16 conversion in half.hpp, and the order in which each formula multiplies and adds —
// e.g. q4_k computes (d·sc)·q − (dmin·m), never d·(sc·q) — since float arithmetic is not
// associative. These sources are compiled with -ffp-contract=off so that a build for a CPU with
// FMA does not fuse a·b − c into one rounding where ggml rounds twice.
//
// Multi-byte fields are read with load_le (unaligned, no pointer casts); single bytes through
// `u8()`, a byte-typed pointer, which may alias anything.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/endian.hpp"
#include "quant/half.hpp"
#include "tensorio/dtype.hpp"

namespace tensorio::detail {

using BlockKernel = void (*)(const std::byte* src, size_t blocks, float* dst);

inline const uint8_t* u8(const std::byte* p) noexcept {
  return reinterpret_cast<const uint8_t*>(p);
}
inline float fp16_at(const std::byte* p) noexcept { return half_to_float(load_le<uint16_t>(p)); }

// The kernel for `dtype`, or nullptr when it has none (see can_dequantize()).
BlockKernel block_kernel(DType dtype) noexcept;

// dequant_float.cpp — ordinary floats (block of 1).
void dequant_f32(const std::byte* src, size_t blocks, float* dst);
void dequant_f16(const std::byte* src, size_t blocks, float* dst);
void dequant_bf16(const std::byte* src, size_t blocks, float* dst);

// dequant_legacy.cpp — 32-element blocks with one fp16 scale (and offset).
void dequant_q4_0(const std::byte* src, size_t blocks, float* dst);
void dequant_q4_1(const std::byte* src, size_t blocks, float* dst);
void dequant_q5_0(const std::byte* src, size_t blocks, float* dst);
void dequant_q5_1(const std::byte* src, size_t blocks, float* dst);
void dequant_q8_0(const std::byte* src, size_t blocks, float* dst);
void dequant_q8_1(const std::byte* src, size_t blocks, float* dst);

// dequant_kquants.cpp — 256-element super-blocks with packed sub-block scales.
void dequant_q2_k(const std::byte* src, size_t blocks, float* dst);
void dequant_q3_k(const std::byte* src, size_t blocks, float* dst);
void dequant_q4_k(const std::byte* src, size_t blocks, float* dst);
void dequant_q5_k(const std::byte* src, size_t blocks, float* dst);
void dequant_q6_k(const std::byte* src, size_t blocks, float* dst);
void dequant_q8_k(const std::byte* src, size_t blocks, float* dst);

// dequant_nonlinear.cpp — 4-bit codes looked up in a 16-entry table.
void dequant_iq4_nl(const std::byte* src, size_t blocks, float* dst);
void dequant_iq4_xs(const std::byte* src, size_t blocks, float* dst);
void dequant_mxfp4(const std::byte* src, size_t blocks, float* dst);
void dequant_nvfp4(const std::byte* src, size_t blocks, float* dst);

// dequant_lowbit.cpp — ternary and 1-/2-bit types.
void dequant_tq1_0(const std::byte* src, size_t blocks, float* dst);
void dequant_tq2_0(const std::byte* src, size_t blocks, float* dst);
void dequant_q1_0(const std::byte* src, size_t blocks, float* dst);
void dequant_q2_0(const std::byte* src, size_t blocks, float* dst);

}  // namespace tensorio::detail
