// Ternary and 1-/2-bit types: codes are tiny integers times one fp16 scale d.
//
//   tq1_0 (54 B / 256): qs[48], qh[4], d — five base-3 digits per byte ("trits").
//   tq2_0 (66 B / 256): qs[64], d — four 2-bit codes per byte, in planes.
//   q1_0  (18 B / 128): d, qs[16] — one sign bit per element, LSB first: y = ±d.
//   q2_0  (18 B / 64):  d, qs[16] — four sequential 2-bit codes per byte: y = (q − 1)·d.
#include <bit>

#include "quant/block_kernels.hpp"

namespace tensorio::detail {

namespace {

// Digit n of a tq1_0 byte. The encoder stores a 5-trit number t as b = ⌈t·256/243⌉, a fixed
// point fraction in [0, 1); multiplying by 3^n (mod 256) shifts digit n to the top, and
// (x·3) >> 8 reads it. The 8-bit wrap of b·3^n is intended.
inline int trit(uint8_t b, unsigned n) {
  static constexpr uint8_t kPow3[5] = {1, 3, 9, 27, 81};
  const uint8_t shifted = static_cast<uint8_t>(b * kPow3[n]);
  return (static_cast<uint16_t>(shifted) * 3) >> 8;
}

// Emits digit n of every byte in [bytes, bytes+count), digit-major, as (t − 1)·d.
inline float* trits(const uint8_t* bytes, size_t count, unsigned digits, float d, float* y) {
  for (unsigned n = 0; n < digits; ++n) {
    for (size_t m = 0; m < count; ++m) *y++ = static_cast<float>(trit(bytes[m], n) - 1) * d;
  }
  return y;
}

}  // namespace

void dequant_tq1_0(const std::byte* src, size_t blocks, float* dst) {
  for (size_t b = 0; b < blocks; ++b, src += 54) {
    const uint8_t* qs = u8(src);
    const uint8_t* qh = u8(src + 48);
    const float d = fp16_at(src + 52);
    // 160 elements from qs[0..31], 80 from qs[32..47], the last 16 from 4 digits of qh[0..3].
    dst = trits(qs, 32, 5, d, dst);
    dst = trits(qs + 32, 16, 5, d, dst);
    dst = trits(qh, 4, 4, d, dst);
  }
}

void dequant_tq2_0(const std::byte* src, size_t blocks, float* dst) {
  for (size_t b = 0; b < blocks; ++b, src += 66) {
    const uint8_t* qs = u8(src);
    const float d = fp16_at(src + 64);
    // Two 32-byte chunks; each yields four planes of 32 codes (bits 0-1, 2-3, 4-5, 6-7).
    for (size_t chunk = 0; chunk < 2; ++chunk) {
      for (unsigned plane = 0; plane < 4; ++plane) {
        for (size_t m = 0; m < 32; ++m) {
          const int q = (qs[32 * chunk + m] >> (2 * plane)) & 3;
          *dst++ = static_cast<float>(q - 1) * d;
        }
      }
    }
  }
}

void dequant_q1_0(const std::byte* src, size_t blocks, float* dst) {
  for (size_t b = 0; b < blocks; ++b, src += 18, dst += 128) {
    const float d = fp16_at(src);
    const uint8_t* qs = u8(src + 2);
    // ±d is d with its sign bit flipped for clear bits (IEEE negation is exactly that).
    const uint32_t d_bits = std::bit_cast<uint32_t>(d);
    for (size_t byte = 0; byte < 16; ++byte) {
      for (unsigned k = 0; k < 8; ++k) {
        const uint32_t clear = ((qs[byte] >> k) & 1u) ^ 1u;
        dst[8 * byte + k] = std::bit_cast<float>(d_bits ^ (clear << 31));
      }
    }
  }
}

void dequant_q2_0(const std::byte* src, size_t blocks, float* dst) {
  for (size_t b = 0; b < blocks; ++b, src += 18, dst += 64) {
    const float d = fp16_at(src);
    const uint8_t* qs = u8(src + 2);
    for (size_t j = 0; j < 64; ++j) {
      const int q = (qs[j / 4] >> (2 * (j % 4))) & 3;
      dst[j] = static_cast<float>(q - 1) * d;
    }
  }
}

}  // namespace tensorio::detail
