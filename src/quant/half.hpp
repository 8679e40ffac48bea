// Half-precision conversions used by the dequantizers: IEEE binary16 and bfloat16 to and from
// float32.
//
// fp16 → fp32 must match ggml bit for bit (every quantized block carries fp16 scales). The
// conversion below is exact for every finite value and infinity; it rebuilds the float from the
// half's bits with one float multiply (normals) or one subtract (subnormals) instead of a
// branchy bit loop, so it vectorizes. Because a NaN goes through a float multiply, a signalling
// NaN comes out quiet — the same result as the F16C instruction and as ggml's own software path.
#pragma once

#include <bit>
#include <cstdint>

namespace tensorio::detail {

inline float half_to_float(uint16_t h) noexcept {
  const uint32_t w = uint32_t{h} << 16;
  const uint32_t sign = w & 0x80000000u;
  const uint32_t two_w = w + w;  // drops the sign: exponent at bits 27..31, mantissa below
  // Normal (and Inf/NaN): put the 5-bit exponent in the float's exponent field with an offset
  // of 224 (so 31 → 255), then scale by 2^-112 to undo the bias difference exactly.
  const float normalized =
      std::bit_cast<float>((two_w >> 4) + (uint32_t{0xE0} << 23)) * 0x1.0p-112f;
  // Subnormal: the mantissa as the low bits of 0.5's float, minus 0.5, is m · 2^-24 exactly.
  const float denormalized = std::bit_cast<float>((two_w >> 17) | (uint32_t{126} << 23)) - 0.5f;
  // Select with a mask rather than ?: so loops over many halves stay branch-free (vectorized).
  const uint32_t is_subnormal = 0u - static_cast<uint32_t>(two_w < (uint32_t{1} << 27));
  const uint32_t magnitude = (std::bit_cast<uint32_t>(denormalized) & is_subnormal) |
                             (std::bit_cast<uint32_t>(normalized) & ~is_subnormal);
  return std::bit_cast<float>(sign | magnitude);
}

inline float bfloat16_to_float(uint16_t b) noexcept {
  return std::bit_cast<float>(uint32_t{b} << 16);
}

// float32 → binary16, round to nearest even; NaN → quiet NaN (sign kept), overflow → ±Inf.
inline uint16_t float_to_half(float f) noexcept {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t ax = x & 0x7FFFFFFFu;
  if (ax > 0x7F800000u) return sign | 0x7E00u;   // NaN
  if (ax >= 0x47800000u) return sign | 0x7C00u;  // ≥ 2^16 (and Inf): beyond any rounding
  if (ax >= 0x38800000u) {                       // result is a normal half (or rounds to Inf)
    // Rebias the exponent (127 → 15) and round the 23-bit mantissa to 10 bits; a carry out of
    // the mantissa correctly bumps the exponent, up to Inf.
    uint32_t m = ax - 0x38000000u;
    m += 0x0FFFu + ((m >> 13) & 1u);
    return static_cast<uint16_t>(sign | (m >> 13));
  }
  if (ax < 0x33000000u) return sign;  // below 2^-25: rounds to ±0 (2^-25 itself ties to 0)
  // Subnormal half: the value in units of 2^-24 is mant · 2^(e-126), a right shift of 14..24.
  const uint32_t e = ax >> 23;
  const uint32_t mant = (ax & 0x7FFFFFu) | 0x800000u;
  const uint32_t shift = 126 - e;
  uint32_t q = mant >> shift;
  const uint32_t rem = mant & ((uint32_t{1} << shift) - 1);
  const uint32_t halfway = uint32_t{1} << (shift - 1);
  if (rem > halfway || (rem == halfway && (q & 1u))) ++q;  // may reach 0x400: the smallest normal
  return static_cast<uint16_t>(sign | q);
}

// float32 → bfloat16, round to nearest even; NaN → quiet NaN keeping sign and high payload.
inline uint16_t float_to_bfloat16(float f) noexcept {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);
  return static_cast<uint16_t>((x + 0x7FFFu + ((x >> 16) & 1u)) >> 16);
}

}  // namespace tensorio::detail
