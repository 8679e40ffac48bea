#include "zip/huffman_table.hpp"

namespace tensorio::zip {

namespace {

constexpr std::array<uint8_t, 256> kReversedByte = [] {
  std::array<uint8_t, 256> r{};
  for (unsigned b = 0; b < 256; ++b) {
    unsigned v = 0;
    for (unsigned i = 0; i < 8; ++i) v |= ((b >> i) & 1u) << (7 - i);
    r[b] = static_cast<uint8_t>(v);
  }
  return r;
}();

// The low `n` (1..16) bits of `v` in reverse order. Huffman codes are defined most significant
// bit first but arrive least significant bit first (RFC 1951 3.1.1).
uint32_t reverse_bits(uint32_t v, unsigned n) noexcept {
  uint32_t r16 = (uint32_t{kReversedByte[v & 0xFF]} << 8) | kReversedByte[(v >> 8) & 0xFF];
  return r16 >> (16 - n);
}

}  // namespace

const char* code_shape_name(CodeShape shape) noexcept {
  switch (shape) {
    case CodeShape::complete: return "complete";
    case CodeShape::empty: return "empty (no codes)";
    case CodeShape::single_one_bit: return "a single one-bit code";
    case CodeShape::incomplete: return "incomplete (unused codes left)";
    case CodeShape::oversubscribed: return "over-subscribed (more codes than lengths allow)";
  }
  return "invalid";
}

template <unsigned FastBits, size_t MaxSymbols>
CodeShape HuffmanTable<FastBits, MaxSymbols>::build(std::span<const uint8_t> lengths) noexcept {
  count_.fill(0);
  for (uint8_t len : lengths) {
    if (len > kMaxCodeBits) return CodeShape::oversubscribed;  // callers never pass one
    ++count_[len];
  }
  count_[0] = 0;
  fast_.fill(0);
  unsigned used = 0;
  for (unsigned len = 1; len <= kMaxCodeBits; ++len) used += count_[len];
  if (used == 0) return CodeShape::empty;  // every lookup finds nothing
  // `left` = codes still unassigned at the current length; below zero, more codes are claimed
  // than the length allows (the code would be ambiguous).
  int32_t left = 1;
  for (unsigned len = 1; len <= kMaxCodeBits; ++len) {
    left = left * 2 - count_[len];
    if (left < 0) return CodeShape::oversubscribed;
  }
  // Canonical codes: each length's codes follow the shorter lengths' codes, in symbol order.
  std::array<uint32_t, kMaxCodeBits + 1> next{};
  uint32_t code = 0;
  for (unsigned len = 1; len <= kMaxCodeBits; ++len) {
    code = (code + count_[len - 1]) << 1;
    next[len] = code;
    first_code_[len] = static_cast<uint16_t>(code);
  }
  std::array<uint16_t, kMaxCodeBits + 1> slot{};
  uint16_t at = 0;
  for (unsigned len = FastBits + 1; len <= kMaxCodeBits; ++len) {
    long_start_[len] = slot[len] = at;
    at = static_cast<uint16_t>(at + count_[len]);
  }
  for (size_t sym = 0; sym < lengths.size(); ++sym) {
    unsigned len = lengths[sym];
    if (len == 0) continue;
    uint32_t c = next[len]++;
    if (len > FastBits) {
      long_[slot[len]++] = static_cast<uint16_t>(sym);
      continue;
    }
    // Every index whose first `len` bits (in stream order) are this code.
    auto entry = static_cast<uint16_t>((sym << kSymbolShift) | len);
    for (size_t i = reverse_bits(c, len); i < kFastSize; i += size_t{1} << len) fast_[i] = entry;
  }
  if (left == 0) return CodeShape::complete;
  if (used == 1 && count_[1] == 1) return CodeShape::single_one_bit;
  return CodeShape::incomplete;
}

template <unsigned FastBits, size_t MaxSymbols>
bool HuffmanTable<FastBits, MaxSymbols>::decode_long(uint32_t bits, unsigned& length,
                                                     int& symbol) const noexcept {
  uint32_t code = reverse_bits(bits, kMaxCodeBits);  // first bit highest
  for (unsigned len = FastBits + 1; len <= kMaxCodeBits; ++len) {
    // Unsigned: a prefix below the length's first code wraps to a large offset.
    uint32_t offset = (code >> (kMaxCodeBits - len)) - first_code_[len];
    if (offset < count_[len]) {
      length = len;
      symbol = long_[long_start_[len] + offset];
      return true;
    }
  }
  return false;
}

template class HuffmanTable<9, 288>;
template class HuffmanTable<8, 32>;
template class HuffmanTable<7, 19>;

}  // namespace tensorio::zip
