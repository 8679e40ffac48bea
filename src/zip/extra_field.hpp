// Extra fields: the (id, length, data) chain after a header's file name, and the zip64 extended
// information field (id 0x0001) that carries the 64-bit sizes and offset of big members.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tensorio::zip {

struct ExtraField {
  uint16_t id = 0;
  std::span<const std::byte> data;
  uint64_t offset = 0;  // absolute offset of the field's header, for messages
};

// Splits a chain. Strict (central headers): a field running past the chain, or leftover bytes
// too short for a field header, is Error(bad_header). Lenient (local headers, which CPython also
// skips blindly): parsing stops at the first malformed field and returns what came before.
std::vector<ExtraField> split_extra_fields(std::span<const std::byte> extra,
                                           const std::string& path, uint64_t base_offset,
                                           bool strict);

// The last field with this id in the chain, the chain checked as split_extra_fields checks it,
// without building the list (this runs for the central and the local header of every member
// at open, where the list's allocation was measurable).
std::optional<ExtraField> find_extra_field(std::span<const std::byte> extra, uint16_t id,
                                           const std::string& path, uint64_t base_offset,
                                           bool strict);

// The values a zip64 field replaces: only those whose header field held the 0xFFFFFFFF marker,
// in the fixed order uncompressed size, compressed size, local header offset.
struct Zip64Needs {
  bool uncompressed_size = false;
  bool compressed_size = false;
  bool header_offset = false;
};
struct Zip64Values {
  uint64_t uncompressed_size = 0;
  uint64_t compressed_size = 0;
  uint64_t header_offset = 0;
};

// Takes the needed values from the zip64 field of `fields`. Throws Error(bad_header) naming
// `member` when a value is needed and there is no zip64 field or it is too short.
Zip64Values read_zip64_extra(const std::vector<ExtraField>& fields, Zip64Needs needs,
                             const std::string& path, uint64_t header_offset,
                             std::string_view member);
// The same with the zip64 field already found (null: none).
Zip64Values read_zip64_extra(const ExtraField* zip64, Zip64Needs needs, const std::string& path,
                             uint64_t header_offset, std::string_view member);

// Appends a zip64 field holding the given values (each only when `needs` says so).
void append_zip64_extra(std::string& out, Zip64Needs needs, const Zip64Values& values);

}  // namespace tensorio::zip
