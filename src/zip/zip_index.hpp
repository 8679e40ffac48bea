// The zip reader's front door: from a mapped file to the validated list of its members, each
// with the absolute offset of its data. Only structure is read here (end records, central
// directory, local headers, descriptors), never member data.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/mapped_file.hpp"
#include "tensorio/options.hpp"
#include "zip/central_directory.hpp"
#include "zip/end_of_central_directory.hpp"
#include "zip/local_header.hpp"

namespace tensorio::zip {

// How many bytes of each member's data are read along with its local header: a stored .npy
// member's preamble fits (NumPy pads it to a multiple of 64: 128 bytes up to about ten
// dimensions); a longer one is read from the mapping instead. Not more: copying each read out
// of the page cache was the largest single cost of opening 1,000 stored members.
inline constexpr uint64_t kDataHeadBytes = 128;

struct ZipMember {
  CentralEntry entry;
  LocalLayout layout;
  // The first min(compressed size, kDataHeadBytes) bytes of the member's data, copied in the
  // same read as its local header; points into ZipIndex::heads (valid while the index lives,
  // moves included). Empty after read_zip_index when a MemberVisitor was given: the visitor
  // saw it during its call.
  std::span<const std::byte> data_head;
  size_t name_hash = 0;  // detail::NameIndex::hash(entry.name), computed by the member's worker
};

struct ZipIndex {
  EndOfCentralDirectory end;
  std::vector<ZipMember> members;             // central directory order
  std::vector<std::vector<std::byte>> heads;  // storage of the data heads, one per worker
};

// Reads and validates the whole structure of the archive in `file`:
//  - the end records and central directory (see their headers);
//  - every member's local header, cross-checked with its central header;
//  - flags: encrypted members (bits 0, 6, 13) are Error(encrypted), patched data (bit 5) and
//    methods other than stored and deflate are Error(unsupported_compression) naming the method;
//  - sizes: a stored member's sizes must agree; a deflated member may not declare more than
//    `limits.max_member_bytes`, nor more than DEFLATE can expand its compressed size to
//    (1032:1, the format's own bound), and all of them together not more than
//    `limits.max_total_inflated_bytes` — so a zip bomb is refused before it is inflated (a
//    visitor sees a member only after its own sizes passed; the total is checked once every
//    member has been read, and a visitor inflates no more than a bounded prefix at open);
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
// Each member's central header is parsed, and its local header read, on one of
// detail::header_threads(threads, members) threads (so 0 picks by the member count); only the
// walk that finds where the central headers start is sequential. Whatever the count, the
// error raised is the first a sequential reader would meet: the end records and the walk's,
// then the first member in directory order whose central header, flags, sizes or local
// header is wrong, then the total size, duplicate names and overlaps.
//
// Member names (CentralEntry::name) view `file`'s bytes, or a decoded copy the entry shares:
// the index, and any copy of an entry, must not outlive the bytes of `file`.
//
// `visit`, when given, sees each member on the worker that read it, right after its local
// header was validated: a reader decodes what it needs from the data head there, in parallel
// and while the bytes are in cache, instead of in a second pass.
class MemberVisitor {
 public:
  virtual ~MemberVisitor() = default;
  // Called once, before any member(), with the number of members.
  virtual void start(size_t count) = 0;
  // Called for every member (index in directory order; data_head valid for the call only).
  // Calls for different members run concurrently. An exception counts as that member's
  // error; a visitor that wants structural errors (later members, duplicate names, overlaps)
  // to come first keeps its own and raises them after read_zip_index returns.
  virtual void member(size_t index, const ZipMember& m) = 0;
};

ZipIndex read_zip_index(std::span<const std::byte> file, const std::string& path,
                        const Limits& limits, const detail::MappedFile* source = nullptr,
                        unsigned threads = 1, MemberVisitor* visit = nullptr);

}  // namespace tensorio::zip
