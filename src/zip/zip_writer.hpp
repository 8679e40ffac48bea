// Serializing zip records for the npz writer: local headers (with the alignment block that puts
// a stored member's payload on an aligned file offset), central headers and the end records,
// each with zip64 fields exactly when a value does not fit its classic field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tensorio::zip {

struct WrittenEntry {
  std::string name;  // UTF-8
  uint16_t method = 0;
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
};

// True when a size or offset needs the zip64 form (the classic field would hold 0xFFFFFFFF or
// more; 0xFFFFFFFF itself is the marker, so it cannot be written as a value).
constexpr bool needs_zip64(uint64_t value) noexcept { return value >= 0xFFFFFFFFull; }

// The local header of `e` (written at e.local_header_offset). When `alignment` > 0, a 0xD935
// extra block pads the header so that the byte `payload_skip` bytes into the member's data sits
// at a multiple of `alignment` in the file (alignment <= 32768, a power of two).
std::string local_header(const WrittenEntry& e, uint32_t alignment = 0, uint64_t payload_skip = 0);

// The central directory header of `e`.
std::string central_header(const WrittenEntry& e);

// The zip64 end record and locator (when needed) and the end-of-central-directory record, for a
// directory of `entries` headers at `directory_offset` spanning `directory_size` bytes, written
// right after the directory.
std::string end_records(uint64_t entries, uint64_t directory_offset, uint64_t directory_size);

// Offset of the CRC-32 field in a local header (patched once the data has been written).
inline constexpr uint64_t kLocalHeaderCrcOffset = 14;

}  // namespace tensorio::zip
