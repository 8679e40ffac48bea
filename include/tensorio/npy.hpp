// tensorio/npy.hpp — NumPy .npy files (format versions 1.0, 2.0 and 3.0).
//
// Reading: the header dict is parsed by a strict parser of the Python literal NumPy writes (any
// key order, True/False, tuples with or without the trailing comma, extra whitespace, Python 2
// `3L` integers) — never by fixed offsets. Keys must be exactly descr, fortran_order and shape.
// Every descr spelling np.dtype() reads as a numeric type of fixed width is read: type codes with
// or without a byte order and size ('<f4', 'f4', '|u1', '<f', '?', 'B', 'd') and type names
// ('float32', 'double', 'bool'); a 2-byte void ('<V2', '|V2') is bfloat16, as MLX and ml_dtypes
// write it. Object, string, datetime, long double, platform-sized integers ('l', 'int'),
// structured, subarray and other void dtypes are refused with Error(unsupported_dtype) saying
// which, and spellings NumPy does not know with Error(unknown_dtype). Shapes follow NumPy's
// limits (dimensions below 2^63, item size x non-zero dimensions below 2^63) and are compared
// with the bytes present: a short file fails at open. Big-endian payloads are presented
// in native order and Fortran-order payloads in C order, transformed once on first access; the
// stored bytes stay reachable zero-copy through TensorView::stored_bytes().
//
// Writing: version 1.0 (2.0 only when the header needs it), little-endian, C order, the data
// start padded to a multiple of 64 bytes exactly as numpy.save does, so the bytes are identical
// to NumPy's output for the same array.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tensorio/archive.hpp"
#include "tensorio/dtype.hpp"
#include "tensorio/export.h"
#include "tensorio/options.hpp"
#include "tensorio/tensor_ref.hpp"

namespace tensorio {

struct TENSORIO_API NpyHeader {
  uint8_t major_version = 1;
  uint8_t minor_version = 0;
  std::string descr;  // as written in the file, e.g. ">f8", "|S3", "[('x', '<f4')]"
  // DType::opaque for a fixed-size dtype tensorio stores but does not interpret (strings,
  // records, long double, datetime): its bytes are kept as stored, never byte-swapped.
  DType dtype = DType::float32;
  bool big_endian = false;  // payload bytes are big-endian (only for items wider than 1 byte)
  bool fortran_order = false;
  std::vector<uint64_t> shape;
  uint64_t num_elements = 0;
  uint64_t item_bytes = 0;     // bytes of one element (for DType::opaque, what descr implies)
  uint64_t payload_bytes = 0;  // num_elements x item_bytes
  uint64_t data_offset = 0;    // where the payload starts (magic + length + header dict)
};

// Parses and validates the preamble and header dict at the start of `bytes` (a whole file or
// an npz member). `name` is used in error messages. Does not check that the payload is present.
[[nodiscard]] TENSORIO_API NpyHeader parse_npy_header(std::span<const std::byte> bytes,
                                                      const std::string& name,
                                                      const Limits& limits = {},
                                                      uint64_t base_offset = 0);

// The complete preamble numpy.save writes for this dtype and shape (magic, version, header
// length, dict, space padding, newline): its length is a multiple of 64. Throws
// Error(unrepresentable) for dtypes NumPy cannot name and for shapes NumPy cannot create (a
// dimension of 2^63 or more, or an item size times non-zero dimensions past 2^63 - 1).
[[nodiscard]] TENSORIO_API std::string serialize_npy_header(DType dtype,
                                                            std::span<const uint64_t> shape);
// The same preamble for a descr given as NumPy writes it: a string such as "|S3" (written
// quoted) or a structured list literal (written as is). The descr is not checked here; save()
// validates an opaque tensor's descr before it writes.
[[nodiscard]] TENSORIO_API std::string serialize_npy_header(std::string_view descr,
                                                            std::span<const uint64_t> shape);

// Opens a .npy file. The one tensor is named after the file's stem.
[[nodiscard]] TENSORIO_API Archive open_npy(const std::filesystem::path& path,
                                            const OpenOptions& options = {});

// Saves one tensor as .npy, atomically.
TENSORIO_API void save_npy(const std::filesystem::path& path, const TensorRef& tensor,
                           const SaveOptions& options = {});

}  // namespace tensorio
