// The zip reader's front door: from a mapped file to the validated list of its members, each
// with the absolute offset of its data. Only structure is read here (end records, central
// directory, local headers, descriptors), never member data.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tensorio/options.hpp"
#include "zip/central_directory.hpp"
#include "zip/end_of_central_directory.hpp"
#include "zip/local_header.hpp"

namespace tensorio::zip {

struct ZipMember {
  CentralEntry entry;
  LocalLayout layout;
};

struct ZipIndex {
  EndOfCentralDirectory end;
  std::vector<ZipMember> members;  // central directory order
};

// Reads and validates the whole structure of the archive in `file`:
//  - the end records and central directory (see their headers);
//  - every member's local header, cross-checked with its central header;
//  - flags: encrypted members (bits 0, 6, 13) are Error(encrypted), patched data (bit 5) and
//    methods other than stored and deflate are Error(unsupported_compression) naming the method;
//  - sizes: a stored member's sizes must agree; a deflated member may not declare more than
//    `limits.max_member_bytes`, nor more than DEFLATE can expand its compressed size to
//    (1032:1, the format's own bound), and all of them together not more than
//    `limits.max_total_inflated_bytes` — so a zip bomb is refused before anything is inflated;
//  - layout: no two members' byte ranges (local header to end of descriptor) overlap, none
//    reaches into the central directory, and no two members share a name.
ZipIndex read_zip_index(std::span<const std::byte> file, const std::string& path,
                        const Limits& limits);

}  // namespace tensorio::zip
