// The .npy preamble: Parse and Serialize side by side.
//
// Layout: "\x93NUMPY", major, minor, header length (u16 for 1.x, u32 for 2.x/3.x), then the
// header: a Python dict literal padded with spaces and ended by '\n'.
#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

#include "core/byte_cursor.hpp"
#include "core/byte_scan.hpp"
#include "core/checked_math.hpp"
#include "npy/npy_descr.hpp"
#include "npy/npy_header.hpp"
#include "npy/opaque_descr.hpp"
#include "tensorio/npy.hpp"

namespace tensorio {

namespace {

constexpr std::array<unsigned char, 6> kMagic = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr uint64_t kArrayAlign = 64;         // numpy.lib.format.ARRAY_ALIGN
constexpr size_t kGrowthAxisMaxDigits = 21;  // numpy.lib.format.GROWTH_AXIS_MAX_DIGITS

// ---------------------------------------------------------------------------------------------
// The dict literal parser. It accepts exactly the Python literal subset NumPy writes and reads:
// a dict of string keys to a string, a bool, and a tuple of non-negative integers.

class DictParser {
 public:
  // `python2_longs`: "3L" is read as 3, as NumPy repairs Python 2 headers of versions 1.0 and
  // 2.0 (3.0 is newer than Python 2, and NumPy refuses the suffix there).
  DictParser(std::string_view text, const std::string& name, uint64_t base, bool python2_longs)
      : s_(text), name_(name), base_(base), python2_longs_(python2_longs) {}

  [[noreturn]] void fail(std::string detail, ErrorCode code = ErrorCode::bad_header) const {
    throw Error(code, name_, base_ + pos_, "npy header: " + std::move(detail));
  }

  std::string found() const {
    if (pos_ >= s_.size()) return "the end of the header";
    std::string_view rest = s_.substr(pos_, 12);
    std::string out = "'";
    for (char c : rest) {
      auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u >= 0x7f) {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\x";
        out += kHex[u >> 4];
        out += kHex[u & 15];
      } else {
        out += c;
      }
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

  void expect(char c, std::string_view what) {
    if (!peek(c)) fail("expected " + std::string(what) + ", found " + found());
    ++pos_;
  }

  std::string_view string_literal(std::string_view what) {
    skip_ws();
    if (pos_ < s_.size() && (s_[pos_] == 'u' || s_[pos_] == 'U')) ++pos_;  // Python 2 u'...'
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) {
      fail("expected " + std::string(what) + " as a quoted string, found " + found());
    }
    char quote = s_[pos_++];
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != quote) {
      // Python ends a line at CR as at LF: neither may stand in a one-line string.
      if (s_[pos_] == '\\' || s_[pos_] == '\n' || s_[pos_] == '\r') {
        fail("expected a plain string for " + std::string(what) + ", found an escape or newline");
      }
      ++pos_;
    }
    if (pos_ >= s_.size()) fail("expected the closing quote of " + std::string(what));
    return s_.substr(start, pos_++ - start);
  }

  bool boolean(std::string_view what) {
    skip_ws();
    if (s_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (s_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail("expected True or False for " + std::string(what) + ", found " + found());
  }

  uint64_t integer() {
    skip_ws();
    size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-')
      fail("expected a non-negative dimension, found " + found(), ErrorCode::bad_shape);
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    if (pos_ == start)
      fail("expected an integer dimension, found " + found(), ErrorCode::bad_shape);
    std::string_view digits = s_.substr(start, pos_ - start);
    if (digits.size() > 1 && digits[0] == '0') {
      pos_ = start;
      fail("expected a decimal integer without leading zeros, found " + found(),
           ErrorCode::bad_shape);
    }
    uint64_t v = 0;
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (r.ec != std::errc()) {
      pos_ = start;
      fail("expected a dimension below 2^64, found " + found(), ErrorCode::size_overflow);
    }
    if (python2_longs_ && pos_ < s_.size() && s_[pos_] == 'L') ++pos_;  // not 'l', as NumPy
    return v;
  }

  std::vector<uint64_t> shape_tuple(uint32_t max_dims) {
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '[')
      fail("expected the shape as a tuple, found a list", ErrorCode::bad_shape);
    expect('(', "'(' opening the shape tuple");
    std::vector<uint64_t> dims;
    bool trailing_comma = false;
    while (!peek(')')) {
      if (dims.size() >= max_dims) {
        fail("expected at most " + std::to_string(max_dims) + " dimensions, found more",
             ErrorCode::limit_exceeded);
      }
      dims.push_back(integer());
      trailing_comma = false;
      if (peek(',')) {
        ++pos_;
        trailing_comma = true;
      } else if (!peek(')')) {
        fail("expected ',' or ')' in the shape tuple, found " + found(), ErrorCode::bad_shape);
      }
    }
    ++pos_;
    // In Python "(3)" is the integer 3, not a tuple: NumPy rejects it, so do we.
    if (dims.size() == 1 && !trailing_comma) {
      fail("expected a 1-tuple with a trailing comma like (3,), found a parenthesized integer",
           ErrorCode::bad_shape);
    }
    return dims;
  }

  size_t pos() const { return pos_; }
  // The absolute offset of the next character, and the text from there on.
  uint64_t offset() const { return base_ + pos_; }
  std::string_view rest() const { return s_.substr(pos_); }
  void skip(size_t n) { pos_ += n; }
  const std::string& name() const { return name_; }
  bool at_end() {
    skip_ws();
    return pos_ >= s_.size();
  }

 private:
  std::string_view s_;
  const std::string& name_;
  uint64_t base_;
  bool python2_longs_;
  size_t pos_ = 0;
};

struct DescrResult {
  DType dtype;
  bool big_endian;
  uint64_t item_bytes;
};

// Maps a NumPy descr to a dtype: any spelling np.dtype() reads as one of tensorio's numeric
// dtypes (npy/npy_descr.hpp); a fixed-size descr written with its byte order, as NumPy writes
// every descr ("|S3", "<U8", "<f16", "<M8[ns]"), to DType::opaque, with the element size it
// implies and its bytes kept as stored (never byte-swapped). Object descrs are refused with
// Error(object_dtype), anything else with the reason npy_descr gives. `offset` is the absolute
// offset of the descr's text.
DescrResult parse_descr(std::string_view descr, const std::string& name, uint64_t offset) {
  detail::NpyDescr d = detail::classify_npy_descr(descr);
  if (d.object || detail::is_object_descr(descr)) {
    throw Error(ErrorCode::object_dtype, name, offset,
                "npy header: descr '" + std::string(descr) +
                    "': an object array holds Python objects, stored as a pickle; tensorio never "
                    "unpickles (loading a pickle can run arbitrary code)");
  }
  if (d.numeric) return {d.numeric->dtype, d.numeric->big_endian, item_size(d.numeric->dtype)};
  // The kinds NumPy writes with a fixed size: strings, void and records' fields, long double,
  // datetime.
  bool opaque_kind = descr.size() >= 2 &&
                     (descr[0] == '<' || descr[0] == '>' || descr[0] == '|' || descr[0] == '=') &&
                     std::string_view("SaUVfcMm").find(descr[1]) != std::string_view::npos;
  if (d.code == ErrorCode::unsupported_dtype && opaque_kind) {
    return {DType::opaque, false, detail::opaque_descr_bytes(descr, {name, offset})};
  }
  throw Error(d.code, name, offset,
              "npy header: descr '" + std::string(descr) + "': " + std::string(d.why));
}

// The header exactly as numpy.lib.format (and serialize_npy_header) writes it:
//   {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }   ...spaces...\n
// read by matching that text directly. It is what almost every file holds, and the general
// parser's character-at-a-time tokenizing was most of the cost of opening a 1,000-member npz.
// Returns false, having changed nothing that the general parser does not overwrite, for
// anything else — other spellings, unknown descrs, too many dimensions, a bad number — which
// the general parser then accepts or reports with its own messages.
class CanonicalDict {
 public:
  explicit CanonicalDict(std::string_view text) : s_(text) {}

  bool parse(NpyHeader& h, uint32_t max_dims) {
    std::string_view descr;
    if (!literal("{'descr': '") || !until_quote(descr) || !literal("', 'fortran_order': ")) {
      return false;
    }
    if (literal("False")) {
      h.fortran_order = false;
    } else if (literal("True")) {
      h.fortran_order = true;
    } else {
      return false;
    }
    if (!literal(", 'shape': (")) return false;
    h.shape.clear();
    if (!literal(")")) {
      for (;;) {
        uint64_t d = 0;
        if (h.shape.size() >= max_dims || !dimension(d)) return false;
        h.shape.push_back(d);
        if (literal(", ")) continue;                      // another dimension follows
        if (h.shape.size() == 1 && literal(",)")) break;  // (3,)
        if (h.shape.size() > 1 && literal(")")) break;    // (3, 4)
        return false;
      }
    }
    if (!literal(", }")) return false;
    // Then spaces (most of the header: NumPy pads it to 64 bytes and leaves room for the first
    // dimension to grow) and the final newline.
    if (s_.size() <= pos_ || s_.back() != '\n') return false;
    if (!detail::all_chars_are(s_.substr(pos_, s_.size() - 1 - pos_), ' ')) return false;
    return known_descr(descr, h);
  }

 private:
  bool literal(std::string_view want) {
    if (s_.substr(pos_, want.size()) != want) return false;
    pos_ += want.size();
    return true;
  }

  bool until_quote(std::string_view& out) {
    size_t end = s_.find('\'', pos_);
    if (end == std::string_view::npos) return false;
    out = s_.substr(pos_, end - pos_);
    pos_ = end;
    // Escapes and line ends inside the string: the general parser's business.
    return out.find_first_of("\\\n\r") == std::string_view::npos;
  }

  // A decimal without leading zeros below 2^64 (the general parser explains anything else).
  bool dimension(uint64_t& out) {
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    size_t n = pos_ - start;
    if (n == 0 || (n > 1 && s_[start] == '0')) return false;
    auto r = std::from_chars(s_.data() + start, s_.data() + pos_, out);
    return r.ec == std::errc() && r.ptr == s_.data() + pos_;
  }

  static bool known_descr(std::string_view descr, NpyHeader& h) {
    auto d = detail::classify_npy_descr(descr);
    if (!d.numeric) return false;
    h.descr = std::string(descr);
    h.dtype = d.numeric->dtype;
    h.big_endian = d.numeric->big_endian;
    h.item_bytes = item_size(d.numeric->dtype);
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// Any header NumPy reads: the dict literal in whatever spelling and order, with a message
// for each way it can be wrong.
void parse_dict(std::string_view text, const std::string& name, uint64_t base, const Limits& limits,
                NpyHeader& h) {
  DictParser p(text, name, base, h.major_version <= 2);
  p.expect('{', "'{' opening the header dict");
  bool have_descr = false, have_fortran = false, have_shape = false;
  while (!p.peek('}')) {
    std::string_view key = p.string_literal("a header key");
    p.expect(':', "':' after the key");
    auto once = [&](bool& seen) {
      if (seen) p.fail("expected each key once, found '" + std::string(key) + "' twice");
      seen = true;
    };
    if (key == "descr") {
      once(have_descr);
      if (p.peek('{')) {
        p.fail(
            "descr: structured dtypes given as a dict of fields are not supported (NumPy "
            "writes a list)",
            ErrorCode::unsupported_dtype);
      }
      if (p.peek('(')) {
        p.fail("descr: subarray dtypes (a tuple of a dtype and a shape) are not supported",
               ErrorCode::unsupported_dtype);
      }
      if (p.peek('[')) {
        // A structured (record) dtype: kept opaque, its list literal as the descr text.
        auto simple = [&](std::string_view field, uint64_t at) {
          return parse_descr(field, p.name(), at).item_bytes;
        };
        uint64_t at = p.offset();
        auto s = detail::parse_structured_descr(p.rest(), {p.name(), at}, simple);
        if (s.item_bytes == 0) {
          p.fail(
              "descr: expected a structured dtype with at least one element byte, found "
              "records of 0 bytes",
              ErrorCode::unsupported_dtype);
        }
        h.descr = std::string(p.rest().substr(0, s.length));
        p.skip(s.length);
        h.dtype = DType::opaque;
        h.big_endian = false;
        h.item_bytes = s.item_bytes;
      } else {
        h.descr = std::string(p.string_literal("descr"));
        uint64_t at = p.offset() - 1 - h.descr.size();  // the text, inside its quotes
        auto d = parse_descr(h.descr, p.name(), at);
        h.dtype = d.dtype;
        h.big_endian = d.big_endian;
        h.item_bytes = d.item_bytes;
      }
    } else if (key == "fortran_order") {
      once(have_fortran);
      h.fortran_order = p.boolean("fortran_order");
    } else if (key == "shape") {
      once(have_shape);
      h.shape = p.shape_tuple(limits.max_dims);
    } else {
      p.fail("expected only the keys 'descr', 'fortran_order' and 'shape', found '" +
             std::string(key) + "'");
    }
    if (p.peek(',')) {
      p.expect(',', "','");
    } else if (!p.peek('}')) {
      p.fail("expected ',' or '}' after a value, found " + p.found());
    }
  }
  p.expect('}', "'}'");
  if (!p.at_end()) p.fail("expected only whitespace after the header dict, found " + p.found());
  if (!have_descr || !have_fortran || !have_shape) {
    std::string missing = !have_descr ? "descr" : !have_fortran ? "fortran_order" : "shape";
    p.fail("expected the keys 'descr', 'fortran_order' and 'shape', found no '" + missing + "'");
  }
}

}  // namespace

NpyHeader parse_npy_header(std::span<const std::byte> bytes, const std::string& name,
                           const Limits& limits, uint64_t base_offset) {
  NpyHeader h;
  detail::parse_npy_header_into(bytes, name, limits, base_offset, h);
  return h;
}

void detail::parse_npy_header_into(std::span<const std::byte> bytes, const std::string& name,
                                   const Limits& limits, uint64_t base_offset, NpyHeader& h) {
  ByteCursor cur(bytes, name, base_offset);
  auto magic = cur.read_bytes(kMagic.size(), "npy magic");
  if (!std::equal(kMagic.begin(), kMagic.end(), magic.begin(), [](unsigned char a, std::byte b) {
        return a == static_cast<unsigned char>(b);
      })) {
    throw Error(ErrorCode::bad_magic, name, base_offset,
                "expected the npy magic \\x93NUMPY, found other bytes");
  }
  h.major_version = cur.read_le<uint8_t>("npy major version");
  h.minor_version = cur.read_le<uint8_t>("npy minor version");
  if (h.major_version < 1 || h.major_version > 3 || h.minor_version != 0) {
    throw Error(ErrorCode::unsupported_version, name, base_offset + 6,
                "expected npy version 1.0, 2.0 or 3.0, found " + std::to_string(h.major_version) +
                    "." + std::to_string(h.minor_version));
  }
  uint64_t header_len = h.major_version == 1 ? cur.read_le<uint16_t>("npy header length")
                                             : cur.read_le<uint32_t>("npy header length");
  if (header_len > limits.max_header_bytes) {
    throw Error(ErrorCode::header_too_large, name, base_offset + 8,
                "expected an npy header of at most " + std::to_string(limits.max_header_bytes) +
                    " bytes, found " + std::to_string(header_len));
  }
  uint64_t dict_offset = cur.position();
  std::string_view text = cur.read_chars(header_len, "npy header");
  h.data_offset = cur.position();

  if (!CanonicalDict(text).parse(h, limits.max_dims)) {
    parse_dict(text, name, base_offset + dict_offset, limits, h);
  }

  if (auto problem = detail::numpy_shape_problem(h.item_bytes, h.shape)) {
    throw Error(problem->code, name, base_offset + dict_offset, "npy header: " + problem->detail);
  }
  // Both fit: the checks above bound the product of the non-zero dimensions.
  h.num_elements = element_count(h.shape).value_or(0);
  h.payload_bytes = h.num_elements * h.item_bytes;
}

std::optional<detail::NumpyShapeProblem> detail::numpy_shape_problem(
    uint64_t item_bytes, std::span<const uint64_t> shape) {
  constexpr uint64_t kIntpMax = INT64_MAX;
  uint64_t bytes = item_bytes;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] > kIntpMax) {
      return NumpyShapeProblem{ErrorCode::bad_shape,
                               "expected dimensions below 2^63 (NumPy's intp), found shape[" +
                                   std::to_string(i) + "] = " + std::to_string(shape[i])};
    }
    if (shape[i] == 0) continue;
    auto next = checked_mul(bytes, shape[i]);
    if (!next || *next > kIntpMax) {
      return NumpyShapeProblem{
          ErrorCode::size_overflow,
          "expected the item size times the non-zero dimensions to be below 2^63 (NumPy's "
          "limit, \"array is too big\"; a zero dimension does not lift it), found a product "
          "that overflows at shape[" +
              std::to_string(i) + "]"};
    }
    bytes = *next;
  }
  return std::nullopt;
}

std::string serialize_npy_header(DType dtype, std::span<const uint64_t> shape) {
  std::string_view descr = dtype_info(dtype).numpy_descr;
  if (descr.empty()) {
    throw Error(ErrorCode::unrepresentable, "", no_offset,
                "npy: expected a dtype NumPy can name, found " + std::string(dtype_name(dtype)));
  }
  // A shape NumPy cannot create would give a file no NumPy can load.
  if (auto problem = detail::numpy_shape_problem(item_size(dtype), shape)) {
    throw Error(ErrorCode::unrepresentable, "", no_offset, "npy: " + problem->detail);
  }
  return serialize_npy_header(descr, shape);
}

std::string serialize_npy_header(std::string_view descr, std::span<const uint64_t> shape) {
  // Exactly numpy.lib.format._write_array_header: sorted keys, repr() values, "', " separators
  // and a trailing ", " before '}', then spaces so the first axis can grow in place. A
  // structured descr is a list literal, written as is; any other is a quoted string.
  std::string dict = "{'descr': ";
  if (!descr.empty() && descr.front() == '[') {
    dict += descr;
  } else {
    dict += "'";
    dict += descr;
    dict += "'";
  }
  dict += ", 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) dict += ", ";
    dict += std::to_string(shape[i]);
  }
  if (shape.size() == 1) dict += ",";
  dict += "), }";
  if (!shape.empty()) {
    size_t digits = std::to_string(shape[0]).size();
    if (digits < kGrowthAxisMaxDigits) dict.append(kGrowthAxisMaxDigits - digits, ' ');
  }
  // Version 1.0 stores the header length in 2 bytes; 2.0 in 4.
  uint64_t hlen = dict.size() + 1;  // + '\n'
  bool v1 = true;
  uint64_t prefix = kMagic.size() + 2 + 2;
  uint64_t pad = kArrayAlign - (prefix + hlen) % kArrayAlign;
  if (hlen + pad > 0xFFFF) {
    v1 = false;
    prefix = kMagic.size() + 2 + 4;
    pad = kArrayAlign - (prefix + hlen) % kArrayAlign;
  }
  // NumPy pads a full 64 bytes when already aligned (its formula never yields 0); so do we.
  uint64_t total_len = hlen + pad;
  std::string out(reinterpret_cast<const char*>(kMagic.data()), kMagic.size());
  out += static_cast<char>(v1 ? 1 : 2);
  out += static_cast<char>(0);
  for (int i = 0; i < (v1 ? 2 : 4); ++i) out += static_cast<char>((total_len >> (8 * i)) & 0xFF);
  out += dict;
  out.append(pad, ' ');
  out += '\n';
  return out;
}

uint64_t detail::opaque_descr_item_bytes(std::string_view descr, const std::string& where) {
  static const std::string kText = "(descr)";
  const std::string& name = where.empty() ? kText : where;
  uint64_t item = 0;
  if (!descr.empty() && descr.front() == '[') {
    auto simple = [&](std::string_view field, uint64_t at) {
      return parse_descr(field, name, at).item_bytes;
    };
    auto s = detail::parse_structured_descr(descr, {name, 0}, simple);
    if (s.length != descr.size()) {
      throw Error(ErrorCode::invalid_argument, name, s.length,
                  "npy descr: expected only the list of fields, found more text after it");
    }
    item = s.item_bytes;
  } else {
    auto d = parse_descr(descr, name, 0);
    if (d.dtype != DType::opaque) {
      throw Error(ErrorCode::invalid_argument, name, no_offset,
                  "npy descr '" + std::string(descr) +
                      "': expected a dtype tensorio keeps opaque, "
                      "found the numeric dtype " +
                      std::string(dtype_name(d.dtype)) + " (save it as that)");
    }
    item = d.item_bytes;
  }
  if (item == 0) {
    throw Error(ErrorCode::unsupported_dtype, name, no_offset,
                "npy descr: expected elements of at least one byte, found 0-byte records");
  }
  return item;
}

}  // namespace tensorio
