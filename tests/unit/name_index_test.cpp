// The name -> position table of archives with many members.
#include <gtest/gtest.h>

#include <string>
#include <unordered_set>
#include <vector>

#include "core/name_index.hpp"

namespace tensorio {
namespace {

// The archive's name -> position table: growth without reserve(), duplicates refused (also
// through a hash computed ahead), lookups of present and absent names among 10,000 that share
// long prefixes.
TEST(NameIndex, FindsEveryNameAndRefusesRepeats) {
  std::vector<std::string> names;
  for (int i = 0; i < 10000; ++i) {
    names.push_back("model.layers." + std::to_string(i / 10) + ".mlp.w" + std::to_string(i % 10));
  }
  detail::NameIndex index;  // no reserve(): grows by rehashing
  for (size_t i = 0; i < names.size(); ++i) {
    if (i % 2 == 0) {
      ASSERT_TRUE(index.insert(names[i], i));
    } else {
      ASSERT_TRUE(index.insert_hashed(names[i], detail::NameIndex::hash(names[i]), i));
    }
  }
  EXPECT_EQ(index.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    auto at = index.find(names[i]);
    ASSERT_TRUE(at.has_value()) << names[i];
    EXPECT_EQ(*at, i);
  }
  EXPECT_FALSE(index.find("model.layers.0.mlp.w10").has_value());
  EXPECT_FALSE(index.find("").has_value());
  std::string again = names[1234];  // equal text in another string
  EXPECT_FALSE(index.insert(again, 99999));
  EXPECT_FALSE(index.insert_hashed(again, detail::NameIndex::hash(again), 99999));
  EXPECT_EQ(*index.find(again), 1234u);
  EXPECT_EQ(index.size(), names.size());
}

// The word-at-a-time hash reads short names in overlapping pieces and the last word of long
// ones overlapping the word before: every byte must still count. Names of every length to 40,
// each byte position flipped, and the same bytes at other lengths (trailing NULs included)
// must all hash apart; equal text in another buffer must hash the same.
TEST(NameIndex, HashCountsEveryByteAndTheLength) {
  std::unordered_set<size_t> seen;
  size_t made = 0;
  for (size_t len = 0; len <= 40; ++len) {
    std::string base(len, '\0');
    for (size_t i = 0; i < len; ++i) base[i] = static_cast<char>('a' + (i * 7) % 26);
    ASSERT_TRUE(seen.insert(detail::NameIndex::hash(base)).second) << "length " << len;
    ++made;
    std::string copy(base.data(), base.size());
    EXPECT_EQ(detail::NameIndex::hash(copy), detail::NameIndex::hash(base));
    for (size_t i = 0; i < len; ++i) {
      std::string flipped = base;
      flipped[i] = static_cast<char>(flipped[i] ^ 0x20);
      ASSERT_TRUE(seen.insert(detail::NameIndex::hash(flipped)).second)
          << "length " << len << ", byte " << i;
      ++made;
    }
  }
  EXPECT_EQ(seen.size(), made);
  std::string with_nul("ab\0", 3);
  EXPECT_NE(detail::NameIndex::hash(with_nul), detail::NameIndex::hash("ab"));
  EXPECT_NE(detail::NameIndex::hash(std::string(9, '\0')), detail::NameIndex::hash(""));
}

}  // namespace
}  // namespace tensorio
