// Member names: UTF-8 when general-purpose bit 11 is set, else IBM code page 437 (the ZIP
// default; CPython decodes it the same way), always presented as UTF-8.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tensorio::zip {

// Decodes a stored name. Throws Error(bad_utf8) naming `path`/`offset` for a bit-11 name that is
// not valid UTF-8, and Error(bad_header) for names containing NUL.
std::string decode_member_name(std::span<const std::byte> raw, bool utf8_flag,
                               const std::string& path, uint64_t offset);

// The same checks without the copy: the stored bytes as a view when they are already the
// UTF-8 name (ASCII, or valid UTF-8 with bit 11 set), else nullopt (a code page 437 name with
// bytes >= 0x80, which decode_member_name converts). Throws as decode_member_name does.
std::optional<std::string_view> member_name_as_stored(std::span<const std::byte> raw,
                                                      bool utf8_flag, const std::string& path,
                                                      uint64_t offset);

// True when `name` needs bit 11 to be read back as written (it has a byte >= 0x80).
bool needs_utf8_flag(const std::string& name) noexcept;

}  // namespace tensorio::zip
