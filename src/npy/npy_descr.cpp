#include "npy/npy_descr.hpp"

#include <bit>

namespace tensorio::detail {

namespace {

constexpr bool kNativeBig = std::endian::native == std::endian::big;

// A type code after the byte order: a kind with its size in bytes ("f4", "c16", "b1") or one
// of the C type characters whose width is the same on every platform NumPy supports (char,
// short, int and long long are 8, 16, 32 and 64 bits there; 'l' and 'p' are not listed: a C
// long and a pointer differ between platforms). "V2" is the bfloat16 convention of ml_dtypes
// and MLX (NumPy itself reads it as 2 raw bytes).
constexpr std::optional<DType> dtype_of_code(std::string_view code) noexcept {
  if (code.size() == 1) {
    switch (code[0]) {
      case '?': return DType::bool_;
      case 'b': return DType::int8;
      case 'B': return DType::uint8;
      case 'h': return DType::int16;
      case 'H': return DType::uint16;
      case 'i': return DType::int32;
      case 'I': return DType::uint32;
      case 'q': return DType::int64;
      case 'Q': return DType::uint64;
      case 'e': return DType::float16;
      case 'f': return DType::float32;
      case 'd': return DType::float64;
      case 'F': return DType::complex64;
      case 'D': return DType::complex128;
      default: return std::nullopt;
    }
  }
  if (code.size() == 3) return code == "c16" ? std::optional(DType::complex128) : std::nullopt;
  if (code.size() != 2) return std::nullopt;
  char kind = code[0], width = code[1];
  switch (kind) {
    case 'b': return width == '1' ? std::optional(DType::bool_) : std::nullopt;
    case 'c': return width == '8' ? std::optional(DType::complex64) : std::nullopt;
    case 'V': return width == '2' ? std::optional(DType::bfloat16) : std::nullopt;
    case 'i':
    case 'u':
    case 'f': {
      bool i = kind == 'i', u = kind == 'u';
      switch (width) {
        case '1':
          return i ? std::optional(DType::int8) : u ? std::optional(DType::uint8) : std::nullopt;
        case '2': return i ? DType::int16 : u ? DType::uint16 : DType::float16;
        case '4': return i ? DType::int32 : u ? DType::uint32 : DType::float32;
        case '8': return i ? DType::int64 : u ? DType::uint64 : DType::float64;
        default: return std::nullopt;
      }
    }
    default: return std::nullopt;
  }
}

static_assert(dtype_of_code("f4") == DType::float32 && dtype_of_code("?") == DType::bool_ &&
              dtype_of_code("c16") == DType::complex128 && !dtype_of_code("f1") &&
              !dtype_of_code("i3") && !dtype_of_code("V4") && !dtype_of_code("") &&
              !dtype_of_code("c32") && !dtype_of_code("l") && !dtype_of_code("g"));

struct NamedType {
  std::string_view name;
  DType dtype;
};

// The type names np.dtype() resolves to the same sized type on every platform (NumPy 1.x and
// 2.x; names NumPy 2 removed, such as 'float_', still mean only this where they are accepted).
// NumPy takes no byte order before a name.
constexpr NamedType kNames[] = {
    {"bool", DType::bool_},
    {"bool_", DType::bool_},
    {"bool8", DType::bool_},
    {"int8", DType::int8},
    {"byte", DType::int8},
    {"uint8", DType::uint8},
    {"ubyte", DType::uint8},
    {"int16", DType::int16},
    {"short", DType::int16},
    {"uint16", DType::uint16},
    {"ushort", DType::uint16},
    {"int32", DType::int32},
    {"intc", DType::int32},
    {"uint32", DType::uint32},
    {"uintc", DType::uint32},
    {"int64", DType::int64},
    {"longlong", DType::int64},
    {"uint64", DType::uint64},
    {"ulonglong", DType::uint64},
    {"float16", DType::float16},
    {"half", DType::float16},
    {"float32", DType::float32},
    {"single", DType::float32},
    {"float64", DType::float64},
    {"double", DType::float64},
    {"float", DType::float64},
    {"float_", DType::float64},
    {"complex64", DType::complex64},
    {"csingle", DType::complex64},
    {"singlecomplex", DType::complex64},
    {"complex128", DType::complex128},
    {"cdouble", DType::complex128},
    {"complex", DType::complex128},
    {"cfloat", DType::complex128},
    {"complex_", DType::complex128},
};

// Names and codes NumPy knows, refused here, and why.
struct Refusal {
  std::string_view spelling;
  std::string_view why;
};

constexpr std::string_view kObject =
    "object arrays hold pickled Python objects, not tensor data (object dtypes are not supported)";
constexpr std::string_view kString = "string dtypes are not tensors (not supported)";
constexpr std::string_view kVoid =
    "void dtypes other than the 2-byte bfloat16 convention ('<V2') are not supported";
constexpr std::string_view kDatetime = "datetime and timedelta dtypes are not supported";
constexpr std::string_view kLongDouble =
    "long double has a different format on every platform (80-bit x87 on x86-64 Linux, 128-bit "
    "on aarch64 Linux, 64-bit on Windows and Apple arm64) and is not supported";
constexpr std::string_view kPlatformInt =
    "a platform-sized integer (a C long or a pointer: 32 bits on Windows or 32-bit systems, 64 "
    "elsewhere) is not one dtype; write a sized code such as '<i8'";

constexpr Refusal kRefusedNames[] = {
    {"object", kObject},
    {"object_", kObject},
    {"object0", kObject},
    {"str", kString},
    {"str_", kString},
    {"str0", kString},
    {"bytes", kString},
    {"bytes_", kString},
    {"bytes0", kString},
    {"string_", kString},
    {"unicode", kString},
    {"unicode_", kString},
    {"void", kVoid},
    {"void0", kVoid},
    {"longdouble", kLongDouble},
    {"longfloat", kLongDouble},
    {"clongdouble", kLongDouble},
    {"clongfloat", kLongDouble},
    {"longcomplex", kLongDouble},
    {"float128", kLongDouble},
    {"complex256", kLongDouble},
    {"int", kPlatformInt},
    {"int_", kPlatformInt},
    {"int0", kPlatformInt},
    {"intp", kPlatformInt},
    {"uint", kPlatformInt},
    {"uint0", kPlatformInt},
    {"uintp", kPlatformInt},
    {"long", kPlatformInt},
    {"ulong", kPlatformInt},
};

bool all_digits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Why a type code (after any byte order) that dtype_of_code() does not map is refused.
std::optional<std::string_view> code_refusal(std::string_view code) noexcept {
  char kind = code[0];
  std::string_view size = code.substr(1);
  bool sized = size.empty() || all_digits(size);
  switch (kind) {
    case 'O':  // a pointer: 'O4' and 'O8' (old NumPy's spellings) or 'O'
      return size.empty() || size == "4" || size == "8" ? std::optional(kObject) : std::nullopt;
    case 'S':
    case 'a':
    case 'U': return sized ? std::optional(kString) : std::nullopt;
    case 'c':  // 'c' alone is 'S1'; 'c32' is the complex long double
      return size.empty()   ? std::optional(kString)
             : size == "32" ? std::optional(kLongDouble)
                            : std::nullopt;
    case 'V': return sized ? std::optional(kVoid) : std::nullopt;
    case 'M':
    case 'm': {
      // 'M8', 'M8[ns]', 'm', 'm8[s]'
      std::string_view unit = size.substr(size.starts_with('8') ? 1 : 0);
      bool ok = unit.empty() || (unit.front() == '[' && unit.back() == ']');
      return ok ? std::optional(kDatetime) : std::nullopt;
    }
    case 'g':
    case 'G': return size.empty() ? std::optional(kLongDouble) : std::nullopt;
    case 'f': return size == "16" ? std::optional(kLongDouble) : std::nullopt;
    case 'l':
    case 'L':
    case 'p':
    case 'P': return size.empty() ? std::optional(kPlatformInt) : std::nullopt;
    default: return std::nullopt;
  }
}

// NumPy reads the size after a kind character with strtol(): whitespace, a '+' and leading zeros
// may come first ('f 4', 'f+4', 'f04' are all '<f4'). The canonical spelling of such a code
// (kind, the decimal size, then any '[unit]' of a datetime) in `buf`, or nullopt when `code` is
// not of that form.
struct CanonicalCode {
  char text[40];
  size_t size = 0;
  std::string_view view() const noexcept { return {text, size}; }
};
std::optional<CanonicalCode> canonical_sized_code(std::string_view code) noexcept {
  constexpr std::string_view kSizedKinds = "biufcVSUaOMm";
  if (code.size() < 2 || kSizedKinds.find(code[0]) == std::string_view::npos) return std::nullopt;
  size_t i = 1;
  auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (i < code.size() && space(code[i])) ++i;
  if (i < code.size() && code[i] == '+') ++i;
  size_t digits = i;
  while (i < code.size() && code[i] == '0') ++i;  // leading zeros
  size_t value_start = i;
  while (i < code.size() && code[i] >= '0' && code[i] <= '9') ++i;
  if (i == digits) return std::nullopt;  // no digits at all
  std::string_view value = code.substr(value_start, i - value_start);
  if (value.empty()) value = "0";
  std::string_view rest = code.substr(i);
  bool unit = (code[0] == 'M' || code[0] == 'm') && rest.size() >= 2 && rest.front() == '[' &&
              rest.back() == ']';
  if (!rest.empty() && !unit) return std::nullopt;
  CanonicalCode out;
  if (1 + value.size() + rest.size() > sizeof out.text) return std::nullopt;
  out.text[out.size++] = code[0];
  for (char c : value) out.text[out.size++] = c;
  for (char c : rest) out.text[out.size++] = c;
  return out;
}

NpyDescr refused(ErrorCode code, std::string_view why) noexcept {
  return {std::nullopt, code, why, why.data() == kObject.data()};
}

}  // namespace

NpyDescr classify_npy_descr(std::string_view descr) noexcept {
  if (descr.empty()) return refused(ErrorCode::unknown_dtype, "an empty descr names no dtype");
  char order = descr[0];
  bool has_order = order == '<' || order == '>' || order == '|' || order == '=';
  std::string_view code = has_order ? descr.substr(1) : descr;
  if (auto dtype = dtype_of_code(code)) {
    // '|' (not applicable) and '=' before a multi-byte type mean the reader's native order.
    bool big = item_size(*dtype) > 1 && (order == '>' || (order != '<' && kNativeBig));
    return {NpyNumericDescr{*dtype, big}, ErrorCode::unsupported_dtype, {}};
  }
  if (code.empty()) return refused(ErrorCode::unknown_dtype, "a byte order without a type code");
  if (auto canonical = canonical_sized_code(code); canonical && canonical->view() != code) {
    if (auto dtype = dtype_of_code(canonical->view())) {
      bool big = item_size(*dtype) > 1 && (order == '>' || (order != '<' && kNativeBig));
      return {NpyNumericDescr{*dtype, big}, ErrorCode::unsupported_dtype, {}};
    }
    if (auto why = code_refusal(canonical->view())) {
      return refused(ErrorCode::unsupported_dtype, *why);
    }
  }
  if (auto why = code_refusal(code)) return refused(ErrorCode::unsupported_dtype, *why);
  // NumPy takes a byte order before the datetime names too ('<datetime64[ns]').
  std::string_view name = code.substr(0, code.find('['));
  if (name == "datetime64" || name == "timedelta64") {
    return refused(ErrorCode::unsupported_dtype, kDatetime);
  }
  if (!has_order) {
    for (const NamedType& n : kNames) {
      if (n.name == descr)
        return {NpyNumericDescr{n.dtype, kNativeBig && item_size(n.dtype) > 1},
                ErrorCode::unsupported_dtype,
                {}};
    }
    for (const Refusal& r : kRefusedNames) {
      if (r.spelling == descr) return refused(ErrorCode::unsupported_dtype, r.why);
    }
  }
  if (code.front() == '(' || (code.front() >= '0' && code.front() <= '9')) {
    return refused(ErrorCode::unsupported_dtype,
                   "a shape before the type code makes a subarray dtype (not supported)");
  }
  if (descr.find(',') != std::string_view::npos) {
    return refused(ErrorCode::unsupported_dtype,
                   "a comma-separated list of fields is a structured dtype (not supported)");
  }
  return refused(ErrorCode::unknown_dtype,
                 "NumPy has no dtype of this name (np.dtype() refuses it)");
}

}  // namespace tensorio::detail
