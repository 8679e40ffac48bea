// dequantize(): kernel dispatch, argument checks and the float16/bfloat16 output stage.
#include "tensorio/dequantize.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/checked_math.hpp"
#include "quant/block_kernels.hpp"
#include "tensorio/error.hpp"

namespace tensorio {

namespace detail {

BlockKernel block_kernel(DType dtype) noexcept {
  switch (dtype) {
    case DType::float32: return dequant_f32;
    case DType::float16: return dequant_f16;
    case DType::bfloat16: return dequant_bf16;
    case DType::q4_0: return dequant_q4_0;
    case DType::q4_1: return dequant_q4_1;
    case DType::q5_0: return dequant_q5_0;
    case DType::q5_1: return dequant_q5_1;
    case DType::q8_0: return dequant_q8_0;
    case DType::q8_1: return dequant_q8_1;
    case DType::q2_k: return dequant_q2_k;
    case DType::q3_k: return dequant_q3_k;
    case DType::q4_k: return dequant_q4_k;
    case DType::q5_k: return dequant_q5_k;
    case DType::q6_k: return dequant_q6_k;
    case DType::q8_k: return dequant_q8_k;
    case DType::iq4_nl: return dequant_iq4_nl;
    case DType::iq4_xs: return dequant_iq4_xs;
    case DType::mxfp4: return dequant_mxfp4;
    case DType::nvfp4: return dequant_nvfp4;
    case DType::tq1_0: return dequant_tq1_0;
    case DType::tq2_0: return dequant_tq2_0;
    case DType::q1_0: return dequant_q1_0;
    case DType::q2_0: return dequant_q2_0;
    default: return nullptr;
  }
}

}  // namespace detail

namespace {

// Elements converted per step when the output is 16-bit: a multiple of every block size
// (256 is the largest) and small enough for the float staging buffer to live on the stack.
constexpr size_t kChunkElements = 4096;

void convert_floats(const float* in, size_t n, DType to, std::byte* out) {
  if (to == DType::float32) {
    std::memcpy(out, in, n * sizeof(float));
  } else if (to == DType::float16) {
    for (size_t i = 0; i < n; ++i) store_le<uint16_t>(out + 2 * i, detail::float_to_half(in[i]));
  } else {
    for (size_t i = 0; i < n; ++i) {
      store_le<uint16_t>(out + 2 * i, detail::float_to_bfloat16(in[i]));
    }
  }
}

}  // namespace

bool can_dequantize(DType dtype) noexcept { return detail::block_kernel(dtype) != nullptr; }

bool is_dequantize_output(DType dtype) noexcept {
  return dtype == DType::float32 || dtype == DType::float16 || dtype == DType::bfloat16;
}

void dequantize(DType from, std::span<const std::byte> src, DType to, std::span<std::byte> out) {
  detail::BlockKernel kernel = detail::block_kernel(from);
  if (kernel == nullptr) {
    throw Error(ErrorCode::unsupported_dtype, "", no_offset,
                "dequantize: expected a dtype listed in tensorio/dequantize.hpp, found " +
                    std::string(dtype_name(from)));
  }
  if (!is_dequantize_output(to)) {
    throw Error(ErrorCode::unsupported_dtype, "", no_offset,
                "dequantize: expected float32, float16 or bfloat16 output, found " +
                    std::string(dtype_name(to)));
  }
  const DTypeInfo& info = dtype_info(from);
  if (src.size() % info.block_bytes != 0) {
    throw Error(ErrorCode::invalid_argument, "", no_offset,
                "dequantize: expected a whole number of " + std::string(info.name) + " blocks (" +
                    std::to_string(info.block_bytes) + " bytes each), found " +
                    std::to_string(src.size()) + " bytes");
  }
  const uint64_t blocks = src.size() / info.block_bytes;
  // blocks · block_elements · item fits: src.size() does, and no type expands by more than 64x.
  const uint64_t elements = blocks * info.block_elements;
  const auto need = checked_mul(elements, item_size(to));
  if (!need || *need != out.size()) {
    throw Error(ErrorCode::invalid_argument, "", no_offset,
                "dequantize: expected an output of " + std::to_string(elements) + " " +
                    std::string(dtype_name(to)) + " values, found " + std::to_string(out.size()) +
                    " bytes");
  }
  if (to == DType::float32 && reinterpret_cast<uintptr_t>(out.data()) % alignof(float) == 0) {
    // The common case: straight into the caller's buffer, no staging.
    kernel(src.data(), blocks, reinterpret_cast<float*>(out.data()));
    return;
  }
  if (from == to) {  // float16 → float16, bfloat16 → bfloat16: already in the output format
    std::copy(src.begin(), src.end(), out.begin());
    return;
  }
  alignas(64) float staging[kChunkElements];
  const uint64_t blocks_per_chunk = kChunkElements / info.block_elements;
  for (uint64_t b = 0; b < blocks; b += blocks_per_chunk) {
    const uint64_t n = std::min(blocks_per_chunk, blocks - b);
    kernel(src.data() + b * info.block_bytes, n, staging);
    convert_floats(staging, n * info.block_elements, to,
                   out.data() + b * info.block_elements * item_size(to));
  }
}

void dequantize(DType from, std::span<const std::byte> src, std::span<float> out) {
  dequantize(from, src, DType::float32, std::as_writable_bytes(out));
}

}  // namespace tensorio
