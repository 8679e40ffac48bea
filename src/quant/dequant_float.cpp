// Ordinary floating types as one-element "blocks", so float16/bfloat16 tensors take the same
// path as quantized ones (e.g. bfloat16 → float16 for a consumer without bfloat16).
#include <cstring>

#include "quant/block_kernels.hpp"

namespace tensorio::detail {

void dequant_f32(const std::byte* src, size_t blocks, float* dst) {
  // An empty tensor has no buffers at all (null pointers), which memcpy may not be given.
  if (blocks == 0) return;
  std::memcpy(dst, src, blocks * sizeof(float));
}

void dequant_f16(const std::byte* src, size_t blocks, float* dst) {
  for (size_t i = 0; i < blocks; ++i) dst[i] = half_to_float(load_le<uint16_t>(src + 2 * i));
}

void dequant_bf16(const std::byte* src, size_t blocks, float* dst) {
  for (size_t i = 0; i < blocks; ++i) dst[i] = bfloat16_to_float(load_le<uint16_t>(src + 2 * i));
}

}  // namespace tensorio::detail
