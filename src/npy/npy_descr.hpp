// The npy header's 'descr': what a dtype string means to tensorio.
//
// NumPy reads a descr with np.dtype(descr), so any spelling np.dtype() accepts is a valid file:
// a type code with an optional byte order and size ('<f4', 'f4', '|u1', '>d', 'f', '?', 'B'; the
// size read as strtol() reads it, so 'f 4', 'f+4' and 'f04' are '<f4' too), or a type name
// ('float32', 'double', 'bool', 'uintc'). Every spelling whose type is the same on
// every platform NumPy runs on and maps to one of tensorio's dtypes is accepted. Refused, each
// with a message saying why: object, string, void (except the 2-byte bfloat16 convention, '<V2'),
// datetime/timedelta, long double, the platform-sized integers ('l', 'int', 'intp': a C long is
// 32 bits on Windows), structured and subarray dtypes, and spellings NumPy does not know.
#pragma once

#include <optional>
#include <string_view>

#include "tensorio/dtype.hpp"
#include "tensorio/error.hpp"

namespace tensorio::detail {

// A descr that names one of tensorio's dtypes.
struct NpyNumericDescr {
  DType dtype;
  bool big_endian;  // the stored bytes are big-endian (never for 1-byte types)
};

// What a descr means. A descr is numeric (a tensor of `dtype`) or refused (`code` and `why`).
struct NpyDescr {
  std::optional<NpyNumericDescr> numeric;
  ErrorCode code = ErrorCode::unsupported_dtype;  // when refused: unknown_dtype if NumPy has no
                                                  // such dtype, unsupported_dtype otherwise
  std::string_view why;                           // when refused, for the message
  bool object = false;  // refused as an object dtype (a pickle), in any spelling
};

// Classifies a descr string. The common spellings ('<f4', '|b1') are decided by a switch on
// their length and characters; names are looked up only when that fails.
NpyDescr classify_npy_descr(std::string_view descr) noexcept;

}  // namespace tensorio::detail
