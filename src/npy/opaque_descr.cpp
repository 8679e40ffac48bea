#include "npy/opaque_descr.hpp"

#include <charconv>
#include <optional>
#include <set>

#include "core/checked_math.hpp"
#include "tensorio/error.hpp"

namespace tensorio::detail {

namespace {

// A simple descr is a byte-order character, a letter and a width: a few characters.
constexpr size_t kMaxSimpleDescrBytes = 64;

[[noreturn]] void fail(ErrorCode code, const DescrPlace& at, size_t pos, const std::string& why) {
  throw Error(code, at.file, at.offset + pos, "npy header: descr: " + why);
}

// A decimal without sign or leading zeros that fits in 64 bits; nullopt otherwise.
std::optional<uint64_t> decimal(std::string_view digits) {
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (r.ec != std::errc() || r.ptr != digits.data() + digits.size()) return std::nullopt;
  return v;
}

// NumPy's datetime units (numpy/core/src/multiarray/datetime.c), after an optional multiplier.
bool datetime_unit(std::string_view unit) {
  size_t letters = unit.find_first_not_of("0123456789");
  if (letters == std::string_view::npos) return false;
  if (letters > 0 && !decimal(unit.substr(0, letters))) return false;
  std::string_view u = unit.substr(letters);
  for (std::string_view known :
       {"Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as", "generic"}) {
    if (u == known) return true;
  }
  return false;
}

[[noreturn]] void refuse_descr(const DescrPlace& at, const std::string& quoted,
                               const std::string& why) {
  fail(ErrorCode::unsupported_dtype, at, 0, quoted + ": " + why);
}

}  // namespace

bool is_object_descr(std::string_view descr) noexcept {
  // NumPy takes a byte order before the codes ('|O', '<O8') but not before the names.
  if (descr == "object" || descr == "object_" || descr == "object0") return true;
  if (!descr.empty() &&
      (descr[0] == '<' || descr[0] == '>' || descr[0] == '|' || descr[0] == '=')) {
    descr.remove_prefix(1);
  }
  return descr == "O" || descr == "O4" || descr == "O8";
}

uint64_t opaque_descr_bytes(std::string_view descr, DescrPlace at) {
  const std::string quoted = "'" + std::string(descr.substr(0, kMaxSimpleDescrBytes)) + "'";
  auto refuse = [&](const std::string& why) { refuse_descr(at, quoted, why); };
  if (descr.size() > kMaxSimpleDescrBytes) {
    refuse("expected a type code of a few characters, found " + std::to_string(descr.size()));
  }
  if (is_object_descr(descr)) {
    fail(ErrorCode::object_dtype, at, 0,
         quoted +
             ": an object array holds Python objects, stored as a pickle; tensorio never "
             "unpickles (loading a pickle can run arbitrary code)");
  }
  if (descr.size() < 2) refuse("expected a byte-order character and a type code");
  char order = descr[0];
  if (order != '<' && order != '>' && order != '|' && order != '=') {
    refuse("expected a byte order of '<', '>', '|' or '=', found '" + std::string(1, order) + "'");
  }
  std::string_view code = descr.substr(1);
  char letter = code[0];
  std::string_view width = code.substr(1);
  auto sized = [&](uint64_t unit, const char* what) -> uint64_t {
    auto n = decimal(width);
    if (!n) refuse(std::string("expected the width of a ") + what + " as a decimal number");
    if (*n == 0) refuse(std::string("expected a ") + what + " of at least one element byte");
    auto bytes = checked_mul(*n, unit);
    if (!bytes) {
      fail(ErrorCode::size_overflow, at, 0,
           quoted + ": expected a " + what + " whose size fits in 64 bits, found an overflow");
    }
    return *bytes;
  };
  switch (letter) {
    case 'S':
    case 'a': return sized(1, "byte string");
    case 'U': return sized(4, "unicode string (4 bytes per character)");
    case 'V': return sized(1, "void (raw bytes) element");
    case 'f':
      if (width == "12" || width == "16") return width == "12" ? 12 : 16;
      refuse_descr(at, quoted,
                   "expected a float of 2, 4 or 8 bytes, or a long double of 12 or 16, found '" +
                       std::string(code) + "'");
    case 'c':
      if (width.empty()) return 1;  // NumPy's 'c': a 1-byte character, 'S1'
      if (width == "24" || width == "32") return width == "24" ? 24 : 32;
      refuse_descr(at, quoted,
                   "expected a complex number of 8 or 16 bytes, or a long double one of 24 or 32");
    case 'M':
    case 'm': {
      // 'M', 'M8', 'M8[ns]', 'm8[10s]': always 8 bytes.
      std::string_view rest = width.substr(width.starts_with('8') ? 1 : 0);
      if (rest.empty()) return 8;
      if (rest.size() >= 3 && rest.front() == '[' && rest.back() == ']' &&
          datetime_unit(rest.substr(1, rest.size() - 2))) {
        return 8;
      }
      refuse_descr(at, quoted,
                   "expected a datetime/timedelta of 8 bytes, with a unit such as [ns] "
                   "or [10s]");
    }
    case 'i':
    case 'u': refuse_descr(at, quoted, "expected an integer of 1, 2, 4 or 8 bytes");
    case 'b': refuse_descr(at, quoted, "expected a boolean of 1 byte");
    default: refuse_descr(at, quoted, "unknown type code '" + std::string(code) + "'");
  }
}

namespace {

// The Python literal subset NumPy writes for a structured descr: lists, tuples, quoted strings
// without escapes and non-negative integers.
class StructuredParser {
 public:
  StructuredParser(std::string_view text, DescrPlace at, const SimpleDescrBytes& simple)
      : s_(text.substr(0, kMaxOpaqueDescrBytes + 1)),
        truncated_(text.size() > kMaxOpaqueDescrBytes),
        at_(at),
        simple_(simple) {}

  StructuredDescr run() {
    StructuredDescr out;
    out.item_bytes = list(1);
    out.length = pos_;
    return out;
  }

 private:
  [[noreturn]] void overflow(const std::string& what) const {
    fail(ErrorCode::size_overflow, at_, pos_,
         "expected " + what + " that fits in 64 bits, found an overflow");
  }

  [[noreturn]] void malformed(const std::string& why) const {
    if (truncated_ && pos_ >= s_.size()) {
      fail(ErrorCode::limit_exceeded, at_, pos_,
           "expected a structured descr of at most " + std::to_string(kMaxOpaqueDescrBytes) +
               " characters, found a longer one");
    }
    fail(ErrorCode::bad_header, at_, pos_, why + ", found " + found());
  }

  std::string found() const {
    if (pos_ >= s_.size()) return "the end of the header";
    std::string out = "'";
    for (char c : s_.substr(pos_, 12)) {
      auto u = static_cast<unsigned char>(c);
      out += (u < 0x20 || u >= 0x7f) ? '?' : c;
    }
    return out + "'";
  }

  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' ||
                                s_[pos_] == '\r' || s_[pos_] == '\f')) {
      ++pos_;
    }
  }

  bool peek(char c) {
    skip_ws();
    return pos_ < s_.size() && s_[pos_] == c;
  }

  void expect(char c, const char* what) {
    if (!peek(c)) malformed(std::string("expected ") + what);
    ++pos_;
  }

  // A quoted string (Python 2's u'' prefix allowed), without escapes.
  std::string_view string(const char* what) {
    skip_ws();
    if (pos_ < s_.size() && (s_[pos_] == 'u' || s_[pos_] == 'U')) ++pos_;
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) {
      malformed(std::string("expected ") + what + " as a quoted string");
    }
    char quote = s_[pos_++];
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      if (s_[pos_] == '\\' || s_[pos_] == '\n') {
        malformed(std::string("expected ") + what + " without escapes or newlines");
      }
      ++pos_;
    }
    if (pos_ >= s_.size()) malformed(std::string("expected the closing quote of ") + what);
    return s_.substr(start, pos_++ - start);
  }

  uint64_t integer() {
    skip_ws();
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    auto v = decimal(s_.substr(start, pos_ - start));
    if (!v) {
      pos_ = start;
      malformed("expected a non-negative decimal dimension below 2^64");
    }
    return *v;
  }

  // A subarray shape: an integer or a tuple of integers; returns the element count.
  uint64_t shape() {
    if (!peek('(')) return integer();
    ++pos_;
    uint64_t count = 1;
    while (!peek(')')) {
      auto next = checked_mul(count, integer());
      if (!next) overflow("a field shape whose element count");
      count = *next;
      if (peek(',')) {
        ++pos_;
      } else if (!peek(')')) {
        malformed("expected ',' or ')' in a field shape");
      }
    }
    ++pos_;
    return count;
  }

  uint64_t list(unsigned depth) {
    if (depth > kMaxDescrDepth) {
      fail(ErrorCode::limit_exceeded, at_, pos_,
           "expected structured dtypes nested at most " + std::to_string(kMaxDescrDepth) +
               " deep, found deeper");
    }
    expect('[', "'[' opening a list of fields");
    std::set<std::string_view> names;
    uint64_t total = 0;
    while (!peek(']')) {
      size_t field_at = pos_;
      std::string_view name;
      uint64_t bytes = field(depth, name);
      // NumPy names its padding fields '' (several per record); other names are unique.
      if (!name.empty() && !names.insert(name).second) {
        pos_ = field_at;
        malformed("expected each field name once, '" + std::string(name) + "' repeats");
      }
      auto sum = checked_add(total, bytes);
      if (!sum) overflow("a record size");
      total = *sum;
      if (peek(',')) {
        ++pos_;
      } else if (!peek(']')) {
        malformed("expected ',' or ']' after a field");
      }
    }
    ++pos_;
    return total;
  }

  // (name, descr[, shape]): returns the field's bytes and sets `name`.
  uint64_t field(unsigned depth, std::string_view& name) {
    expect('(', "'(' opening a field");
    if (peek('(')) {  // (title, name)
      ++pos_;
      string("a field title");
      expect(',', "',' after a field title");
      name = string("a field name");
      expect(')', "')' closing a (title, name) pair");
    } else {
      name = string("a field name");
    }
    expect(',', "',' after a field name");
    uint64_t bytes = 0;
    if (peek('[')) {
      bytes = list(depth + 1);
    } else {
      skip_ws();
      uint64_t at = at_.offset + pos_;
      bytes = simple_(string("a field descr"), at);
    }
    if (peek(',')) {
      ++pos_;
      if (!peek(')')) {
        auto total = checked_mul(bytes, shape());
        if (!total) overflow("a field size");
        bytes = *total;
        if (peek(',')) ++pos_;
      }
    }
    expect(')', "')' closing a field");
    return bytes;
  }

  std::string_view s_;
  bool truncated_;
  DescrPlace at_;
  const SimpleDescrBytes& simple_;
  size_t pos_ = 0;
};

}  // namespace

StructuredDescr parse_structured_descr(std::string_view text, DescrPlace at,
                                       const SimpleDescrBytes& simple) {
  return StructuredParser(text, at, simple).run();
}

}  // namespace tensorio::detail
