// The npy header parser's internal entry point (the public one is tensorio::parse_npy_header).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "tensorio/npy.hpp"
#include "tensorio/options.hpp"

namespace tensorio::detail {

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
