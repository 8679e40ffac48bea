// The bounded DEFLATE prefix decoder (src/zip/deflate_prefix.hpp) and its Huffman tables
// (src/zip/huffman_table.hpp): every prefix of a stream libdeflate wrote must equal the start
// of libdeflate's own full decompression, and malformed streams (hand-built bit by bit,
// mutated, random or cut short) must end in tensorio::Error, never a crash or a read past the
// input.
#include "zip/deflate_prefix.hpp"

#include <gtest/gtest.h>
#include <libdeflate.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "support/guarded_input.hpp"
#include "tensorio/error.hpp"
#include "zip/deflate_bit_reader.hpp"
#include "zip/huffman_table.hpp"

namespace tensorio::zip {
namespace {

using Bytes = std::vector<std::byte>;

const DeflateSource kSource{"test.npz", 1000, "member 'x.npy'"};

Bytes random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::byte>(rng() & 0xFF);
  return out;
}

// Words from a small vocabulary: many matches, skewed literals (dynamic blocks pay off).
Bytes text_bytes(size_t n, uint32_t seed) {
  static const char* const kWords[] = {"tensor", "shape",          "dtype", "float32",
                                       "npz",    "header",         "(",     ")",
                                       ", ",     "'descr': '<f4'", "\n",    "0123456789"};
  std::mt19937 rng(seed);
  Bytes out;
  while (out.size() < n) {
    const char* w = kWords[rng() % std::size(kWords)];
    for (const char* p = w; *p && out.size() < n; ++p) out.push_back(static_cast<std::byte>(*p));
  }
  return out;
}

// Alternating incompressible and compressible runs: libdeflate ends a block where the
// statistics change, so the stream has many block boundaries (and block kinds).
Bytes mixed_bytes(size_t n, uint32_t seed) {
  Bytes out;
  for (uint32_t part = 0; out.size() < n; ++part) {
    Bytes run = part % 2 ? random_bytes(30000, seed + part) : text_bytes(50000, seed + part);
    out.insert(out.end(), run.begin(), run.end());
  }
  out.resize(n);
  return out;
}

Bytes deflate(const Bytes& in, int level) {
  libdeflate_compressor* c = libdeflate_alloc_compressor(level);
  if (!c) throw std::bad_alloc();
  Bytes out(libdeflate_deflate_compress_bound(c, in.size()));
  out.resize(libdeflate_deflate_compress(c, in.data(), in.size(), out.data(), out.size()));
  libdeflate_free_compressor(c);
  return out;
}

// libdeflate's verdict on a whole stream, nullopt-like empty flag when it rejects it.
bool libdeflate_inflate(const Bytes& z, size_t max_out, Bytes& out) {
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  if (!d) throw std::bad_alloc();
  out.assign(max_out, std::byte{0});
  size_t produced = 0;
  auto r = libdeflate_deflate_decompress(d, z.data(), z.size(), out.data(), out.size(), &produced);
  libdeflate_free_decompressor(d);
  out.resize(produced);
  return r == LIBDEFLATE_SUCCESS;
}

// Bytes drawn from a geometric distribution: a few very common values and a long tail of rare
// ones, so the Huffman codes run up to the longest lengths (decoded past the first lookup).
Bytes skewed_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::geometric_distribution<int> geo(0.35);
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::byte>(std::min(geo(rng), 255));
  return out;
}

InflatedPrefix prefix(std::span<const std::byte> z, size_t limit) {
  return inflate_prefix(z, limit, kSource);
}

void expect_prefixes_match(const Bytes& original, int level) {
  Bytes z = deflate(original, level);
  Bytes full;
  ASSERT_TRUE(libdeflate_inflate(z, original.size(), full));
  ASSERT_EQ(full, original);
  const size_t n = original.size();
  for (size_t limit : {size_t{0}, size_t{1}, size_t{7}, size_t{258}, size_t{4096}, size_t{65535},
                       size_t{65536}, size_t{100001}, n / 2, n - 1, n, n + 1, n + 100000}) {
    if (limit > n + 100000) continue;
    SCOPED_TRACE("level " + std::to_string(level) + ", limit " + std::to_string(limit));
    InflatedPrefix p = prefix(z, limit);
    size_t want = std::min(limit, n);
    ASSERT_EQ(p.bytes.size(), want);
    EXPECT_TRUE(std::equal(p.bytes.begin(), p.bytes.end(), full.begin()));
    if (limit > n) {
      EXPECT_TRUE(p.stream_ended);
    }
    if (limit < n) {
      EXPECT_FALSE(p.stream_ended);
    }
  }
}

uint32_t total_blocks(const InflatedPrefix& p) {
  return p.blocks_by_type[0] + p.blocks_by_type[1] + p.blocks_by_type[2];
}

TEST(DeflatePrefix, PrefixesOfRandomDataMatchLibdeflate) {
  Bytes data = random_bytes(200000, 1);
  for (int level : {0, 1, 6, 12}) expect_prefixes_match(data, level);
}

TEST(DeflatePrefix, PrefixesOfCompressibleDataMatchLibdeflate) {
  Bytes data = text_bytes(200000, 2);
  for (int level : {0, 1, 6, 12}) expect_prefixes_match(data, level);
}

TEST(DeflatePrefix, PrefixesOfMixedDataMatchLibdeflate) {
  Bytes data = mixed_bytes(300000, 3);
  for (int level : {0, 1, 6, 12}) expect_prefixes_match(data, level);
}

TEST(DeflatePrefix, EmptyStreamIsAFinalBlockWithNoOutput) {
  for (int level : {0, 1, 6, 12}) {
    InflatedPrefix p = prefix(deflate({}, level), 100);
    EXPECT_TRUE(p.bytes.empty());
    EXPECT_TRUE(p.stream_ended);
  }
}

TEST(DeflatePrefix, LevelZeroCrossesStoredBlockBoundaries) {
  Bytes data = random_bytes(200000, 4);
  Bytes z = deflate(data, 0);
  // A stored block holds at most 65535 bytes: 150000 bytes span at least three of them.
  InflatedPrefix p = prefix(z, 150000);
  EXPECT_GE(p.blocks_by_type[0], 3u);
  EXPECT_EQ(p.blocks_by_type[1] + p.blocks_by_type[2], 0u);
  EXPECT_TRUE(std::equal(p.bytes.begin(), p.bytes.end(), data.begin()));
}

TEST(DeflatePrefix, CompressedLevelsCrossHuffmanBlockBoundaries) {
  Bytes data = mixed_bytes(300000, 5);
  for (int level : {1, 6, 12}) {
    SCOPED_TRACE("level " + std::to_string(level));
    Bytes z = deflate(data, level);
    InflatedPrefix whole = prefix(z, data.size());
    ASSERT_EQ(whole.bytes, data);
    ASSERT_GE(total_blocks(whole), 2u);  // otherwise this test proves nothing about boundaries
    EXPECT_GE(whole.blocks_by_type[2], 1u);
    // A prefix ending mid-stream went through fewer blocks than the whole stream has.
    InflatedPrefix half = prefix(z, data.size() / 2);
    EXPECT_LE(total_blocks(half), total_blocks(whole));
    EXPECT_TRUE(std::equal(half.bytes.begin(), half.bytes.end(), data.begin()));
  }
}

TEST(DeflatePrefix, ShortInputsUseFixedBlocks) {
  // Too short for a dynamic code's header to pay off: libdeflate writes one fixed block.
  std::string s = "hello hello hello hello, tensorio tensorio tensorio tensorio!";
  Bytes data(reinterpret_cast<const std::byte*>(s.data()),
             reinterpret_cast<const std::byte*>(s.data() + s.size()));
  for (int level : {1, 6, 12}) {
    SCOPED_TRACE("level " + std::to_string(level));
    Bytes z = deflate(data, level);
    InflatedPrefix p = prefix(z, 1000);
    EXPECT_EQ(p.bytes, data);
    EXPECT_TRUE(p.stream_ended);
    EXPECT_EQ(p.blocks_by_type[1], 1u);
    EXPECT_EQ(prefix(z, 20).bytes, Bytes(data.begin(), data.begin() + 20));
  }
}

// ---- hand-built streams --------------------------------------------------------------------

// Writes bits least significant first; Huffman codes go most significant bit first (RFC 1951
// 3.1.1).
class BitWriter {
 public:
  void bits(uint32_t value, unsigned count) {
    for (unsigned i = 0; i < count; ++i) push((value >> i) & 1);
  }
  void code(uint32_t value, unsigned length) {
    for (unsigned i = length; i-- > 0;) push((value >> i) & 1);
  }
  void fixed_symbol(unsigned sym) {  // RFC 1951 3.2.6
    if (sym < 144)
      code(0x30 + sym, 8);
    else if (sym < 256)
      code(0x190 + sym - 144, 9);
    else if (sym < 280)
      code(sym - 256, 7);
    else
      code(0xC0 + sym - 280, 8);
  }
  void byte(uint8_t b) { bits(b, 8); }
  Bytes finish() {
    Bytes out = out_;
    if (count_) out.push_back(static_cast<std::byte>(acc_));
    return out;
  }

 private:
  void push(uint32_t bit) {
    acc_ |= bit << count_;
    if (++count_ == 8) {
      out_.push_back(static_cast<std::byte>(acc_));
      acc_ = 0;
      count_ = 0;
    }
  }
  Bytes out_;
  uint32_t acc_ = 0;
  unsigned count_ = 0;
};

// The canonical codes for `lengths` (RFC 1951 3.2.2), to emit symbols of a dynamic block.
std::vector<uint32_t> canonical_codes(const std::vector<uint8_t>& lengths) {
  uint32_t count[16] = {}, next[16] = {};
  for (uint8_t l : lengths) ++count[l];
  count[0] = 0;
  uint32_t code = 0;
  for (int bits = 1; bits < 16; ++bits) {
    code = (code + count[bits - 1]) << 1;
    next[bits] = code;
  }
  std::vector<uint32_t> codes(lengths.size());
  for (size_t s = 0; s < lengths.size(); ++s) {
    if (lengths[s]) codes[s] = next[lengths[s]]++;
  }
  return codes;
}

constexpr uint8_t kClenOrder[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                    11, 4,  12, 3, 13, 2, 14, 1, 15};

// Starts a final dynamic block: header plus the code-length code `clen` (19 lengths by symbol).
// Returns that code's canonical codes, to emit the literal/length + distance lengths with.
std::vector<uint32_t> dynamic_header(BitWriter& w, unsigned nlit, unsigned ndist,
                                     const std::vector<uint8_t>& clen) {
  w.bits(1, 1);
  w.bits(2, 2);
  w.bits(nlit - 257, 5);
  w.bits(ndist - 1, 5);
  w.bits(19 - 4, 4);  // send all 19 code-length lengths: simplest
  for (uint8_t sym : kClenOrder) w.bits(clen[sym], 3);
  return canonical_codes(clen);
}

void expect_corrupt(const Bytes& z, size_t limit, const std::string& needle) {
  try {
    prefix(z, limit);
    ADD_FAILURE() << "expected tensorio::Error containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_compressed_data);
    EXPECT_NE(e.reason().find(needle), std::string::npos) << e.what();
    EXPECT_NE(e.reason().find("member 'x.npy'"), std::string::npos) << e.what();
    EXPECT_EQ(e.file(), "test.npz");
    EXPECT_GE(e.offset(), kSource.base_offset);
    EXPECT_LE(e.offset(), kSource.base_offset + z.size());
  }
}

TEST(DeflatePrefix, HandBuiltFixedBlockWithOverlappingMatch) {
  BitWriter w;
  w.bits(1, 1);  // final
  w.bits(1, 2);  // fixed
  w.fixed_symbol('a');
  w.fixed_symbol('b');
  w.fixed_symbol(258);  // length 4
  w.code(1, 5);         // distance 2: repeats "ab" while producing it
  w.fixed_symbol(256);
  Bytes z = w.finish();
  InflatedPrefix p = prefix(z, 100);
  std::string got(reinterpret_cast<const char*>(p.bytes.data()), p.bytes.size());
  EXPECT_EQ(got, "ababab");
  EXPECT_TRUE(p.stream_ended);
  Bytes reference;
  ASSERT_TRUE(libdeflate_inflate(z, 100, reference));  // the writer itself is right
  EXPECT_EQ(p.bytes, reference);
  // Stopping inside the match.
  EXPECT_EQ(prefix(z, 5).bytes, Bytes(reference.begin(), reference.begin() + 5));
}

TEST(DeflatePrefix, HandBuiltDynamicBlocksWithDegenerateCodes) {
  // Literal/length code {'a': 1 bit, 256: 1 bit}; distance code: none at all (legal: the block
  // is all literals), then a single one-bit distance code (legal, RFC 1951 3.2.7).
  for (bool one_distance : {false, true}) {
    SCOPED_TRACE(one_distance ? "one distance code" : "no distance code");
    std::vector<uint8_t> clen(19, 0);
    clen[0] = 2;
    clen[1] = 2;
    clen[18] = 1;  // complete: 1 + 2 + 2 bits -> 1/2 + 1/4 + 1/4
    BitWriter w;
    auto cl = dynamic_header(w, 257, 1, clen);
    w.code(cl[18], 1);
    w.bits(97 - 11, 7);  // zeros for 0..96
    w.code(cl[1], 2);    // 'a' (97): length 1
    w.code(cl[18], 1);
    w.bits(138 - 11, 7);  // 98..235
    w.code(cl[18], 1);
    w.bits(20 - 11, 7);  // 236..255
    w.code(cl[1], 2);    // 256: length 1
    w.code(one_distance ? cl[1] : cl[0], 2);
    // 'a' is code 0, end-of-block code 1.
    w.code(0, 1);
    w.code(0, 1);
    w.code(0, 1);
    w.code(1, 1);
    Bytes z = w.finish();
    InflatedPrefix p = prefix(z, 100);
    EXPECT_EQ(p.bytes, Bytes(3, std::byte{'a'}));
    EXPECT_EQ(p.blocks_by_type[2], 1u);
    Bytes reference;
    ASSERT_TRUE(libdeflate_inflate(z, 100, reference));
    EXPECT_EQ(p.bytes, reference);
  }
}

TEST(DeflatePrefix, RejectsReservedBlockType) {
  expect_corrupt(Bytes{std::byte{0x07}}, 10, "found 3 (reserved)");
}

TEST(DeflatePrefix, RejectsStoredLenNlenMismatch) {
  Bytes z = {std::byte{0x01}, std::byte{5},   std::byte{0},   std::byte{0x00}, std::byte{0x00},
             std::byte{'h'},  std::byte{'e'}, std::byte{'l'}, std::byte{'l'},  std::byte{'o'}};
  expect_corrupt(z, 10, "ones' complement");
  z[3] = std::byte{0xFA};  // ~5 = 0xFFFA
  z[4] = std::byte{0xFF};
  EXPECT_EQ(prefix(z, 10).bytes.size(), 5u);
}

TEST(DeflatePrefix, RejectsDistanceBeyondOutput) {
  BitWriter w;
  w.bits(1, 1);
  w.bits(1, 2);
  w.fixed_symbol('a');
  w.fixed_symbol(257);  // length 3
  w.code(1, 5);         // distance 2, but only 1 byte exists
  w.fixed_symbol(256);
  expect_corrupt(w.finish(), 100, "distance of at most 1");

  BitWriter first;  // a match before any output at all
  first.bits(1, 1);
  first.bits(1, 2);
  first.fixed_symbol(257);
  first.code(0, 5);
  expect_corrupt(first.finish(), 100, "distance of at most 0");
}

TEST(DeflatePrefix, RejectsFixedCodeSymbolsThatMayNotAppear) {
  BitWriter len;
  len.bits(1, 1);
  len.bits(1, 2);
  len.fixed_symbol(286);
  expect_corrupt(len.finish(), 100, "length symbol 257..285, found 286");

  BitWriter dist;
  dist.bits(1, 1);
  dist.bits(1, 2);
  dist.fixed_symbol('a');
  dist.fixed_symbol(257);
  dist.code(30, 5);
  expect_corrupt(dist.finish(), 100, "distance symbol 0..29, found 30");
}

TEST(DeflatePrefix, RejectsTruncatedInputOnlyWhereItIsNeeded) {
  Bytes data = text_bytes(50000, 6);
  Bytes z = deflate(data, 6);
  Bytes cut(z.begin(), z.begin() + z.size() / 2);
  expect_corrupt(cut, data.size(), "truncated");
  // The first bytes decode from the part that is there.
  InflatedPrefix p = prefix(cut, 100);
  EXPECT_TRUE(std::equal(p.bytes.begin(), p.bytes.end(), data.begin()));
  EXPECT_EQ(p.bytes.size(), 100u);

  expect_corrupt(Bytes{}, 1, "truncated");
  EXPECT_TRUE(prefix(Bytes{}, 0).bytes.empty());  // nothing asked, nothing read

  // A stored block declaring more bytes than follow.
  Bytes stored = {std::byte{0x01}, std::byte{100}, std::byte{0},  std::byte{0x9B},
                  std::byte{0xFF}, std::byte{'x'}, std::byte{'y'}};
  expect_corrupt(stored, 50, "expected 50 bytes of stored block data, found 2");
  EXPECT_EQ(prefix(stored, 2).bytes.size(), 2u);

  // A stream that stops after a non-final block.
  Bytes nonfinal = {std::byte{0x00}, std::byte{1},    std::byte{0},
                    std::byte{0xFE}, std::byte{0xFF}, std::byte{'x'}};
  expect_corrupt(nonfinal, 10, "truncated");
}

TEST(DeflatePrefix, RejectsTooManyDynamicCodes) {
  BitWriter w;
  w.bits(1, 1);
  w.bits(2, 2);
  w.bits(30, 5);  // 287 literal/length codes: more than the 286 allowed
  w.bits(0, 5);
  w.bits(0, 4);
  expect_corrupt(w.finish(), 100, "found 287 and 1");

  BitWriter d;
  d.bits(1, 1);
  d.bits(2, 2);
  d.bits(0, 5);
  d.bits(31, 5);  // 32 distance codes: more than 30
  d.bits(0, 4);
  expect_corrupt(d.finish(), 100, "found 257 and 32");
}

TEST(DeflatePrefix, RejectsBadCodeLengthCodes) {
  {  // Over-subscribed: 19 codes of one bit.
    BitWriter w;
    dynamic_header(w, 257, 1, std::vector<uint8_t>(19, 1));
    expect_corrupt(w.finish(), 100, "code-length code, found one over-subscribed");
  }
  {  // Incomplete: a single one-bit code (allowed for distances, never for code lengths).
    std::vector<uint8_t> clen(19, 0);
    clen[8] = 1;
    BitWriter w;
    dynamic_header(w, 257, 1, clen);
    expect_corrupt(w.finish(), 100, "complete code-length code, found one a single one-bit");
  }
  {  // Empty.
    BitWriter w;
    dynamic_header(w, 257, 1, std::vector<uint8_t>(19, 0));
    expect_corrupt(w.finish(), 100, "found one empty");
  }
}

// A code-length code where 16, 17 and 18 and lengths 0 and 1 each have a code.
std::vector<uint8_t> repeat_friendly_clen() {
  std::vector<uint8_t> clen(19, 0);
  clen[0] = 2;
  clen[1] = 2;
  clen[16] = 3;
  clen[17] = 3;
  clen[18] = 2;  // 1/4 + 1/4 + 1/8 + 1/8 + 1/4 = 1
  return clen;
}

TEST(DeflatePrefix, RejectsBadLengthSequences) {
  auto clen = repeat_friendly_clen();
  {  // Code 16 with no previous length.
    BitWriter w;
    auto cl = dynamic_header(w, 257, 1, clen);
    w.code(cl[16], 3);
    w.bits(0, 2);
    expect_corrupt(w.finish(), 100, "previous code length");
  }
  {  // Repeats past the 258 declared lengths.
    BitWriter w;
    auto cl = dynamic_header(w, 257, 1, clen);
    w.code(cl[18], 2);
    w.bits(127, 7);  // 138
    w.code(cl[18], 2);
    w.bits(127, 7);  // 138 more: 276 > 258
    expect_corrupt(w.finish(), 100, "stop at 258 lengths, found 138 more after 138");
  }
  {  // No end-of-block code: all 258 lengths zero.
    BitWriter w;
    auto cl = dynamic_header(w, 257, 1, clen);
    w.code(cl[18], 2);
    w.bits(127, 7);  // 138
    w.code(cl[18], 2);
    w.bits(120 - 11, 7);  // 120: 258 in all
    expect_corrupt(w.finish(), 100, "end-of-block");
  }
  {  // Over-subscribed literal/length code: every one of the 257 symbols one bit long.
    BitWriter w;
    auto cl = dynamic_header(w, 257, 1, clen);
    w.code(cl[1], 2);
    for (int i = 0; i < 42; ++i) {  // 1 + 42 * 6 + 5 = 258
      w.code(cl[16], 3);
      w.bits(3, 2);
    }
    w.code(cl[16], 3);
    w.bits(2, 2);
    expect_corrupt(w.finish(), 100, "literal/length code, found one over-subscribed");
  }
}

TEST(DeflatePrefix, RejectsIncompleteLiteralLengthCode) {
  // Lengths: 'a' = 2 bits, 256 = 1 bit: one two-bit code is left unused.
  std::vector<uint8_t> clen(19, 0);
  clen[1] = 2;
  clen[2] = 2;
  clen[18] = 1;
  BitWriter w;
  auto cl = dynamic_header(w, 257, 1, clen);
  w.code(cl[18], 1);
  w.bits(97 - 11, 7);  // 0..96
  w.code(cl[2], 2);    // 'a'
  w.code(cl[18], 1);
  w.bits(138 - 11, 7);  // 98..235
  w.code(cl[18], 1);
  w.bits(20 - 11, 7);  // 236..255
  w.code(cl[1], 2);    // 256
  w.code(cl[1], 2);    // one distance code
  expect_corrupt(w.finish(), 100, "literal/length code, found one incomplete");
}

// Mutated real streams: whatever the decoder makes of them, it is a result or a tensorio::Error
// (ASan/UBSan builds check there is no out-of-bounds access on the way), and a stream it
// decodes to the end matches libdeflate's decoding of the same bytes where libdeflate accepts it.
TEST(DeflatePrefix, MutatedStreamsNeverCrash) {
  std::mt19937 rng(7);
  std::vector<Bytes> seeds;
  for (int level : {0, 1, 6, 12}) {
    seeds.push_back(deflate(text_bytes(3000, 8 + level), level));
    seeds.push_back(deflate(mixed_bytes(4000, 20 + level), level));
  }
  int errors = 0, decoded = 0;
  for (int round = 0; round < 3000; ++round) {
    Bytes z = seeds[rng() % seeds.size()];
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i)
      z[rng() % z.size()] ^= static_cast<std::byte>(1u << (rng() % 8));
    if (rng() % 4 == 0) z.resize(rng() % z.size());
    try {
      InflatedPrefix p = prefix(z, 20000);
      ++decoded;
      Bytes reference;
      if (p.stream_ended && libdeflate_inflate(z, 20000, reference)) {
        EXPECT_EQ(p.bytes, reference) << "round " << round;
      }
    } catch (const Error& e) {
      ++errors;
      EXPECT_EQ(e.code(), ErrorCode::bad_compressed_data);
    }
  }
  EXPECT_GT(errors, 0);   // the mutations did reach the error paths
  EXPECT_GT(decoded, 0);  // and some still decode (flips inside stored or literal data)
}

// ---- many streams, every output path -----------------------------------------------------

// Random inputs of every kind and size, at every level, each cut at random limits: the prefix
// always equals libdeflate's full output's start, through the caller's buffer
// (inflate_prefix_into) and the growing one (inflate_prefix) alike.
TEST(DeflatePrefix, ManyRandomStreamsMatchLibdeflateThroughBothOutputs) {
  std::mt19937 rng(11);
  for (int round = 0; round < 400; ++round) {
    size_t n = rng() % 3 == 0 ? rng() % 64 : rng() % 6000;
    uint32_t seed = static_cast<uint32_t>(round) * 7919u;
    Bytes data;
    switch (round % 4) {
      case 0: data = random_bytes(n, seed); break;
      case 1: data = text_bytes(n, seed); break;
      case 2: data = skewed_bytes(n, seed); break;
      default: data = mixed_bytes(n, seed); break;
    }
    int level = static_cast<int>(rng() % 13);
    Bytes z = deflate(data, level);
    Bytes full;
    ASSERT_TRUE(libdeflate_inflate(z, n, full));
    for (size_t limit : {size_t{0}, size_t{rng() % (n + 2)}, size_t{128}, n, n + 1}) {
      SCOPED_TRACE("round " + std::to_string(round) + ", level " + std::to_string(level) +
                   ", size " + std::to_string(n) + ", limit " + std::to_string(limit));
      InflatedPrefix grown = prefix(z, limit);
      Bytes buffer(limit, std::byte{0xAA});
      PrefixProgress into = inflate_prefix_into(z, buffer, kSource);
      size_t want = std::min(limit, n);
      ASSERT_EQ(grown.bytes.size(), want);
      ASSERT_EQ(into.produced, want);
      EXPECT_TRUE(std::equal(grown.bytes.begin(), grown.bytes.end(), full.begin()));
      EXPECT_TRUE(
          std::equal(buffer.begin(), buffer.begin() + static_cast<long>(want), full.begin()));
      EXPECT_EQ(into.stream_ended, grown.stream_ended);
      EXPECT_EQ(into.blocks_by_type, grown.blocks_by_type);
      if (limit > n) {
        EXPECT_TRUE(into.stream_ended);
      }
      if (limit < n) {
        EXPECT_FALSE(into.stream_ended);
      }
    }
  }
}

// A stream cut at every length is decoded from exactly the bytes that remain: the page after
// them is unmapped, so a read past them would crash. Each cut gives an error or a prefix of
// the right bytes.
TEST(DeflatePrefix, CutAtEveryLengthNeverReadsPastTheInput) {
  for (int level : {0, 1, 6, 12}) {
    Bytes data = level == 1 ? skewed_bytes(1500, 31) : text_bytes(1500, 30 + level);
    Bytes z = deflate(data, level);
    for (size_t cut = 0; cut <= z.size(); ++cut) {
      SCOPED_TRACE("level " + std::to_string(level) + ", cut " + std::to_string(cut));
      tensorio::testing::GuardedInput input(std::span<const std::byte>(z).first(cut));
      try {
        InflatedPrefix p = prefix(input.bytes(), data.size() + 10);
        EXPECT_TRUE(std::equal(p.bytes.begin(), p.bytes.end(), data.begin()));
        EXPECT_EQ(p.stream_ended, p.bytes.size() == data.size());
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::bad_compressed_data);
        EXPECT_LE(e.offset(), kSource.base_offset + cut);
      }
    }
  }
}

// Random bytes as a stream: mostly errors, sometimes a short valid prefix; never a crash or an
// over-read, and a stream decoded to its end is what libdeflate makes of it.
TEST(DeflatePrefix, RandomBytesNeverCrash) {
  std::mt19937 rng(17);
  int ended = 0;
  for (int round = 0; round < 5000; ++round) {
    Bytes z = random_bytes(1 + rng() % 300, static_cast<uint32_t>(round) + 100);
    tensorio::testing::GuardedInput input(z);
    try {
      InflatedPrefix p = prefix(input.bytes(), 4096);
      Bytes reference;
      if (p.stream_ended && libdeflate_inflate(z, 4096, reference)) {
        ++ended;
        EXPECT_EQ(p.bytes, reference) << "round " << round;
      }
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::bad_compressed_data);
    }
  }
  EXPECT_GT(ended, 0);  // some random streams are valid ones (a short stored or fixed block)
}

TEST(DeflatePrefix, RejectsBadDistanceCodes) {
  // Literal/length code {'a': 1 bit, 256: 1 bit}, then the distance lengths under test.
  auto stream = [](const std::vector<uint8_t>& dist_lengths) {
    std::vector<uint8_t> clen(19, 0);
    clen[0] = 2;
    clen[1] = 2;
    clen[18] = 1;
    BitWriter w;
    auto cl = dynamic_header(w, 257, static_cast<unsigned>(dist_lengths.size()), clen);
    w.code(cl[18], 1);
    w.bits(97 - 11, 7);
    w.code(cl[1], 2);  // 'a'
    w.code(cl[18], 1);
    w.bits(138 - 11, 7);
    w.code(cl[18], 1);
    w.bits(20 - 11, 7);
    w.code(cl[1], 2);                                                      // 256
    for (uint8_t len : dist_lengths) w.code(len == 0 ? cl[0] : cl[1], 2);  // 0 or 1 only
    w.code(0, 1);
    w.code(1, 1);
    return w.finish();
  };
  // Three one-bit distance codes: over-subscribed.
  expect_corrupt(stream({1, 1, 1}), 100, "distance code, found one over-subscribed");
  // A single one-bit distance code is allowed (RFC 1951 3.2.7) ...
  EXPECT_EQ(prefix(stream({1, 0}), 100).bytes, Bytes(1, std::byte{'a'}));
  // ... and two one-bit codes form a complete code.
  EXPECT_EQ(prefix(stream({1, 1}), 100).bytes, Bytes(1, std::byte{'a'}));
}

// ---- the Huffman table on its own ----------------------------------------------------------

// A random complete prefix code over `symbols` symbols (some unused) with lengths up to 15:
// leaves split at random until there are enough.
std::vector<uint8_t> random_complete_lengths(size_t symbols, size_t used, std::mt19937& rng) {
  std::vector<uint8_t> leaves = {0};
  while (leaves.size() < used) {
    size_t i = rng() % leaves.size();
    if (leaves[i] >= kMaxCodeBits) continue;
    uint8_t depth = static_cast<uint8_t>(leaves[i] + 1);
    leaves[i] = depth;
    leaves.push_back(depth);
  }
  std::vector<uint8_t> lengths(symbols, 0);
  std::vector<size_t> order(symbols);
  for (size_t i = 0; i < symbols; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  for (size_t i = 0; i < leaves.size(); ++i) lengths[order[i]] = leaves[i];
  return lengths;
}

template <class Table>
void expect_table_round_trips(size_t symbols, uint32_t seed) {
  std::mt19937 rng(seed);
  for (int round = 0; round < 200; ++round) {
    size_t used = 2 + rng() % (symbols - 1);
    auto lengths = random_complete_lengths(symbols, used, rng);
    Table table;
    ASSERT_EQ(table.build(lengths), CodeShape::complete);
    auto codes = canonical_codes(lengths);
    std::vector<int> sent;
    BitWriter w;
    for (int i = 0; i < 300; ++i) {
      int sym = static_cast<int>(rng() % symbols);
      if (lengths[static_cast<size_t>(sym)] == 0) continue;
      w.code(codes[static_cast<size_t>(sym)], lengths[static_cast<size_t>(sym)]);
      sent.push_back(sym);
    }
    Bytes z = w.finish();
    tensorio::testing::GuardedInput input(z);
    DeflateBitReader in(input.bytes(), kSource);
    for (size_t i = 0; i < sent.size(); ++i) ASSERT_EQ(table.decode(in), sent[i]) << i;
    EXPECT_LT(in.available(), 8u);  // only the last byte's padding is left
  }
}

TEST(HuffmanTable, RandomCompleteCodesOfEveryLengthRoundTrip) {
  expect_table_round_trips<LitLenTable>(288, 41);
  expect_table_round_trips<DistanceTable>(32, 42);
  expect_table_round_trips<CodeLengthTable>(19, 43);
}

TEST(HuffmanTable, LongestCodesDecodePastTheFirstLookup) {
  // Symbol i has length i + 1 (1..14), the last two length 15: complete, every length used.
  std::vector<uint8_t> lengths(288, 0);
  for (size_t i = 0; i < 14; ++i) lengths[i * 20] = static_cast<uint8_t>(i + 1);
  lengths[280] = 15;
  lengths[287] = 15;
  LitLenTable table;
  ASSERT_EQ(table.build(lengths), CodeShape::complete);
  auto codes = canonical_codes(lengths);
  BitWriter w;
  std::vector<int> sent = {287, 280, 260, 0, 160, 287, 20};
  for (int sym : sent) w.code(codes[static_cast<size_t>(sym)], lengths[static_cast<size_t>(sym)]);
  Bytes z = w.finish();
  DeflateBitReader in(z, kSource);
  for (int sym : sent) EXPECT_EQ(table.decode(in), sym);
}

TEST(HuffmanTable, ShapesOfDegenerateAndInvalidCodes) {
  LitLenTable t;
  EXPECT_EQ(t.build(std::vector<uint8_t>(288, 0)), CodeShape::empty);
  std::vector<uint8_t> one(288, 0);
  one[5] = 1;
  EXPECT_EQ(t.build(one), CodeShape::single_one_bit);
  std::vector<uint8_t> gap(288, 0);
  gap[1] = 2;
  gap[2] = 1;
  EXPECT_EQ(t.build(gap), CodeShape::incomplete);
  std::vector<uint8_t> over(288, 0);
  over[0] = over[1] = over[2] = 1;
  EXPECT_EQ(t.build(over), CodeShape::oversubscribed);
  std::vector<uint8_t> too_long(288, 0);
  too_long[0] = 16;
  EXPECT_EQ(t.build(too_long), CodeShape::oversubscribed);

  // An incomplete code: bits that match no code give kNoCode when 15 bits are there to tell,
  // a truncation error when fewer remain.
  ASSERT_EQ(t.build(gap), CodeShape::incomplete);  // codes: 2 -> "0", 1 -> "10"; "11" unused
  Bytes unused = {std::byte{0xFF}, std::byte{0xFF}};
  DeflateBitReader whole(unused, kSource);
  EXPECT_EQ(t.decode(whole), LitLenTable::kNoCode);
  Bytes short_input = {std::byte{0xFF}};
  DeflateBitReader cut(short_input, kSource);
  EXPECT_THROW(t.decode(cut), Error);
}

}  // namespace
}  // namespace tensorio::zip
