// ggml's legacy 32-element block types. Every block starts with an fp16 scale d (q4_1/q5_1:
// and an fp16 offset m). 4- and 5-bit codes share the "split halves" nibble order: byte j
// holds element j in its low nibble and element j+16 in its high nibble.
//
//   q4_0 (18 B): d, qs[16]            y = (q − 8)·d
//   q4_1 (20 B): d, m, qs[16]         y = q·d + m
//   q5_0 (22 B): d, qh (u32), qs[16]  5th bit of element j is bit j of qh; y = (q − 16)·d
//   q5_1 (24 B): d, m, qh, qs[16]     y = q·d + m
//   q8_0 (34 B): d, int8 qs[32]       y = q·d
//   q8_1 (36 B): d, s (= d·Σq, unused here), int8 qs[32]
#include <array>

#include "quant/block_kernels.hpp"

namespace tensorio::detail {

namespace {
constexpr size_t kBlock = 32;
constexpr size_t kHalf = kBlock / 2;
}  // namespace

void dequant_q4_0(const std::byte* src, size_t blocks, float* dst) {
  for (size_t b = 0; b < blocks; ++b, src += 18, dst += kBlock) {
    const float d = fp16_at(src);
    const uint8_t* qs = u8(src + 2);
    for (size_t j = 0; j < kHalf; ++j) {
      dst[j] = static_cast<float>((qs[j] & 0x0F) - 8) * d;
      dst[j + kHalf] = static_cast<float>((qs[j] >> 4) - 8) * d;
    }
  }
}

void dequant_q4_1(const std::byte* src, size_t blocks, float* dst) {
  for (size_t b = 0; b < blocks; ++b, src += 20, dst += kBlock) {
    const float d = fp16_at(src);
    const float m = fp16_at(src + 2);
    const uint8_t* qs = u8(src + 4);
    for (size_t j = 0; j < kHalf; ++j) {
      dst[j] = static_cast<float>(qs[j] & 0x0F) * d + m;
      dst[j + kHalf] = static_cast<float>(qs[j] >> 4) * d + m;
    }
  }
}

namespace {
// The 32 five-bit codes of a q5 block: nibbles in split-half order, fifth bit j of qh for
// element j. Decoding into a small array first keeps the float loop below simple enough to
// vectorize.
// (The bit test uses a mask table, not qh >> j: SSE2 has no per-lane variable shift.)
constexpr auto kBitMasks = [] {
  std::array<uint32_t, kBlock> m{};
  for (size_t j = 0; j < kBlock; ++j) m[j] = uint32_t{1} << j;
  return m;
}();

inline void q5_codes(const uint8_t* qs, uint32_t qh, int* codes) {
  for (size_t j = 0; j < kHalf; ++j) codes[j] = qs[j] & 0x0F;
  for (size_t j = 0; j < kHalf; ++j) codes[j + kHalf] = qs[j] >> 4;
  for (size_t j = 0; j < kBlock; ++j) codes[j] |= (qh & kBitMasks[j]) ? 16 : 0;
}
}  // namespace

void dequant_q5_0(const std::byte* src, size_t blocks, float* dst) {
  int codes[kBlock];
  for (size_t b = 0; b < blocks; ++b, src += 22, dst += kBlock) {
    const float d = fp16_at(src);
    q5_codes(u8(src + 6), load_le<uint32_t>(src + 2), codes);
    for (size_t j = 0; j < kBlock; ++j) dst[j] = static_cast<float>(codes[j] - 16) * d;
  }
}

void dequant_q5_1(const std::byte* src, size_t blocks, float* dst) {
  int codes[kBlock];
  for (size_t b = 0; b < blocks; ++b, src += 24, dst += kBlock) {
    const float d = fp16_at(src);
    const float m = fp16_at(src + 2);
    q5_codes(u8(src + 8), load_le<uint32_t>(src + 4), codes);
    for (size_t j = 0; j < kBlock; ++j) dst[j] = static_cast<float>(codes[j]) * d + m;
  }
}

namespace {
void int8_times_scale(const uint8_t* qs, float d, float* dst) {
  for (size_t j = 0; j < kBlock; ++j) dst[j] = static_cast<float>(static_cast<int8_t>(qs[j])) * d;
}
}  // namespace

void dequant_q8_0(const std::byte* src, size_t blocks, float* dst) {
  for (size_t b = 0; b < blocks; ++b, src += 34, dst += kBlock) {
    int8_times_scale(u8(src + 2), fp16_at(src), dst);
  }
}

void dequant_q8_1(const std::byte* src, size_t blocks, float* dst) {
  for (size_t b = 0; b < blocks; ++b, src += 36, dst += kBlock) {
    int8_times_scale(u8(src + 4), fp16_at(src), dst);
  }
}

}  // namespace tensorio::detail
