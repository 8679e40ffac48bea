// ggml's k-quants: 256-element super-blocks split into 16 sub-blocks of 16 (q2_k, q3_k, q6_k)
// or 8 of 32 (q4_k, q5_k), each sub-block with its own small integer scale (and min) that
// multiplies the super-block's fp16 d (and dmin).
//
// 2-bit planes (q2_k, q3_k): each 128-element half h reads 32 bytes qs[32h..32h+31]; element
// e = 128h + 32j + r (j = 0..3, r = 0..31) is bits 2j..2j+1 of qs[32h + r].
#include <array>

#include "quant/block_kernels.hpp"

namespace tensorio::detail {

namespace {

constexpr size_t kSuper = 256;

// q2_k (84 B): scales[16] (low nibble scale, high nibble min), qs[64], d, dmin.
// y = (d·sc)·q − dmin·min.
void q2_k_block(const std::byte* blk, float* y) {
  const uint8_t* scales = u8(blk);
  const uint8_t* qs = u8(blk + 16);
  const float d = fp16_at(blk + 80);
  const float dmin = fp16_at(blk + 82);
  for (size_t e = 0; e < kSuper; e += 16) {
    const uint8_t sc = scales[e / 16];
    const float dl = d * static_cast<float>(sc & 0x0F);
    const float ml = dmin * static_cast<float>(sc >> 4);
    const size_t h = e / 128, j = (e % 128) / 32, r0 = e % 32;
    for (size_t l = 0; l < 16; ++l) {
      const int q = (qs[32 * h + r0 + l] >> (2 * j)) & 3;
      y[e + l] = dl * static_cast<float>(q) - ml;
    }
  }
}

// q3_k's sixteen signed 6-bit scales, packed in 12 bytes: the low 4 bits of scale s are the
// low (s < 8) or high (s ≥ 8) nibble of byte s % 8; the high 2 bits are bits 2·(s/4)..+1 of
// byte 8 + s % 4. Stored with a bias of 32.
std::array<int, 16> q3_k_scales(const uint8_t* packed) {
  std::array<int, 16> out{};
  for (size_t s = 0; s < 16; ++s) {
    const int low = s < 8 ? (packed[s] & 0x0F) : (packed[s - 8] >> 4);
    const int high = (packed[8 + s % 4] >> (2 * (s / 4))) & 3;
    out[s] = (low | (high << 4)) - 32;
  }
  return out;
}

// q3_k (110 B): hmask[32], qs[64], scales[12], d. The third bit of element e = 128h + 32j + r
// is bit 4h + j of hmask[r]; a clear bit subtracts 4. y = (d·s)·(q − (bit ? 0 : 4)).
void q3_k_block(const std::byte* blk, float* y) {
  const uint8_t* hmask = u8(blk);
  const uint8_t* qs = u8(blk + 32);
  const std::array<int, 16> sc = q3_k_scales(u8(blk + 96));
  const float d = fp16_at(blk + 108);
  for (size_t e = 0; e < kSuper; e += 16) {
    const float dl = d * static_cast<float>(sc[e / 16]);
    const size_t h = e / 128, j = (e % 128) / 32, r0 = e % 32;
    const unsigned high_bit = 1u << (4 * h + j);
    for (size_t l = 0; l < 16; ++l) {
      const size_t r = r0 + l;
      const int q = (qs[32 * h + r] >> (2 * j)) & 3;
      const int offset = (hmask[r] & high_bit) ? 0 : 4;
      y[e + l] = dl * static_cast<float>(q - offset);
    }
  }
}

// q4_k/q5_k's eight 6-bit (scale, min) pairs in 12 bytes: pairs 0..3 are the low 6 bits of
// bytes 0..3 (scale) and 4..7 (min); pairs 4..7 take their low 4 bits from the nibbles of
// bytes 8..11 and their top 2 bits from the top bits of bytes 0..7.
struct ScaleMin {
  int scale;
  int min;
};
ScaleMin k4_scale_min(const uint8_t* p, size_t s) {
  if (s < 4) return {p[s] & 63, p[s + 4] & 63};
  return {(p[s + 4] & 0x0F) | ((p[s - 4] >> 6) << 4), (p[s + 4] >> 4) | ((p[s] >> 6) << 4)};
}

// q4_k (144 B): d, dmin, scales[12], qs[128]. Sub-block s (32 elements) is the low (s even) or
// high (s odd) nibbles of qs[32·(s/2)..+31]. y = (d·sc)·q − dmin·min.
void q4_k_block(const std::byte* blk, float* y) {
  const float d = fp16_at(blk);
  const float dmin = fp16_at(blk + 2);
  const uint8_t* scales = u8(blk + 4);
  const uint8_t* qs = u8(blk + 16);
  for (size_t s = 0; s < 8; ++s) {
    const ScaleMin sm = k4_scale_min(scales, s);
    const float dl = d * static_cast<float>(sm.scale);
    const float ml = dmin * static_cast<float>(sm.min);
    const uint8_t* q = qs + 32 * (s / 2);
    const unsigned shift = (s % 2) * 4;
    for (size_t l = 0; l < 32; ++l) {
      y[32 * s + l] = dl * static_cast<float>((q[l] >> shift) & 0x0F) - ml;
    }
  }
}

// q5_k (176 B): d, dmin, scales[12], qh[32], qs[128]; as q4_k, plus a fifth bit: bit s of
// qh[l] for element l of sub-block s.
void q5_k_block(const std::byte* blk, float* y) {
  const float d = fp16_at(blk);
  const float dmin = fp16_at(blk + 2);
  const uint8_t* scales = u8(blk + 4);
  const uint8_t* qh = u8(blk + 16);
  const uint8_t* qs = u8(blk + 48);
  for (size_t s = 0; s < 8; ++s) {
    const ScaleMin sm = k4_scale_min(scales, s);
    const float dl = d * static_cast<float>(sm.scale);
    const float ml = dmin * static_cast<float>(sm.min);
    const uint8_t* q = qs + 32 * (s / 2);
    const unsigned shift = (s % 2) * 4;
    for (size_t l = 0; l < 32; ++l) {
      const int code = ((q[l] >> shift) & 0x0F) | (((qh[l] >> s) & 1) << 4);
      y[32 * s + l] = dl * static_cast<float>(code) - ml;
    }
  }
}

// q6_k (210 B): ql[128], qh[64], int8 scales[16], d. Half h (128 elements) uses ql[64h..+63],
// qh[32h..+31] and scales[8h..+7]. Its element 32k + l (k = 0..3, l = 0..31) has low nibble
// from ql[64h + l + 32·(k%2)] (low nibble for k < 2, high for k ≥ 2) and its top two bits at
// bits 2k..2k+1 of qh[32h + l]; 16-element groups use scale 8h + 2k + l/16. y = (d·sc)·(q − 32).
void q6_k_block(const std::byte* blk, float* y) {
  const uint8_t* ql_all = u8(blk);
  const uint8_t* qh_all = u8(blk + 128);
  const uint8_t* sc_all = u8(blk + 192);
  const float d = fp16_at(blk + 208);
  for (size_t h = 0; h < 2; ++h) {
    const uint8_t* ql = ql_all + 64 * h;
    const uint8_t* qh = qh_all + 32 * h;
    const uint8_t* sc = sc_all + 8 * h;
    for (size_t k = 0; k < 4; ++k) {
      const uint8_t* low = ql + 32 * (k % 2);
      const unsigned nibble_shift = (k / 2) * 4;
      for (size_t g = 0; g < 2; ++g) {  // two 16-element groups, one scale each
        const float dl = d * static_cast<float>(static_cast<int8_t>(sc[2 * k + g]));
        float* out = y + 128 * h + 32 * k + 16 * g;
        for (size_t i = 0; i < 16; ++i) {
          const size_t l = 16 * g + i;
          const int code = ((low[l] >> nibble_shift) & 0x0F) | (((qh[l] >> (2 * k)) & 3) << 4);
          out[i] = dl * static_cast<float>(code - 32);
        }
      }
    }
  }
}

// q8_k (292 B): float32 d, int8 qs[256], int16 bsums[16] (sums for dot products, unused).
void q8_k_block(const std::byte* blk, float* y) {
  const float d = load_le<float>(blk);
  const uint8_t* qs = u8(blk + 4);
  for (size_t e = 0; e < kSuper; ++e) y[e] = d * static_cast<float>(static_cast<int8_t>(qs[e]));
}

template <void (*Block)(const std::byte*, float*), size_t kBytes>
void run_blocks(const std::byte* src, size_t blocks, float* dst) {
  for (size_t b = 0; b < blocks; ++b) Block(src + b * kBytes, dst + b * kSuper);
}

}  // namespace

void dequant_q2_k(const std::byte* s, size_t n, float* d) { run_blocks<q2_k_block, 84>(s, n, d); }
void dequant_q3_k(const std::byte* s, size_t n, float* d) { run_blocks<q3_k_block, 110>(s, n, d); }
void dequant_q4_k(const std::byte* s, size_t n, float* d) { run_blocks<q4_k_block, 144>(s, n, d); }
void dequant_q5_k(const std::byte* s, size_t n, float* d) { run_blocks<q5_k_block, 176>(s, n, d); }
void dequant_q6_k(const std::byte* s, size_t n, float* d) { run_blocks<q6_k_block, 210>(s, n, d); }
void dequant_q8_k(const std::byte* s, size_t n, float* d) { run_blocks<q8_k_block, 292>(s, n, d); }

}  // namespace tensorio::detail
