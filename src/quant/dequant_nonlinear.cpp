// 4-bit codes that index a 16-entry table instead of being used as integers: the non-linear
// iq4 types and the microscaling fp4 types. All use the "split halves" nibble order of the
// legacy types within each group of 32 (byte j: element j low, element j+16 high), except
// nvfp4, whose 16-element sub-blocks take 8 bytes each (low nibbles first, then high).
//
//   iq4_nl (18 B / 32):  d, qs[16]                              y = d·K[q]
//   iq4_xs (136 B / 256): d, scales_h (u16), scales_l[4], qs[128]; 6-bit sub-block scales
//   mxfp4  (17 B / 32):  e (E8M0 exponent byte), qs[16]         y = F[q]·2^(e−128)
//   nvfp4  (36 B / 64):  4 UE4M3 scale bytes, qs[32]            y = F[q]·ue4m3(s)/2
#include <bit>

#include "quant/block_kernels.hpp"

namespace tensorio::detail {

namespace {

// The iq4 codebook: 16 values on a non-uniform grid, denser near zero.
constexpr int8_t kIq4Values[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                   1,    13,   25,  38,  53,  69,  89,  113};

// E2M1 (fp4) values, doubled so they are integers: {0, .5, 1, 1.5, 2, 3, 4, 6} × 2, then the
// negatives. The halving is folded into the block scale.
constexpr int8_t kFp4Doubled[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

// 32 elements of split-half nibbles, each y = scale · table[code]. The 16 possible products
// are computed once (each is the very product ggml computes per element, so the same bits) and
// the elements become plain lookups.
void table_group(const uint8_t* qs, const int8_t* table, float scale, float* y) {
  float scaled[16];
  for (size_t k = 0; k < 16; ++k) scaled[k] = scale * static_cast<float>(table[k]);
  for (size_t j = 0; j < 16; ++j) {
    y[j] = scaled[qs[j] & 0x0F];
    y[j + 16] = scaled[qs[j] >> 4];
  }
}

// 2^(e − 128) as a float: half the E8M0 value 2^(e − 127), which undoes the doubled table.
// e = 0 and 1 give the subnormals 2^-128 and 2^-127; e = 255 is 2^127 (no NaN encoding).
float e8m0_half(uint8_t e) {
  const uint32_t bits = e < 2 ? (uint32_t{0x00200000} << e) : (uint32_t{e} - 1) << 23;
  return std::bit_cast<float>(bits);
}

// Unsigned E4M3 (bias 7, no sign; bit 7 ignored), halved for the doubled table. 0x7F (E4M3's
// NaN) reads as 0, as in ggml. Every value is exact in float.
float ue4m3_half(uint8_t byte) {
  const unsigned x = byte & 0x7Fu;
  if (x == 0 || x == 0x7F) return 0.0f;
  const unsigned exponent = x >> 3;
  const unsigned mantissa = x & 7u;
  // Subnormal: mantissa · 2^-9; normal: (8 + mantissa) · 2^(exponent − 10).
  const float value = exponent == 0 ? static_cast<float>(mantissa) * 0x1.0p-9f
                                    : static_cast<float>(8 + mantissa) *
                                          std::bit_cast<float>((exponent + 127u - 10u) << 23);
  return value * 0.5f;
}

}  // namespace

void dequant_iq4_nl(const std::byte* src, size_t blocks, float* dst) {
  for (size_t b = 0; b < blocks; ++b, src += 18, dst += 32) {
    table_group(u8(src + 2), kIq4Values, fp16_at(src), dst);
  }
}

void dequant_iq4_xs(const std::byte* src, size_t blocks, float* dst) {
  for (size_t b = 0; b < blocks; ++b, src += 136, dst += 256) {
    const float d = fp16_at(src);
    const uint16_t scales_h = load_le<uint16_t>(src + 2);
    const uint8_t* scales_l = u8(src + 4);
    const uint8_t* qs = u8(src + 8);
    for (size_t s = 0; s < 8; ++s) {
      // 6-bit scale of sub-block s: low 4 bits from a nibble of scales_l, top 2 from scales_h.
      const int low = (scales_l[s / 2] >> (4 * (s % 2))) & 0x0F;
      const int high = (scales_h >> (2 * s)) & 3;
      const float dl = d * static_cast<float>((low | (high << 4)) - 32);
      table_group(qs + 16 * s, kIq4Values, dl, dst + 32 * s);
    }
  }
}

void dequant_mxfp4(const std::byte* src, size_t blocks, float* dst) {
  for (size_t b = 0; b < blocks; ++b, src += 17, dst += 32) {
    // Products commute exactly, so table_group's scale · value equals ggml's value · scale.
    table_group(u8(src + 1), kFp4Doubled, e8m0_half(u8(src)[0]), dst);
  }
}

void dequant_nvfp4(const std::byte* src, size_t blocks, float* dst) {
  for (size_t b = 0; b < blocks; ++b, src += 36, dst += 64) {
    const uint8_t* scales = u8(src);
    const uint8_t* qs = u8(src + 4);
    for (size_t s = 0; s < 4; ++s) {
      const float scale = ue4m3_half(scales[s]);
      const uint8_t* q = qs + 8 * s;
      float* y = dst + 16 * s;
      for (size_t j = 0; j < 8; ++j) {
        y[j] = static_cast<float>(kFp4Doubled[q[j] & 0x0F]) * scale;
        y[j + 8] = static_cast<float>(kFp4Doubled[q[j] >> 4]) * scale;
      }
    }
  }
}

}  // namespace tensorio::detail
