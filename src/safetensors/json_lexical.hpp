// The lexical rules of RFC 8259 that RapidJSON 1.1.0 (the release every distribution ships)
// gets wrong, checked around its parse so that tensorio accepts exactly the JSON texts serde_json
// (the reference reader's parser) accepts:
//
//   - raw control bytes: RFC 8259 forbids U+0000..U+001F unescaped in strings, and outside
//     strings only tab, LF and CR are whitespace. RapidJSON's SSE2 string scan compares against
//     0x19, so 0x1A..0x1F inside a string pass or fail depending on where the 16-byte blocks
//     fall. scan_json_text() finds the first such byte; the parse is cut there, so an earlier
//     error still wins and the byte itself is reported otherwise.
//   - lone low surrogates: RapidJSON checks that a \uD800..\uDBFF escape is followed by a low
//     one, but decodes a lone \uDC00..\uDFFF into the three bytes of a UTF-8-encoded surrogate
//     (invalid UTF-8). The text was validated as UTF-8 before parsing, so such bytes in a decoded
//     string can only come from that escape: holds_surrogate() spots them.
//   - numbers: RapidJSON refuses valid numbers whose value it cannot hold in a double ("0e400",
//     "1e309", 400-digit integers: "Number too big"). serde_json skips ignored values without
//     converting them, and in every position tensorio reads, a number with a fraction or
//     exponent, or above 2^64, is refused as not an integer anyway. So when RapidJSON reports a
//     number too big, the text is parsed again with every such number rewritten in place by
//     neutralize_numbers(): same length, same token boundaries, a value RapidJSON can hold.
#pragma once

#include <cstddef>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

namespace tensorio::detail {

struct JsonTextScan {
  size_t parse_end = 0;      // the first raw control byte other than tab/LF/CR, or the size
  bool has_escapes = false;  // a backslash before parse_end: decoded strings need checking
};

// One pass over `text` (16 bytes per step while nothing is found).
JsonTextScan scan_json_text(std::string_view text) noexcept;

// scan_json_text() that also copies all of `text` to `out` in the same pass.
JsonTextScan copy_json_text(std::string_view text, char* out) noexcept;

// True when the decoded string holds a UTF-8-encoded surrogate (0xED 0xA0..0xBF).
[[nodiscard]] inline bool holds_surrogate(const char* s, size_t n) noexcept {
  const char* end = s + n;
  for (const char* p = s; n > 0; n = static_cast<size_t>(end - p)) {
    p = static_cast<const char*>(std::memchr(p, 0xED, n));
    if (p == nullptr || end - p < 2) return false;
    if ((static_cast<unsigned char>(p[1]) & 0xE0) == 0xA0) return true;
    ++p;
  }
  return false;
}

// Offset of the first \uDC00..\uDFFF escape in `text` that does not follow a high-surrogate
// escape. `text` must be valid JSON up to that escape (it is called when the parse stopped on
// the string holding it).
std::optional<size_t> find_lone_low_surrogate(std::string_view text) noexcept;

// Rewrites, in place, each number outside strings that has a fraction, an exponent or more than
// 20 integer digits: the sign is kept, the rest becomes "0e000..." when it had an exponent and
// "0.000..." otherwise. Lengths and the characters around each token do not change, so every
// offset, every syntax error and every token boundary stays where it was (a "0.0" cannot absorb
// a following 'e' that the original number would not have absorbed, because greedy matching
// already took any valid continuation). Stops at the first NUL. Returns the count rewritten.
size_t neutralize_numbers(std::span<char> text) noexcept;

}  // namespace tensorio::detail
