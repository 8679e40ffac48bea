// UTF-8 validation with Rust's std::str::from_utf8 rules, which the reference applies to the
// whole header (padding included) before parsing it: no overlong forms, no surrogates
// (U+D800..DFFF), nothing past U+10FFFF, no truncated sequences.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace tensorio::detail {

// Byte position of the first invalid sequence, or nullopt when `text` is valid UTF-8.
std::optional<size_t> first_invalid_utf8(std::string_view text) noexcept;

}  // namespace tensorio::detail
