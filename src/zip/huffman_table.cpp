#include "zip/huffman_table.hpp"

#include <algorithm>
#include <cstring>

namespace tensorio::zip {

namespace {

// Huffman codes are defined most significant bit first but arrive least significant bit first
// (RFC 1951 3.1.1): a code's table index is its bits reversed.
constexpr unsigned kReversedBits = 9;
constexpr std::array<uint16_t, 1u << kReversedBits> kReversed = [] {
  std::array<uint16_t, 1u << kReversedBits> r{};
  for (unsigned v = 0; v < r.size(); ++v) {
    unsigned out = 0;
    for (unsigned i = 0; i < kReversedBits; ++i) out |= ((v >> i) & 1u) << (kReversedBits - 1 - i);
    r[v] = static_cast<uint16_t>(out);
  }
  return r;
}();

// The low `n` (1..9) bits of `v` (< 2^n) in reverse order.
uint32_t reverse_short(uint32_t v, unsigned n) noexcept {
  return uint32_t{kReversed[v]} >> (kReversedBits - n);
}

// The low 15 bits of `v` in reverse order.
uint32_t reverse15(uint32_t v) noexcept {
  uint32_t low = kReversed[v & 0x1FF];         // bits 0..8, reversed
  uint32_t high = kReversed[(v >> 9) & 0x3F];  // bits 9..14, reversed into the 9-bit field
  return (low << 6) | (high >> 3);
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
  // Counting and sorting keep one counter per length; with runs of equal lengths (the norm)
  // each update would wait for the previous one's store. So the symbols are taken as four
  // contiguous quarters, each with counters of its own, updated side by side: four
  // independent chains. The last quarter also takes the n % 4 symbols past the others.
  const size_t n = lengths.size();
  const size_t quarter = n / 4;
  const uint8_t* len_of = lengths.data();
  std::array<std::array<uint16_t, kMaxCodeBits + 1>, 4> part{};
  uint8_t seen = 0;
  for (size_t k = 0; k < quarter; ++k) {
    uint8_t a = len_of[k], b = len_of[quarter + k], c = len_of[2 * quarter + k],
            d = len_of[3 * quarter + k];
    seen |= a | b | c | d;
    ++part[0][a & kMaxCodeBits];
    ++part[1][b & kMaxCodeBits];
    ++part[2][c & kMaxCodeBits];
    ++part[3][d & kMaxCodeBits];
  }
  for (size_t k = 4 * quarter; k < n; ++k) {
    seen |= len_of[k];
    ++part[3][len_of[k] & kMaxCodeBits];
  }
  if (seen > kMaxCodeBits) return CodeShape::oversubscribed;  // callers never pass one
  unsigned used = 0;
  for (unsigned len = 0; len <= kMaxCodeBits; ++len) {
    count_[len] = static_cast<uint16_t>(part[0][len] + part[1][len] + part[2][len] + part[3][len]);
    if (len > 0) used += count_[len];
  }
  fast_[0] = fast_[1] = 0;
  if (used == 0) {  // every lookup finds nothing
    fast_.fill(0);
    count_.fill(0);
    return CodeShape::empty;
  }
  // `left` = codes still unassigned at the current length; below zero, more codes are claimed
  // than the length allows (the code would be ambiguous).
  int32_t left = 1;
  for (unsigned len = 1; len <= kMaxCodeBits; ++len) {
    left = left * 2 - count_[len];
    if (left < 0) return CodeShape::oversubscribed;
  }
  // The symbols sorted by code: by length, then by symbol (RFC 1951 3.2.2). long_start_[len]
  // is where each length's symbols start (unused lengths, 0 among them, come first); within
  // a length, each quarter's symbols follow the previous quarter's.
  long_start_[0] = 0;
  for (unsigned len = 1; len <= kMaxCodeBits; ++len)
    long_start_[len] = static_cast<uint16_t>(long_start_[len - 1] + count_[len - 1]);
  std::array<std::array<uint16_t, kMaxCodeBits + 1>, 4> slot{};
  for (unsigned len = 0; len <= kMaxCodeBits; ++len) {
    slot[0][len] = long_start_[len];
    for (unsigned q = 1; q < 4; ++q)
      slot[q][len] = static_cast<uint16_t>(slot[q - 1][len] + part[q - 1][len]);
  }
  for (size_t k = 0; k < quarter; ++k) {
    long_[slot[0][len_of[k]]++] = static_cast<uint16_t>(k);
    long_[slot[1][len_of[quarter + k]]++] = static_cast<uint16_t>(quarter + k);
    long_[slot[2][len_of[2 * quarter + k]]++] = static_cast<uint16_t>(2 * quarter + k);
    long_[slot[3][len_of[3 * quarter + k]]++] = static_cast<uint16_t>(3 * quarter + k);
  }
  for (size_t k = 4 * quarter; k < n; ++k) long_[slot[3][len_of[k]]++] = static_cast<uint16_t>(k);
  // Canonical codes: each length's codes follow the shorter lengths' codes, in symbol order.
  uint32_t code = 0;
  count_[0] = 0;
  for (unsigned len = 1; len <= kMaxCodeBits; ++len) {
    code = (code + count_[len - 1]) << 1;
    first_code_[len] = static_cast<uint16_t>(code);
  }
  // The fast table, one length at a time: before the codes of length `len` go in, the part
  // filled so far (indices of len - 1 bits) is copied above itself, so that every shorter
  // code also sits at the indices whose extra bit is 1. One store per code and one copy per
  // length, where filling each code's 2^(FastBits - len) indices would cost a loop per code.
  uint16_t* const fast = fast_.data();  // a local: the stores below could alias the counts
  for (unsigned len = 1; len <= FastBits; ++len) {
    size_t half = size_t{1} << (len - 1);
    if (half >= 8) {  // whole 16-byte blocks: copied as vectors, not as a string move
      for (size_t k = 0; k < half; k += 8) std::memcpy(fast + half + k, fast + k, 16);
    } else if (len > 1) {
      for (size_t k = 0; k < half; ++k) fast[half + k] = fast[k];
    }
    const uint16_t* sym = long_.data() + long_start_[len];
    const uint32_t first = first_code_[len];
    const uint32_t codes = count_[len];
    for (uint32_t k = 0; k < codes; ++k) {
      fast[reverse_short(first + k, len)] = static_cast<uint16_t>((sym[k] << kSymbolShift) | len);
    }
  }
  if (left == 0) return CodeShape::complete;
  if (used == 1 && count_[1] == 1) return CodeShape::single_one_bit;
  return CodeShape::incomplete;
}

template <unsigned FastBits, size_t MaxSymbols>
uint32_t HuffmanTable<FastBits, MaxSymbols>::decode_long(uint32_t bits) const noexcept {
  uint32_t code = reverse15(bits);  // first bit highest
  for (unsigned len = FastBits + 1; len <= kMaxCodeBits; ++len) {
    // Unsigned: a prefix below the length's first code wraps to a large offset.
    uint32_t offset = (code >> (kMaxCodeBits - len)) - first_code_[len];
    if (offset < count_[len]) {
      return (uint32_t{long_[long_start_[len] + offset]} << kSymbolShift) | len;
    }
  }
  return 0;
}

template class HuffmanTable<9, 288>;
template class HuffmanTable<8, 32>;
template class HuffmanTable<7, 19>;

}  // namespace tensorio::zip
