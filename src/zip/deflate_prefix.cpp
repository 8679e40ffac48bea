#include "zip/deflate_prefix.hpp"

#include <algorithm>
#include <string>

#include "core/endian.hpp"
#include "tensorio/error.hpp"

namespace tensorio::zip {

namespace {

// RFC 1951 3.2.7: Huffman code lengths are 0 (unused) to 15.
constexpr unsigned kMaxCodeBits = 15;
// The fixed literal/length code defines 288 symbols (286 and 287 take part in the code but may
// never appear); a dynamic block declares at most 286 literal/length and 30 distance codes.
constexpr size_t kMaxLitLenSymbols = 288;
constexpr size_t kMaxDynamicLitLen = 286;
constexpr size_t kMaxDynamicDist = 30;
constexpr size_t kCodeLengthSymbols = 19;
constexpr unsigned kEndOfBlock = 256;

// RFC 1951 3.2.5: lengths 3..258 for symbols 257..285 (base + extra bits).
constexpr uint16_t kLengthBase[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                      15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                      67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr uint8_t kLengthExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
// Distances 1..32768 for symbols 0..29.
constexpr uint16_t kDistBase[30] = {1,    2,    3,    4,    5,    7,    9,    13,    17,    25,
                                    33,   49,   65,   97,   129,  193,  257,  385,   513,   769,
                                    1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr uint8_t kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                    6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
// RFC 1951 3.2.7: the order in which code-length code lengths are sent (most likely first, so
// HCLEN can cut the rarely used tail).
constexpr uint8_t kCodeLengthOrder[kCodeLengthSymbols] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                          11, 4,  12, 3, 13, 2, 14, 1, 15};

[[noreturn]] void fail(const DeflateSource& src, size_t byte_pos, const std::string& detail) {
  throw Error(ErrorCode::bad_compressed_data, src.file, src.base_offset + byte_pos,
              src.label.empty() ? detail : src.label + ": " + detail);
}

// Reads the stream least significant bit first (RFC 1951 3.1.1). Bytes are pulled in only when
// a read needs them, so between reads fewer than 8 bits are buffered and all of them belong to
// the byte just consumed: that makes byte alignment (stored blocks) a matter of dropping them.
class BitReader {
 public:
  BitReader(std::span<const std::byte> in, const DeflateSource& src) : in_(in), src_(src) {}

  // The next `n` (0..16) bits as a number, first bit lowest.
  uint32_t bits(unsigned n) {
    while (count_ < n) {
      if (pos_ == in_.size()) {
        fail(src_, pos_,
             "expected more compressed data, found the end of the input after " +
                 std::to_string(in_.size()) + " bytes (truncated stream)");
      }
      buffer_ |= uint32_t{static_cast<uint8_t>(in_[pos_++])} << count_;
      count_ += 8;
    }
    uint32_t v = buffer_ & ((uint32_t{1} << n) - 1);
    buffer_ >>= n;
    count_ -= n;
    return v;
  }

  void align_to_byte() noexcept {
    buffer_ = 0;
    count_ = 0;
  }

  // `n` whole bytes; only valid after align_to_byte().
  std::span<const std::byte> bytes(size_t n, const char* what) {
    if (n > in_.size() - pos_) {
      fail(src_, pos_,
           std::string("expected ") + std::to_string(n) + " bytes of " + what + ", found " +
               std::to_string(in_.size() - pos_) + " before the end of the input");
    }
    auto out = in_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  // The byte holding the next unread bit: where an error is reported.
  size_t byte_position() const noexcept { return pos_ - (count_ + 7) / 8; }

 private:
  std::span<const std::byte> in_;
  const DeflateSource& src_;
  size_t pos_ = 0;
  uint32_t buffer_ = 0;
  unsigned count_ = 0;
};

// What a set of code lengths describes. RFC 1951 only defines complete prefix codes; like the
// zip tools that produce and read npz files, we also accept the two degenerate cases the RFC
// itself mentions for distances: no code at all, and a single code of one bit.
enum class CodeShape { complete, empty, single_one_bit, incomplete, oversubscribed };

// A canonical Huffman code (RFC 1951 3.2.2), stored as the number of codes of each length plus
// the symbols sorted by code. Decoding walks one bit at a time: within one length, canonical
// codes are consecutive numbers, so a code of length L is valid iff it lies in
// [first code of length L, first + count[L]).
class HuffmanCode {
 public:
  CodeShape build(std::span<const uint8_t> lengths) {
    count_.fill(0);
    for (uint8_t len : lengths) {
      if (len > kMaxCodeBits) return CodeShape::oversubscribed;  // callers never pass one
      ++count_[len];
    }
    count_[0] = 0;
    size_t used = lengths.size() - std::count(lengths.begin(), lengths.end(), uint8_t{0});
    if (used == 0) return CodeShape::empty;
    // `left` = codes still unassigned at the current length; below zero, more codes are claimed
    // than the length allows (the code would be ambiguous).
    int32_t left = 1;
    for (unsigned len = 1; len <= kMaxCodeBits; ++len) {
      left = left * 2 - count_[len];
      if (left < 0) return CodeShape::oversubscribed;
    }
    std::array<uint16_t, kMaxCodeBits + 2> offset{};
    for (unsigned len = 1; len <= kMaxCodeBits; ++len) offset[len + 1] = offset[len] + count_[len];
    for (size_t sym = 0; sym < lengths.size(); ++sym) {
      if (lengths[sym] != 0) symbols_[offset[lengths[sym]]++] = static_cast<uint16_t>(sym);
    }
    if (left == 0) return CodeShape::complete;
    if (used == 1 && count_[1] == 1) return CodeShape::single_one_bit;
    return CodeShape::incomplete;
  }

  // The next symbol, or -1 when the bits match no code (possible only for a code that is not
  // complete, or an empty one).
  int decode(BitReader& in) const {
    int32_t code = 0;   // the bits read so far, first bit highest (Huffman codes are MSB-first)
    int32_t first = 0;  // the first code of the current length
    int32_t index = 0;  // where that length's symbols start in symbols_
    for (unsigned len = 1; len <= kMaxCodeBits; ++len) {
      code |= static_cast<int32_t>(in.bits(1));
      int32_t count = count_[len];
      if (code >= first && code - first < count) return symbols_[index + (code - first)];
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    return -1;
  }

 private:
  std::array<uint16_t, kMaxCodeBits + 1> count_{};
  std::array<uint16_t, kMaxLitLenSymbols> symbols_{};
};

bool acceptable(CodeShape shape, bool may_be_empty) {
  return shape == CodeShape::complete || shape == CodeShape::single_one_bit ||
         (may_be_empty && shape == CodeShape::empty);
}

const char* shape_name(CodeShape shape) {
  switch (shape) {
    case CodeShape::complete: return "complete";
    case CodeShape::empty: return "empty (no codes)";
    case CodeShape::single_one_bit: return "a single one-bit code";
    case CodeShape::incomplete: return "incomplete (unused codes left)";
    case CodeShape::oversubscribed: return "over-subscribed (more codes than lengths allow)";
  }
  return "invalid";
}

class PrefixInflater {
 public:
  PrefixInflater(std::span<const std::byte> in, size_t limit, const DeflateSource& src)
      : in_(in, src), src_(src), limit_(limit) {
    // The caller's limit bounds the buffer; nothing the stream claims does. Reserve only a
    // modest start so a generous limit on a short stream costs nothing.
    result_.bytes.reserve(std::min<size_t>(limit, 64 * 1024));
  }

  InflatedPrefix run() {
    bool final_block = false;
    bool block_done = true;
    while (!final_block && !full()) {
      final_block = in_.bits(1) != 0;
      uint32_t type = in_.bits(2);
      if (type == 3) {
        fail(src_, in_.byte_position(),
             "expected block type 0 (stored), 1 (fixed) or 2 (dynamic), found 3 (reserved)");
      }
      ++result_.blocks_by_type[type];
      if (type == 0) {
        block_done = stored_block();
      } else if (type == 1) {
        block_done = huffman_block(fixed_litlen(), fixed_dist());
      } else {
        block_done = dynamic_block();
      }
    }
    result_.stream_ended = final_block && block_done;
    return std::move(result_);
  }

 private:
  bool full() const noexcept { return result_.bytes.size() >= limit_; }
  size_t room() const noexcept { return limit_ - result_.bytes.size(); }

  // Returns true when the block's end was reached, false when the limit stopped it first.
  bool stored_block() {
    in_.align_to_byte();
    auto header = in_.bytes(4, "stored block LEN and NLEN");
    uint16_t len = load_le<uint16_t>(header.data());
    uint16_t nlen = load_le<uint16_t>(header.data() + 2);
    if (static_cast<uint16_t>(~len) != nlen) {
      fail(src_, in_.byte_position() - 2,
           "expected stored block NLEN " + std::to_string(static_cast<uint16_t>(~len)) +
               " (ones' complement of LEN " + std::to_string(len) + "), found " +
               std::to_string(nlen));
    }
    size_t take = std::min<size_t>(len, room());
    auto data = in_.bytes(take, "stored block data");
    result_.bytes.insert(result_.bytes.end(), data.begin(), data.end());
    return take == len;
  }

  bool huffman_block(const HuffmanCode& litlen, const HuffmanCode& dist) {
    auto& out = result_.bytes;
    while (!full()) {
      size_t at = in_.byte_position();
      int sym = litlen.decode(in_);
      if (sym < 0) fail(src_, at, "expected a literal/length code, found bits that match none");
      if (sym < 256) {
        out.push_back(static_cast<std::byte>(sym));
        continue;
      }
      if (sym == static_cast<int>(kEndOfBlock)) return true;
      if (sym > 285) {
        fail(src_, at, "expected a length symbol 257..285, found " + std::to_string(sym));
      }
      size_t length = kLengthBase[sym - 257] + in_.bits(kLengthExtra[sym - 257]);
      at = in_.byte_position();
      int dsym = dist.decode(in_);
      if (dsym < 0) fail(src_, at, "expected a distance code, found bits that match none");
      if (dsym > 29) {
        fail(src_, at, "expected a distance symbol 0..29, found " + std::to_string(dsym));
      }
      size_t distance = kDistBase[dsym] + in_.bits(kDistExtra[dsym]);
      if (distance > out.size()) {
        fail(src_, at,
             "expected a match distance of at most " + std::to_string(out.size()) +
                 " (the bytes produced so far), found " + std::to_string(distance));
      }
      // Byte by byte on purpose: a distance shorter than the length repeats the bytes being
      // produced (RFC 1951 3.2.3), so a block copy of the source would be wrong.
      size_t from = out.size() - distance;
      size_t copy = std::min(length, room());
      for (size_t i = 0; i < copy; ++i) {
        std::byte b = out[from + i];  // copied first: push_back may reallocate
        out.push_back(b);
      }
    }
    return false;
  }

  bool dynamic_block() {
    size_t at = in_.byte_position();
    size_t nlit = in_.bits(5) + 257;
    size_t ndist = in_.bits(5) + 1;
    size_t nclen = in_.bits(4) + 4;
    if (nlit > kMaxDynamicLitLen || ndist > kMaxDynamicDist) {
      fail(src_, at,
           "expected at most " + std::to_string(kMaxDynamicLitLen) + " literal/length and " +
               std::to_string(kMaxDynamicDist) + " distance codes, found " + std::to_string(nlit) +
               " and " + std::to_string(ndist));
    }
    std::array<uint8_t, kCodeLengthSymbols> clen{};
    for (size_t i = 0; i < nclen; ++i)
      clen[kCodeLengthOrder[i]] = static_cast<uint8_t>(in_.bits(3));
    HuffmanCode clcode;
    // The code-length code must be complete: a real encoder has no reason to leave codes unused,
    // and zlib (the reference reader of npz files) refuses it too.
    if (CodeShape s = clcode.build(clen); s != CodeShape::complete) {
      fail(src_, at,
           std::string("expected a complete code-length code, found one ") + shape_name(s));
    }

    // Literal/length and distance lengths form one sequence; a repeat may cross between them.
    std::array<uint8_t, kMaxDynamicLitLen + kMaxDynamicDist> lengths{};
    const size_t total = nlit + ndist;
    size_t n = 0;
    while (n < total) {
      at = in_.byte_position();
      int sym = clcode.decode(in_);
      if (sym < 0) fail(src_, at, "expected a code-length code, found bits that match none");
      if (sym < 16) {
        lengths[n++] = static_cast<uint8_t>(sym);
        continue;
      }
      uint8_t value = 0;
      size_t repeat = 0;
      if (sym == 16) {
        if (n == 0) {
          fail(src_, at, "expected a previous code length for code 16 to repeat, found none");
        }
        value = lengths[n - 1];
        repeat = 3 + in_.bits(2);
      } else if (sym == 17) {
        repeat = 3 + in_.bits(3);
      } else {
        repeat = 11 + in_.bits(7);
      }
      if (repeat > total - n) {
        fail(src_, at,
             "expected code-length repeats to stop at " + std::to_string(total) +
                 " lengths, found " + std::to_string(repeat) + " more after " + std::to_string(n));
      }
      std::fill_n(lengths.begin() + n, repeat, value);
      n += repeat;
    }

    if (lengths[kEndOfBlock] == 0) {
      fail(src_, at, "expected a code for end-of-block (symbol 256), found length 0");
    }
    HuffmanCode litlen;
    if (CodeShape s = litlen.build({lengths.data(), nlit}); !acceptable(s, false)) {
      fail(src_, at,
           std::string("expected a complete literal/length code, found one ") + shape_name(s));
    }
    HuffmanCode dist;
    if (CodeShape s = dist.build({lengths.data() + nlit, ndist}); !acceptable(s, true)) {
      fail(src_, at, std::string("expected a complete distance code, found one ") + shape_name(s));
    }
    return huffman_block(litlen, dist);
  }

  // RFC 1951 3.2.6. Built once per process (thread-safe static initialisation).
  static const HuffmanCode& fixed_litlen() {
    static const HuffmanCode code = [] {
      std::array<uint8_t, kMaxLitLenSymbols> len{};
      std::fill(len.begin(), len.begin() + 144, uint8_t{8});
      std::fill(len.begin() + 144, len.begin() + 256, uint8_t{9});
      std::fill(len.begin() + 256, len.begin() + 280, uint8_t{7});
      std::fill(len.begin() + 280, len.end(), uint8_t{8});
      HuffmanCode c;
      c.build(len);
      return c;
    }();
    return code;
  }
  static const HuffmanCode& fixed_dist() {
    static const HuffmanCode code = [] {
      std::array<uint8_t, 32> len{};
      len.fill(5);  // 30 and 31 are part of the code but invalid: rejected when decoded
      HuffmanCode c;
      c.build(len);
      return c;
    }();
    return code;
  }

  BitReader in_;
  const DeflateSource& src_;
  size_t limit_;
  InflatedPrefix result_;
};

}  // namespace

InflatedPrefix inflate_prefix(std::span<const std::byte> compressed, size_t limit,
                              const DeflateSource& source) {
  return PrefixInflater(compressed, limit, source).run();
}

}  // namespace tensorio::zip
