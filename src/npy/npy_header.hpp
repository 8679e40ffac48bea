// The npy header parser's internal entry point (the public one is tensorio::parse_npy_header).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "tensorio/npy.hpp"
#include "tensorio/options.hpp"

namespace tensorio::detail {

// parse_npy_header() into `h`, reusing its storage: an opener that decodes thousands of
// headers keeps one NpyHeader per thread, and its shape's capacity saves an allocation per
// header. Every field is set on success; after an Error, `h` holds nothing meaningful.
void parse_npy_header_into(std::span<const std::byte> bytes, const std::string& name,
                           const Limits& limits, uint64_t base_offset, NpyHeader& h);

}  // namespace tensorio::detail
