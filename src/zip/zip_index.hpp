// The zip reader's front door: from a mapped file to the validated list of its members, each
// with the absolute offset of its data. Only structure is read here (end records, central
// directory, local headers, descriptors), never member data.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/mapped_file.hpp"
#include "tensorio/options.hpp"
#include "zip/central_directory.hpp"
#include "zip/end_of_central_directory.hpp"
#include "zip/local_header.hpp"

namespace tensorio::zip {

// How many leading bytes of each member's data a caller wants copied along with the member's
// local header, by method: they come with the same small read, so a caller that looks at the
// start of every member (a file format inside the archive) does not fault each member's first
// page into the mapping, nor read again. 0 asks for none.
struct DataHeadRequest {
  uint64_t stored = 0;
  uint64_t deflated = 0;  // of the compressed bytes
};

struct ZipMember {
  CentralEntry entry;
  LocalLayout layout;
  // The first min(compressed size, the DataHeadRequest for its method) bytes of the member's
  // data, copied in the same read as its local header; points into ZipIndex::heads (valid
  // while the index lives, moves included).
  std::span<const std::byte> data_head;
  size_t name_hash = 0;  // detail::NameIndex::hash(entry.name), computed by the member's worker
};

struct ZipIndex {
  EndOfCentralDirectory end;
  std::vector<ZipMember> members;      // central directory order
  std::unique_ptr<std::byte[]> heads;  // storage of the data heads, one slot per member
};

// The central directory found, before any member is read: the end records, and where each
// member's central header starts (with its method, unvalidated). A reader can size its work
// from it before read_zip_index reads the members. Errors: those of the end records and of
// locate_central_headers.
struct ZipDirectory {
  EndOfCentralDirectory end;
  std::vector<CentralHeaderStart> headers;
};
ZipDirectory locate_zip_directory(std::span<const std::byte> file, const std::string& path,
                                  const Limits& limits);

// Reads and validates the whole structure of the archive in `file`:
//  - the end records and central directory (see their headers);
//  - every member's local header, cross-checked with its central header;
//  - flags: encrypted members (bits 0, 6, 13) are Error(encrypted), patched data (bit 5) and
//    methods other than stored and deflate are Error(unsupported_compression) naming the method;
//  - sizes: a stored member's sizes must agree; a deflated member may not declare more than
//    `limits.max_member_bytes`, nor more than DEFLATE can expand its compressed size to
//    (1032:1, the format's own bound), and all of them together not more than
//    `limits.max_total_inflated_bytes` — so a zip bomb is refused before it is inflated;
//  - layout: no two members' byte ranges (local header to end of descriptor) overlap, none
//    reaches into the central directory, and no two members share a name.
//
// The local headers are scattered through the file, one per member. They are read with one
// small pread each from `source` (the file behind `file`), not through the mapping: faulting
// 1,000 scattered pages into a fresh mapping — plus a page-table page for every 2 MiB of a
// large file — costs several times more than 1,000 reads of a few hundred bytes from the page
// cache, and would make opening depend on the payload size. With a null or in-memory `source`
// the bytes are taken from `file`.
//
// Each member's central header is parsed, and its local header (and data head) read, on one
// of detail::header_threads(threads, members) threads (so 0 picks by the member count); only
// the walk that finds where the central headers start is sequential. Whatever the count, the
// error raised is the first a sequential reader would meet: the end records and the walk's,
// then the first member in directory order whose central header, flags, sizes or local
// header is wrong, then the total size, duplicate names and overlaps.
//
// Member names (CentralEntry::name) view `file`'s bytes, or a decoded copy the entry shares:
// the index, and any copy of an entry, must not outlive the bytes of `file`.
ZipIndex read_zip_index(std::span<const std::byte> file, const std::string& path,
                        const Limits& limits, const detail::MappedFile* source = nullptr,
                        unsigned threads = 1, DataHeadRequest heads = {});

// The same, from the directory locate_zip_directory found in `file`.
ZipIndex read_zip_index(std::span<const std::byte> file, const std::string& path,
                        const Limits& limits, ZipDirectory directory,
                        const detail::MappedFile* source, unsigned threads, DataHeadRequest heads);

}  // namespace tensorio::zip
