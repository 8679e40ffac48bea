// The bit stream of a raw DEFLATE stream (RFC 1951 3.1.1: least significant bit first), read
// from a span it never reads past.
//
// Whole bytes are loaded into a 64-bit buffer up to eight at a time, so that a Huffman symbol,
// its extra bits and the distance that follows cost one refill instead of one load per bit.
// Bits above the ones loaded are always zero: a decoder may look at more bits than remain
// (a code near the end of the input) and must then check, through available(), that the code
// it found lies within the bits that exist before consuming it.
//
// A reader is a small value: hot loops copy it into a local and write it back when they are
// done, so that the compiler keeps its state in registers (through a member, every byte the
// decoder writes could alias it and would force a reload).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "core/endian.hpp"
#include "zip/deflate_source.hpp"

namespace tensorio::zip {

class DeflateBitReader {
 public:
  // The most bits a caller may ask to have buffered (ensure()): a refill tops up to 56 or more.
  static constexpr unsigned kMaxEnsure = 56;

  DeflateBitReader(std::span<const std::byte> in, const DeflateSource& source) noexcept
      : data_(in.data()), size_(in.size()), source_(&source) {}

  // Buffers at least `n` (<= kMaxEnsure) bits, or every bit left in the input when fewer remain.
  void ensure(unsigned n) noexcept {
    if (count_ < n) refill();
  }

  // Bits buffered: after ensure(n), fewer than n only at the end of the input.
  unsigned available() const noexcept { return count_; }

  // The next `n` (<= 32) buffered bits, first bit lowest; zeros past the buffered ones.
  uint32_t peek(unsigned n) const noexcept {
    return static_cast<uint32_t>(buffer_ & ((uint64_t{1} << n) - 1));
  }

  // Drops `n` bits the caller saw through peek() and checked against available().
  void consume(unsigned n) noexcept {
    buffer_ >>= n;
    count_ -= n;
  }

  // The next `n` (0..32) bits as a number, first bit lowest; Error when the input ends first.
  uint32_t bits(unsigned n) {
    ensure(n);
    if (n > count_) fail_truncated();
    uint32_t v = peek(n);
    consume(n);
    return v;
  }

  // Skips to the next byte boundary and hands the buffered whole bytes back to the input, so
  // that bytes() continues right after the last bit consumed.
  void align_to_byte() noexcept {
    consume(count_ & 7);
    pos_ -= count_ >> 3;
    buffer_ = 0;
    count_ = 0;
  }

  // `n` whole bytes; only valid right after align_to_byte().
  std::span<const std::byte> bytes(size_t n, const char* what) {
    if (n > size_ - pos_) {
      fail_deflate(*source_, pos_,
                   std::string("expected ") + std::to_string(n) + " bytes of " + what + ", found " +
                       std::to_string(size_ - pos_) + " before the end of the input");
    }
    std::span<const std::byte> out(data_ + pos_, n);
    pos_ += n;
    return out;
  }

  // The byte holding the next unread bit: where an error is reported.
  size_t byte_position() const noexcept { return (pos_ * 8 - count_) / 8; }

  // Error: the stream needs bits past the end of the input. (Takes the reader's fields by
  // value, not the reader: a reader whose address escaped would live in memory.)
  [[noreturn]] void fail_truncated() const { fail_deflate_truncated(*source_, size_); }

 private:
  void refill() noexcept {
    if (size_ - pos_ >= 8) {
      // As many whole bytes as fit above the buffered bits; the word's other bytes are masked
      // off so that the bits above count_ stay zero.
      unsigned take = (63 - count_) >> 3;
      uint64_t word = load_le<uint64_t>(data_ + pos_);
      buffer_ |= (word & ((uint64_t{1} << (take * 8)) - 1)) << count_;
      pos_ += take;
      count_ += take * 8;
      return;
    }
    while (count_ < kMaxEnsure && pos_ < size_) {
      buffer_ |= uint64_t{static_cast<uint8_t>(data_[pos_++])} << count_;
      count_ += 8;
    }
  }

  const std::byte* data_;
  size_t size_;
  const DeflateSource* source_;
  size_t pos_ = 0;       // bytes moved into the buffer
  uint64_t buffer_ = 0;  // the next count_ bits of the stream, first bit lowest
  unsigned count_ = 0;   // at most 63: a refill stops before the buffer is full
};

}  // namespace tensorio::zip
