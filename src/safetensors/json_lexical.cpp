#include "safetensors/json_lexical.hpp"

#include <algorithm>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tensorio::detail {

namespace {

// The start of the first 16-byte block at or after `i` that holds a byte below 0x20, or (when
// `backslash`) a backslash; where the whole blocks end when none does. With kCopy, the blocks
// skipped are also copied to `out` (the one pass over the text costs what a memcpy does).
#if defined(__SSE2__)
template <bool kCopy>
size_t skip_plain_blocks(const unsigned char* s, unsigned char* out, size_t i, size_t n,
                         bool backslash) noexcept {
  const __m128i max_control = _mm_set1_epi8(0x1F);
  const __m128i bs = _mm_set1_epi8(backslash ? '\\' : 0);  // a NUL is a control byte anyway
  for (; n - i >= 16; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    __m128i hit =
        _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, max_control), v), _mm_cmpeq_epi8(v, bs));
    if (_mm_movemask_epi8(hit) != 0) return i;
    if constexpr (kCopy) _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), v);
  }
  return i;
}
#else
template <bool kCopy>
size_t skip_plain_blocks(const unsigned char* s, unsigned char* out, size_t i, size_t n,
                         bool backslash) noexcept {
  constexpr uint64_t kOnes = 0x0101010101010101u, kHigh = 0x8080808080808080u;
  for (; n - i >= 16; i += 16) {
    uint64_t hit = 0;
    for (size_t k = 0; k < 16; k += 8) {
      uint64_t w;
      std::memcpy(&w, s + i + k, 8);
      hit |= (w - 0x20 * kOnes) & ~w & kHigh;  // some byte below 0x20
      uint64_t x = w ^ ('\\' * kOnes);
      if (backslash) hit |= (x - kOnes) & ~x & kHigh;  // some backslash
    }
    if (hit != 0) return i;
    if constexpr (kCopy) std::memcpy(out + i, s + i, 16);
  }
  return i;
}
#endif

bool is_json_whitespace_control(unsigned char c) noexcept {
  return c == '\t' || c == '\n' || c == '\r';
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of the \uXXXX escape whose 'u' is at text[i], or -1 when it is not one.
long escape_unit(std::string_view text, size_t i) noexcept {
  if (i >= text.size() || text.size() - i < 5 || text[i] != 'u') return -1;
  long v = 0;
  for (size_t k = 1; k <= 4; ++k) {
    int h = hex_value(text[i + k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

template <bool kCopy>
JsonTextScan scan_text(std::string_view text, unsigned char* out) noexcept {
  JsonTextScan scan;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // Most of a header is printable ASCII: skip it 16 bytes at a time, then look at the block
    // that stopped the skip byte by byte. Once a backslash was seen, only control bytes matter.
    i = skip_plain_blocks<kCopy>(s, out, i, n, !scan.has_escapes);
    for (size_t stop = std::min(n, i + 16); i < stop; ++i) {
      unsigned char c = s[i];
      if (c == '\\') {
        scan.has_escapes = true;
      } else if (c < 0x20 && !is_json_whitespace_control(c)) {
        if constexpr (kCopy) std::memcpy(out + i, s + i, n - i);
        scan.parse_end = i;
        return scan;
      }
      if constexpr (kCopy) out[i] = c;
    }
  }
  scan.parse_end = n;
  return scan;
}

}  // namespace

JsonTextScan scan_json_text(std::string_view text) noexcept {
  return scan_text<false>(text, nullptr);
}

JsonTextScan copy_json_text(std::string_view text, char* out) noexcept {
  return scan_text<true>(text, reinterpret_cast<unsigned char*>(out));
}

std::optional<size_t> find_lone_low_surrogate(std::string_view text) noexcept {
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!in_string) {
      in_string = c == '"';
      continue;
    }
    if (c == '"') {
      in_string = false;
    } else if (c == '\\' && i + 1 < text.size()) {
      long unit = escape_unit(text, i + 1);
      if (unit >= 0xD800 && unit <= 0xDBFF) {
        // A high surrogate; the parser only got here if a low one follows: skip the pair.
        bool pair = i + 6 < text.size() && text[i + 6] == '\\' && escape_unit(text, i + 7) >= 0;
        i += pair ? 11 : 5;
        continue;
      }
      if (unit >= 0xDC00 && unit <= 0xDFFF) return i;
      ++i;  // the escaped character: an escaped quote or backslash ends or starts nothing
    }
  }
  return std::nullopt;
}

size_t neutralize_numbers(std::span<char> text) noexcept {
  const size_t n = text.size();
  size_t rewritten = 0;
  size_t i = 0;
  while (i < n && text[i] != '\0') {
    char c = text[i];
    if (c == '"') {  // skip the string, escapes included
      for (++i; i < n && text[i] != '\0' && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < n) ++i;
      }
      if (i < n && text[i] == '"') ++i;
      continue;
    }
    if (c != '-' && !is_digit(c)) {
      ++i;
      continue;
    }
    // The longest prefix matching -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    size_t start = i, j = i;
    if (text[j] == '-') ++j;
    size_t int_start = j;
    if (j < n && text[j] == '0') {
      ++j;
    } else {
      while (j < n && is_digit(text[j])) ++j;
    }
    size_t int_digits = j - int_start;
    if (int_digits == 0) {  // a lone '-': not a number, RapidJSON reports it
      i = j;
      continue;
    }
    bool fraction = false, exponent = false;
    if (j + 1 < n && text[j] == '.' && is_digit(text[j + 1])) {
      fraction = true;
      for (j += 2; j < n && is_digit(text[j]);) ++j;
    }
    if (j < n && (text[j] == 'e' || text[j] == 'E')) {
      size_t k = j + 1;
      if (k < n && (text[k] == '+' || text[k] == '-')) ++k;
      if (k < n && is_digit(text[k])) {
        exponent = true;
        for (j = k + 1; j < n && is_digit(text[j]);) ++j;
      }
    }
    if (fraction || exponent || int_digits > 20) {
      // At least 3 characters follow the sign: "0e0", "0.0", or 21 digits.
      size_t k = int_start;
      text[k++] = '0';
      text[k++] = exponent ? 'e' : '.';
      for (; k < j; ++k) text[k] = '0';
      ++rewritten;
    }
    i = j > start ? j : start + 1;
  }
  return rewritten;
}

}  // namespace tensorio::detail
