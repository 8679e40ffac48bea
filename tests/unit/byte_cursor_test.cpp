// The bounds-checked primitives every header parser reads with: the byte cursor, checked
// arithmetic and the word-at-a-time byte scans.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/byte_cursor.hpp"
#include "core/byte_scan.hpp"
#include "core/checked_math.hpp"
#include "tensorio/tensorio.hpp"
#include "test_util.hpp"

namespace tensorio {
namespace {

TEST(ByteCursor, ReadsLittleEndianAndStopsAtTheEnd) {
  std::string bytes("\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9);
  std::string name = "f.bin";
  ByteCursor c(test::as_bytes(bytes), name, 100);
  EXPECT_EQ(c.read_le<uint32_t>("a"), 0x04030201u);
  EXPECT_EQ(c.file_offset(), 104u);
  EXPECT_EQ(c.remaining(), 5u);
  try {
    c.read_le<uint64_t>("the count");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::truncated);
    EXPECT_EQ(e.offset(), 104u);
    EXPECT_EQ(std::string(e.what()),
              "f.bin: offset 104: the count: expected 8 bytes, found 5 before the end");
  }
  EXPECT_EQ(c.position(), 4u) << "a failed read does not move the cursor";
  EXPECT_THROW(c.read_bytes(UINT64_MAX, "huge"), Error);
  EXPECT_THROW(c.skip(6, "skip"), Error);
  EXPECT_THROW(c.seek(10, "seek"), Error);
  c.seek(9, "end");
  EXPECT_EQ(c.remaining(), 0u);
}

TEST(CheckedMath, AddMulAlignFits) {
  EXPECT_FALSE(checked_add(UINT64_MAX, 1).has_value());
  EXPECT_EQ(checked_add(1, 2), 3u);
  EXPECT_FALSE(checked_mul(uint64_t{1} << 33, uint64_t{1} << 31).has_value());
  EXPECT_EQ(checked_align_up(33, 32), 64u);
  EXPECT_EQ(checked_align_up(64, 32), 64u);
  EXPECT_FALSE(checked_align_up(UINT64_MAX - 3, 32).has_value());
  EXPECT_FALSE(checked_align_up(5, 24).has_value()) << "not a power of two";
  EXPECT_TRUE(span_fits(10, 5, 15));
  EXPECT_FALSE(span_fits(11, 5, 15));
  EXPECT_FALSE(span_fits(UINT64_MAX, 2, 15)) << "no wrap-around";
  EXPECT_FALSE(span_fits(2, UINT64_MAX, 15));
}

// The word-at-a-time scans: a bad byte at every position of every length up to three words
// (the whole-word loop and the byte tail), against the byte-at-a-time definition.
TEST(ByteScan, PlainAsciiFindsNulAndHighBytesAnywhere) {
  for (size_t len = 0; len <= 24; ++len) {
    std::vector<std::byte> s(len, std::byte{'a'});
    EXPECT_TRUE(detail::plain_ascii(s)) << len;
    for (size_t at = 0; at < len; ++at) {
      for (int bad : {0x00, 0x80, 0xC3, 0xFF}) {
        s[at] = std::byte(bad);
        EXPECT_FALSE(detail::plain_ascii(s)) << len << " " << at << " " << bad;
      }
      s[at] = std::byte{0x7F};
      EXPECT_TRUE(detail::plain_ascii(s)) << len << " " << at;
      s[at] = std::byte{0x01};
      EXPECT_TRUE(detail::plain_ascii(s)) << len << " " << at;
      s[at] = std::byte{'a'};
    }
  }
}

TEST(ByteScan, AllCharsAreFindsAnyOtherByte) {
  for (size_t len = 0; len <= 24; ++len) {
    std::string s(len, ' ');
    EXPECT_TRUE(detail::all_chars_are(s, ' ')) << len;
    for (size_t at = 0; at < len; ++at) {
      for (char other : {'\n', '\t', '\0', 'x', static_cast<char>(0xA0)}) {
        s[at] = other;
        EXPECT_FALSE(detail::all_chars_are(s, ' ')) << len << " " << at;
      }
      s[at] = ' ';
    }
  }
}

}  // namespace
}  // namespace tensorio
