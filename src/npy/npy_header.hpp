// The npy header parser's internal entry point (the public one is tensorio::parse_npy_header).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tensorio/npy.hpp"
#include "tensorio/options.hpp"

namespace tensorio::detail {

// NumPy's limits on a shape, which it applies when it creates the array: every dimension is an
// intp (below 2^63), and the item size (`item_bytes`) times the product of the non-zero
// dimensions is at most 2^63 - 1 ("array is too big"; a zero dimension does not excuse the
// others). The first limit `shape` breaks (bad_shape for a dimension, size_overflow for the
// product), or nothing.
struct NumpyShapeProblem {
  ErrorCode code;
  std::string detail;
};
std::optional<NumpyShapeProblem> numpy_shape_problem(uint64_t item_bytes,
                                                     std::span<const uint64_t> shape);

// parse_npy_header() into `h`, reusing its storage: an opener that decodes thousands of
// headers keeps one NpyHeader per thread, and its shape's capacity saves an allocation per
// header. Every field is set on success; after an Error, `h` holds nothing meaningful.
void parse_npy_header_into(std::span<const std::byte> bytes, const std::string& name,
                           const Limits& limits, uint64_t base_offset, NpyHeader& h);

// The element size of `descr`, a NumPy descr that tensorio keeps opaque (a string such as
// "|S3", or a structured list literal), validated exactly as a file's header is. Throws
// Error(invalid_argument) for a numeric descr or trailing text, Error(object_dtype) for object
// fields, Error(unsupported_dtype) / Error(bad_header) for anything NumPy would not read.
// `where` names the file or tensor in messages.
uint64_t opaque_descr_item_bytes(std::string_view descr, const std::string& where);

}  // namespace tensorio::detail
