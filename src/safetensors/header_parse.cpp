// Parsing a .safetensors header: the length prefix, the JSON text and its schema (rules 1-5 of
// include/tensorio/safetensors.hpp). The offset rules (6-7) are in offset_validation.cpp.
#include <string_view>

#include "core/byte_cursor.hpp"
#include "core/checked_math.hpp"
#include "safetensors/foreign_file.hpp"
#include "safetensors/header_schema.hpp"
#include "safetensors/offset_validation.hpp"
#include "safetensors/utf8.hpp"
#include "tensorio/safetensors.hpp"

namespace tensorio {

namespace {

constexpr uint64_t kHeaderStart = 8;
// The header-length rules fail on files that are not safetensors at all; say what they are.
[[noreturn]] void fail_length(std::span<const std::byte> file, const std::string& name,
                              ErrorCode code, std::string detail) {
  std::string foreign = detail::describe_foreign_file(file);
  if (!foreign.empty()) {
    throw Error(ErrorCode::bad_magic, name, 0,
                "safetensors header length: " + detail + "; " + foreign);
  }
  throw Error(code, name, 0, "safetensors header length: " + detail);
}

}  // namespace

SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file, const std::string& name,
                                           const Limits& limits) {
  // 1. The length prefix.
  if (file.size() < kHeaderStart) {
    throw Error(ErrorCode::file_too_small, name, 0,
                "safetensors: expected at least 8 bytes (the header length), found " +
                    std::to_string(file.size()));
  }
  ByteCursor cursor(file, name);
  uint64_t n = cursor.read_le<uint64_t>("safetensors header length");
  // 2. The cap, before anything is read or allocated for the header.
  if (n > limits.max_header_bytes) {
    fail_length(file, name, ErrorCode::header_too_large,
                "expected at most " + std::to_string(limits.max_header_bytes) +
                    " bytes (Limits::max_header_bytes), found " + std::to_string(n));
  }
  // 3. The header must lie inside the file.
  if (!span_fits(kHeaderStart, n, file.size())) {
    fail_length(file, name, ErrorCode::out_of_bounds,
                "expected a header of " + std::to_string(n) + " bytes to fit in the file, found " +
                    std::to_string(file.size() - kHeaderStart) + " bytes after the length");
  }
  std::string_view text = cursor.read_chars(n, "safetensors header");
  // 4. UTF-8, over the whole header (padding included), before any JSON parsing.
  if (auto bad = detail::first_invalid_utf8(text)) {
    throw Error(
        ErrorCode::bad_utf8, name, kHeaderStart + *bad,
        "safetensors header: expected UTF-8 text, found an invalid byte sequence "
        "starting with 0x" +
            [&] {
              static constexpr char kHex[] = "0123456789abcdef";
              auto c = static_cast<unsigned char>(text[*bad]);
              return std::string{kHex[c >> 4], kHex[c & 15]};
            }());
  }
  // 5. JSON and its schema, in one pass.
  SafetensorsHeader header;
  header.header_bytes = n;
  header.data_offset = kHeaderStart + n;
  detail::parse_safetensors_json(text, kHeaderStart, name, limits, header);
  // 6-7. Offsets: sorted, contiguous, sized by their shapes, covering the data buffer exactly.
  detail::validate_safetensors_offsets(header, file.size(), name);
  return header;
}

}  // namespace tensorio
