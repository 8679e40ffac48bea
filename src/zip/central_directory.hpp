// The central directory: one header per member, the authoritative list of an archive's
// members (their names, methods, CRCs, sizes and where their local headers are). Members are
// never found by walking local headers, which breaks on data descriptors and gaps.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tensorio/options.hpp"
#include "zip/end_of_central_directory.hpp"

namespace tensorio::zip {

struct CentralEntry {
  std::string name;                     // UTF-8 (decoded from code page 437 unless bit 11)
  std::span<const std::byte> raw_name;  // as stored, for the local header cross-check
  uint64_t header_offset = 0;           // absolute offset of this central header
  uint16_t version_needed = 0;
  uint16_t flags = 0;
  uint16_t method = 0;
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;  // absolute (the archive's prefix applied)
  bool zip64 = false;                // a value came from the zip64 extra field
};

// Parses all `eocd.entries` central headers. Each header must lie inside the directory, and
// the directory must hold exactly that many headers. Errors name the member where one is known.
std::vector<CentralEntry> read_central_directory(std::span<const std::byte> file,
                                                 const EndOfCentralDirectory& eocd,
                                                 const std::string& path);

}  // namespace tensorio::zip
