#include "zip/deflate_prefix.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/endian.hpp"
#include "zip/deflate_bit_reader.hpp"
#include "zip/huffman_table.hpp"

namespace tensorio::zip {

namespace {

// A dynamic block declares at most 286 literal/length and 30 distance codes (the fixed code's
// symbols 286, 287, 30 and 31 take part in the code but may never appear).
constexpr size_t kMaxDynamicLitLen = 286;
constexpr size_t kMaxDynamicDist = 30;
constexpr size_t kCodeLengthSymbols = 19;
constexpr int kEndOfBlock = 256;

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

// RFC 1951 3.2.6. Built once per process (thread-safe static initialisation).
const LitLenTable& fixed_litlen() {
  static const LitLenTable table = [] {
    std::array<uint8_t, 288> len{};
    std::fill(len.begin(), len.begin() + 144, uint8_t{8});
    std::fill(len.begin() + 144, len.begin() + 256, uint8_t{9});
    std::fill(len.begin() + 256, len.begin() + 280, uint8_t{7});
    std::fill(len.begin() + 280, len.end(), uint8_t{8});
    LitLenTable t;
    t.build(len);
    return t;
  }();
  return table;
}

const DistanceTable& fixed_dist() {
  static const DistanceTable table = [] {
    std::array<uint8_t, 32> len{};
    len.fill(5);  // 30 and 31 are part of the code but invalid: rejected when decoded
    DistanceTable t;
    t.build(len);
    return t;
  }();
  return table;
}

bool acceptable(CodeShape shape, bool may_be_empty) {
  return shape == CodeShape::complete || shape == CodeShape::single_one_bit ||
         (may_be_empty && shape == CodeShape::empty);
}

// Decodes into a caller's buffer. The hot loops (Huffman symbols, code lengths) work on local
// copies of the bit reader and the output position: the bytes they write could alias any
// member, and the compiler would reload the reader's state after every one of them.
class PrefixInflater {
 public:
  PrefixInflater(std::span<const std::byte> in, std::span<std::byte> out,
                 const DeflateSource& src) noexcept
      : in_(in, src), out_(out.data()), limit_(out.size()), src_(src) {}

  PrefixProgress run() {
    PrefixProgress progress;
    bool final_block = false;
    bool block_done = true;
    while (!final_block && size_ < limit_) {
      final_block = in_.bits(1) != 0;
      uint32_t type = in_.bits(2);
      if (type == 3) {
        fail(in_.byte_position(),
             "expected block type 0 (stored), 1 (fixed) or 2 (dynamic), found 3 (reserved)");
      }
      ++progress.blocks_by_type[type];
      if (type == 0) {
        block_done = stored_block();
      } else if (type == 1) {
        block_done = huffman_block(fixed_litlen(), fixed_dist());
      } else {
        block_done = dynamic_block();
      }
    }
    progress.produced = size_;
    progress.stream_ended = final_block && block_done;
    return progress;
  }

 private:
  [[noreturn]] void fail(size_t byte_pos, const std::string& detail) const {
    fail_deflate(src_, byte_pos, detail);
  }

  // Returns true when the block's end was reached, false when the limit stopped it first.
  bool stored_block() {
    in_.align_to_byte();
    auto header = in_.bytes(4, "stored block LEN and NLEN");
    uint16_t len = load_le<uint16_t>(header.data());
    uint16_t nlen = load_le<uint16_t>(header.data() + 2);
    if (static_cast<uint16_t>(~len) != nlen) {
      fail(in_.byte_position() - 2, "expected stored block NLEN " +
                                        std::to_string(static_cast<uint16_t>(~len)) +
                                        " (ones' complement of LEN " + std::to_string(len) +
                                        "), found " + std::to_string(nlen));
    }
    size_t take = std::min<size_t>(len, limit_ - size_);
    auto data = in_.bytes(take, "stored block data");
    if (take > 0) std::memcpy(out_ + size_, data.data(), take);
    size_ += take;
    return take == len;
  }

  bool huffman_block(const LitLenTable& litlen, const DistanceTable& dist) {
    DeflateBitReader in = in_;
    std::byte* const out = out_;
    const size_t limit = limit_;
    size_t size = size_;
    bool ended = false;
    while (size < limit) {
      // Errors are reported at the start of the symbol; the position is worked out from a copy
      // of the reader only when one is raised.
      const DeflateBitReader at = in;
      int sym = litlen.decode(in);
      if (sym < kEndOfBlock) [[likely]] {
        if (sym < 0) {
          fail(at.byte_position(), "expected a literal/length code, found bits that match none");
        }
        out[size++] = static_cast<std::byte>(sym);
        continue;
      }
      if (sym == kEndOfBlock) {
        ended = true;
        break;
      }
      if (sym > 285) {
        fail(at.byte_position(), "expected a length symbol 257..285, found " + std::to_string(sym));
      }
      size_t length = kLengthBase[sym - 257] + in.bits(kLengthExtra[sym - 257]);
      const DeflateBitReader at_distance = in;
      int dsym = dist.decode(in);
      if (dsym < 0) {
        fail(at_distance.byte_position(), "expected a distance code, found bits that match none");
      }
      if (dsym > 29) {
        fail(at_distance.byte_position(),
             "expected a distance symbol 0..29, found " + std::to_string(dsym));
      }
      size_t distance = kDistBase[dsym] + in.bits(kDistExtra[dsym]);
      if (distance > size) {
        fail(at_distance.byte_position(),
             "expected a match distance of at most " + std::to_string(size) +
                 " (the bytes produced so far), found " + std::to_string(distance));
      }
      // Byte by byte on purpose: a distance shorter than the length repeats the bytes being
      // produced (RFC 1951 3.2.3), so a block copy of the source would be wrong.
      size_t end = size + std::min(length, limit - size);
      for (; size < end; ++size) out[size] = out[size - distance];
    }
    in_ = in;
    size_ = size;
    return ended;
  }

  bool dynamic_block() {
    size_t at = in_.byte_position();
    size_t nlit = in_.bits(5) + 257;
    size_t ndist = in_.bits(5) + 1;
    size_t nclen = in_.bits(4) + 4;
    if (nlit > kMaxDynamicLitLen || ndist > kMaxDynamicDist) {
      fail(at, "expected at most " + std::to_string(kMaxDynamicLitLen) + " literal/length and " +
                   std::to_string(kMaxDynamicDist) + " distance codes, found " +
                   std::to_string(nlit) + " and " + std::to_string(ndist));
    }
    std::array<uint8_t, kCodeLengthSymbols> clen{};
    for (size_t i = 0; i < nclen; ++i)
      clen[kCodeLengthOrder[i]] = static_cast<uint8_t>(in_.bits(3));
    CodeLengthTable clcode;
    // The code-length code must be complete: a real encoder has no reason to leave codes unused,
    // and zlib (the reference reader of npz files) refuses it too.
    if (CodeShape s = clcode.build(clen); s != CodeShape::complete) {
      fail(at,
           std::string("expected a complete code-length code, found one ") + code_shape_name(s));
    }

    // Literal/length and distance lengths form one sequence; a repeat may cross between them.
    // Only the first `total` are ever read, and all of them are written first.
    std::array<uint8_t, kMaxDynamicLitLen + kMaxDynamicDist> lengths;
    const size_t total = nlit + ndist;
    size_t n = 0;
    DeflateBitReader in = in_;
    DeflateBitReader last = in;  // where the last code-length code starts: errors point there
    while (n < total) {
      last = in;
      int sym = clcode.decode(in);
      if (sym < 16) [[likely]] {
        if (sym < 0) {
          fail(last.byte_position(), "expected a code-length code, found bits that match none");
        }
        lengths[n++] = static_cast<uint8_t>(sym);
        continue;
      }
      uint8_t value = 0;
      size_t repeat = 0;
      if (sym == 16) {
        if (n == 0) {
          fail(last.byte_position(),
               "expected a previous code length for code 16 to repeat, found none");
        }
        value = lengths[n - 1];
        repeat = 3 + in.bits(2);
      } else if (sym == 17) {
        repeat = 3 + in.bits(3);
      } else {
        repeat = 11 + in.bits(7);
      }
      if (repeat > total - n) {
        fail(last.byte_position(), "expected code-length repeats to stop at " +
                                       std::to_string(total) + " lengths, found " +
                                       std::to_string(repeat) + " more after " + std::to_string(n));
      }
      std::memset(lengths.data() + n, value, repeat);
      n += repeat;
    }
    in_ = in;
    at = last.byte_position();

    if (lengths[kEndOfBlock] == 0) {
      fail(at, "expected a code for end-of-block (symbol 256), found length 0");
    }
    LitLenTable litlen;
    if (CodeShape s = litlen.build({lengths.data(), nlit}); !acceptable(s, false)) {
      fail(at,
           std::string("expected a complete literal/length code, found one ") + code_shape_name(s));
    }
    DistanceTable dist;
    if (CodeShape s = dist.build({lengths.data() + nlit, ndist}); !acceptable(s, true)) {
      fail(at, std::string("expected a complete distance code, found one ") + code_shape_name(s));
    }
    return huffman_block(litlen, dist);
  }

  DeflateBitReader in_;
  std::byte* out_;
  size_t limit_;
  size_t size_ = 0;
  const DeflateSource& src_;
};

}  // namespace

PrefixProgress inflate_prefix_into(std::span<const std::byte> compressed, std::span<std::byte> out,
                                   const DeflateSource& source) {
  return PrefixInflater(compressed, out, source).run();
}

InflatedPrefix inflate_prefix(std::span<const std::byte> compressed, size_t limit,
                              const DeflateSource& source) {
  // The caller's limit bounds the buffer; nothing the stream claims does. The buffer starts
  // modest and doubles, decoding again each time, while the stream fills it: a generous
  // limit on a short stream costs nothing, and the decoding done twice is at most the output.
  InflatedPrefix result;
  size_t capacity = std::min<size_t>(limit, 64 * 1024);
  while (true) {
    result.bytes.resize(capacity);
    PrefixProgress p = inflate_prefix_into(compressed, result.bytes, source);
    if (p.produced < capacity || capacity == limit || p.stream_ended) {
      result.bytes.resize(p.produced);
      result.stream_ended = p.stream_ended;
      result.blocks_by_type = p.blocks_by_type;
      return result;
    }
    capacity = limit - capacity > capacity ? capacity * 2 : limit;
  }
}

}  // namespace tensorio::zip
