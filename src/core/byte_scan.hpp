// Whole-word scans over short byte strings read at open (zip member names, npy header padding).
// Opening a 1,000-member npz scans each member's name and its npy header's padding a byte at a
// time otherwise — under valgrind about 300 instructions per member, for text that is nearly
// always plain ASCII and plain spaces. These helpers look at 8 bytes per step (loaded with
// memcpy: the strings are unaligned and may lie in the mapping) and finish byte by byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/endian.hpp"

namespace tensorio::detail {

// True when every byte of `s` is in 0x01..0x7F: ASCII without NUL (the same text in UTF-8 and
// in code page 437, and a valid C string).
[[nodiscard]] inline bool plain_ascii(std::span<const std::byte> s) noexcept {
  constexpr uint64_t kOnes = 0x0101010101010101u, kHigh = 0x8080808080808080u;
  size_t i = 0;
  for (; s.size() - i >= 8; i += 8) {
    uint64_t w = load_le<uint64_t>(s.data() + i);
    // A byte is 0 exactly when (b - 1) & ~b has its high bit set (the usual zero-byte test);
    // `w & kHigh` catches bytes of 0x80 and above.
    if (((w - kOnes) & ~w & kHigh) != 0 || (w & kHigh) != 0) return false;
  }
  for (; i < s.size(); ++i) {
    auto c = static_cast<uint8_t>(s[i]);
    if (c == 0 || c >= 0x80) return false;
  }
  return true;
}

// True when every character of `s` is `c`.
[[nodiscard]] inline bool all_chars_are(std::string_view s, char c) noexcept {
  const uint64_t pattern = uint64_t{static_cast<unsigned char>(c)} * 0x0101010101010101u;
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  size_t i = 0;
  for (; s.size() - i >= 8; i += 8) {
    if (load_le<uint64_t>(p + i) != pattern) return false;
  }
  for (; i < s.size(); ++i) {
    if (s[i] != c) return false;
  }
  return true;
}

}  // namespace tensorio::detail
