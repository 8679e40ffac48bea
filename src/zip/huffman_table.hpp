// A canonical Huffman code (RFC 1951 3.2.2) as a decoding table.
//
// Decoding looks the next FastBits bits up in a table that holds, for every code of at most
// FastBits bits, its symbol and length at every index that starts with it (bits in stream
// order). A code longer than that (rare: only rare symbols get long codes) is found by the
// canonical rule instead: within one length the codes are consecutive numbers, so the next
// L bits are a code of length L exactly when they lie in [first code of length L, first +
// count of length L). FastBits trades the cost of filling the table, paid for every dynamic
// block, against how often decoding takes the slower path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "zip/deflate_bit_reader.hpp"

namespace tensorio::zip {

// RFC 1951 3.2.7: Huffman code lengths are 0 (unused) to 15.
inline constexpr unsigned kMaxCodeBits = 15;

// What a set of code lengths describes. RFC 1951 only defines complete prefix codes; the zip
// tools that produce and read npz files also accept the two degenerate cases the RFC itself
// mentions for distances: no code at all, and a single code of one bit.
enum class CodeShape { complete, empty, single_one_bit, incomplete, oversubscribed };

// "complete", "over-subscribed (...)", ...: for error messages.
const char* code_shape_name(CodeShape shape) noexcept;

template <unsigned FastBits, size_t MaxSymbols>
class HuffmanTable {
  static_assert(FastBits >= 1 && FastBits <= 9, "codes in the fast table are at most 9 bits");
  static_assert(MaxSymbols < 4096, "a table entry holds the symbol in 12 bits");

 public:
  static constexpr int kNoCode = -1;

  // Builds the table for `lengths` (at most MaxSymbols of them, symbol = index) and returns
  // what kind of code they form. An over-subscribed code leaves the table unusable; every
  // other shape decodes (bits that match no code give kNoCode).
  CodeShape build(std::span<const uint8_t> lengths) noexcept;

  // Decodes and consumes the next symbol. Returns kNoCode, consuming nothing, when the next 15
  // bits match no code (only possible for a code that is not complete); Error (truncated)
  // when the code runs past the end of the input.
  int decode(DeflateBitReader& in) const {
    in.ensure(kMaxCodeBits);
    uint32_t bits = in.peek(kMaxCodeBits);
    uint32_t entry = fast_[bits & (kFastSize - 1)];
    if (entry == 0) [[unlikely]] {
      entry = decode_long(bits);
      if (entry == 0) {
        // No code of up to 15 bits starts with these bits; when fewer than 15 remain, a
        // longer stream might still have held one.
        if (in.available() < kMaxCodeBits) in.fail_truncated();
        return kNoCode;
      }
    }
    unsigned length = entry & kLengthMask;
    if (length > in.available()) [[unlikely]]
      in.fail_truncated();
    in.consume(length);
    return static_cast<int>(entry >> kSymbolShift);
  }

 private:
  static constexpr size_t kFastSize = size_t{1} << FastBits;
  static constexpr unsigned kSymbolShift = 4;
  static constexpr uint16_t kLengthMask = (1u << kSymbolShift) - 1;

  // The code of more than FastBits bits at the start of `bits` (stream order), as a fast_
  // entry (symbol << 4 | length); 0 when there is none.
  uint32_t decode_long(uint32_t bits) const noexcept;

  // symbol << 4 | length for every index whose first bits are a code of <= FastBits bits; 0
  // where none is (a longer code starts there, or no code). Left uninitialised until build(),
  // which writes every entry: a dynamic block's tables are made on the stack for each block.
  std::array<uint16_t, kFastSize> fast_;
  // The canonical form of the code, by length (decode_long uses the lengths above FastBits).
  std::array<uint16_t, kMaxCodeBits + 1> count_{};       // codes of each length
  std::array<uint16_t, kMaxCodeBits + 1> first_code_{};  // the first, most significant bit first
  std::array<uint16_t, kMaxCodeBits + 1> long_start_{};  // where its symbols start in long_
  std::array<uint16_t, MaxSymbols> long_;                // the symbols, in code order
};

// The codes of RFC 1951: literal/length (up to 288 symbols), distance (32 in the fixed code),
// and the code-length code (19, at most 7 bits each: always found by the first lookup).
using LitLenTable = HuffmanTable<9, 288>;
using DistanceTable = HuffmanTable<8, 32>;
using CodeLengthTable = HuffmanTable<7, 19>;

extern template class HuffmanTable<9, 288>;
extern template class HuffmanTable<8, 32>;
extern template class HuffmanTable<7, 19>;

}  // namespace tensorio::zip
