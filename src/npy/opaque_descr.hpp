// NumPy descrs that name no numeric dtype of tensorio's but a fixed-size element all the same:
// byte and unicode strings, void and structured (record) dtypes, long double, datetime. Such
// arrays open as DType::opaque tensors: their bytes are kept exactly as stored, with the descr
// text and the element size it implies, so that they can be listed, verified and copied into
// another .npy/.npz without tensorio knowing what an element means.
//
// The descr is validated as NumPy reads it (numpy.lib.format.descr_to_dtype): a string such as
// '|S3' or '<M8[ns]', or a list of fields [(name, descr[, shape]), ...] whose descrs are again
// strings or lists. Object fields ('O', a pickle) anywhere refuse the whole array with
// Error(object_dtype): tensorio never unpickles. Sizes are overflow-checked; the text's length
// and nesting are capped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace tensorio::detail {

// The most text an opaque descr may have, and the deepest nesting of a structured one.
inline constexpr size_t kMaxOpaqueDescrBytes = 64 * 1024;
inline constexpr unsigned kMaxDescrDepth = 16;

// Where a descr's text lies, for error messages: the file (or member) and the absolute offset
// of the text's first character.
struct DescrPlace {
  const std::string& file;
  uint64_t offset;
};

// The element size of a simple descr (byte-order character + type code) that is fixed-size but
// not numeric here: 'S<n>'/'a<n>' (n bytes), 'U<n>' (4n), 'V<n>' (n), 'f12'/'f16' (long
// double), 'c24'/'c32', 'M8'/'m8' with an optional [unit]. Throws Error(object_dtype) for 'O',
// Error(unsupported_dtype) naming why for anything else (zero-size elements included).
uint64_t opaque_descr_bytes(std::string_view descr, DescrPlace at);

// True for every spelling NumPy reads as the object dtype ('O', '|O', '<O8', 'object', ...):
// refused with
// Error(object_dtype) by opaque_descr_bytes().
bool is_object_descr(std::string_view descr) noexcept;

// The size of one element of a simple descr, whatever it names (the caller's numeric table
// first, then opaque_descr_bytes); throws as they do.
using SimpleDescrBytes = std::function<uint64_t(std::string_view descr, uint64_t offset)>;

struct StructuredDescr {
  size_t length = 0;  // characters of `text` the list literal takes
  uint64_t item_bytes = 0;
};

// Parses the structured descr (a Python list literal) at the start of `text`. Fields are
// (name, descr) or (name, descr, shape), a name may be a (title, name) pair, a descr is a
// string (sized by `simple`) or a nested list. Throws Error(bad_header) for a malformed
// literal or a repeated field name ('' excepted: NumPy's padding fields), Error(limit_exceeded)
// past the caps above.
StructuredDescr parse_structured_descr(std::string_view text, DescrPlace at,
                                       const SimpleDescrBytes& simple);

}  // namespace tensorio::detail
