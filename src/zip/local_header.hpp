// Local file headers: the header right before each member's data. Its name and extra field may
// differ in length from the central ones (NumPy puts a zip64 field only in the local header),
// so the data offset can only be known by reading it. It is cross-checked against the central
// header: a disagreement is how a crafted archive hides different data from different readers.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "zip/central_directory.hpp"

namespace tensorio::zip {

struct LocalLayout {
  uint64_t data_offset = 0;  // absolute offset of the member's (compressed) data
  uint64_t data_end = 0;     // data_offset + compressed size
  uint64_t record_end = 0;   // past the data descriptor, when there is one
};

// Reads the local header of `entry` and checks it: signature, same name bytes, same method,
// same encryption bit, and (unless bit 3 defers them to a descriptor) same CRC and sizes. The
// data (and descriptor) must end at or before `limit` (the central directory). Errors name the
// member.
//
// The header itself is decoded from `header_bytes`: the file's bytes from the local header's
// offset onwards, as far as the caller read them (a copy made with one pread, see zip_index).
// They must reach either `limit` or past the end of the name and extra field, so that running
// out of them means the header really runs into the central directory. `file` (the whole
// mapping) serves the size checks and a data descriptor after the data.
LocalLayout read_local_header(std::span<const std::byte> file, const CentralEntry& entry,
                              uint64_t limit, const std::string& path,
                              std::span<const std::byte> header_bytes);

}  // namespace tensorio::zip
