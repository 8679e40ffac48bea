// The central directory: one header per member, the authoritative list of an archive's
// members (their names, methods, CRCs, sizes and where their local headers are). Members are
// never found by walking local headers, which breaks on data descriptors and gaps.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tensorio/options.hpp"
#include "zip/end_of_central_directory.hpp"

namespace tensorio::zip {

struct CentralEntry {
  // UTF-8 (decoded from code page 437 unless bit 11). It views the stored bytes in the archive
  // when they are the name as they stand (ASCII, or UTF-8 with bit 11: every NumPy name), and
  // otherwise the decoded copy in `decoded_name`; copies of the entry share that copy. Opening
  // a 1,000-member archive copies no names.
  std::string_view name;
  std::shared_ptr<const std::string> decoded_name;
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

// Where each central header starts, and its method: a walk over the `eocd.entries` headers
// that reads only their signatures and the three lengths that give each one's size. Each
// header must lie inside the directory, and the directory must hold exactly that many headers
// (errors: bad_header, truncated). The headers themselves are then parsed independently —
// by read_central_entry, on the thread that goes on to read that member's local header, so
// that a member's central and local records are decoded on one core.
struct CentralHeaderStart {
  uint64_t offset = 0;  // absolute offset of the header's signature
  uint16_t method = 0;  // the compression method field, unvalidated (for sizing work)
};
std::vector<CentralHeaderStart> locate_central_headers(std::span<const std::byte> file,
                                                       const EndOfCentralDirectory& eocd,
                                                       const std::string& path);

// Parses the central header at `offset` (one that locate_central_headers found) and validates
// it: the member name (NUL, UTF-8 with bit 11), its disk, the zip64 extra field where a
// value says so, and a local header offset that lies before the directory. Errors name the
// member where one is known.
CentralEntry read_central_entry(std::span<const std::byte> file, const EndOfCentralDirectory& eocd,
                                uint64_t offset, const std::string& path);

// Every central header, parsed in order (locate_central_headers, then read_central_entry).
std::vector<CentralEntry> read_central_directory(std::span<const std::byte> file,
                                                 const EndOfCentralDirectory& eocd,
                                                 const std::string& path);

}  // namespace tensorio::zip
