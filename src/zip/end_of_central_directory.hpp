// Locating the central directory: the end-of-central-directory record (EOCD), which sits at the
// end of the archive followed only by an optional comment of up to 65535 bytes, and, when the
// archive needs it, the zip64 locator and zip64 end record that precede the EOCD.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "tensorio/options.hpp"

namespace tensorio::zip {

struct EndOfCentralDirectory {
  uint64_t record_offset = 0;        // absolute offset of the PK\5\6 record
  uint64_t zip64_record_offset = 0;  // absolute offset of the PK\6\6 record (when zip64)
  bool zip64 = false;                // the counts and offsets below came from the zip64 record
  uint64_t entries = 0;
  uint64_t directory_size = 0;
  // Bytes in front of the archive proper (a self-extractor stub, or a zip appended to another
  // file): every offset the archive declares is shifted by this much, as in CPython's zipfile.
  uint64_t prefix = 0;
  uint64_t directory_start = 0;  // absolute: declared offset + prefix
  std::string comment;
};

// Finds and validates the end records of the archive `file`. Errors name `path`: bad_magic when
// there is no EOCD at all (truncated when the file at least starts like a zip), out_of_bounds when
// the directory it declares does not fit before it, limit_exceeded when it declares more entries
// than `limits.max_tensors` or than its size can hold, unsupported_version for multi-disk archives.
EndOfCentralDirectory read_end_of_central_directory(std::span<const std::byte> file,
                                                    const std::string& path, const Limits& limits);

}  // namespace tensorio::zip
