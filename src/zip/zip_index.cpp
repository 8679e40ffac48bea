#include "zip/zip_index.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "core/checked_math.hpp"
#include "core/endian.hpp"
#include "core/name_index.hpp"
#include "io/parallel.hpp"
#include "tensorio/error.hpp"
#include "zip/zip_format.hpp"

namespace tensorio::zip {

namespace {

// DEFLATE's largest expansion: a length-258 match costs at least two bits, so one compressed
// byte yields at most 258 * 4 = 1032 bytes.
constexpr uint64_t kMaxDeflateRatio = 1032;

// One member's flags and declared sizes (the total over all members is checked apart).
void check_flags_and_sizes(const CentralEntry& e, const std::string& path, const Limits& limits) {
  if (e.flags & (kFlagEncrypted | kFlagStrongEncryption | kFlagEncryptedDirectory)) {
    throw Error(ErrorCode::encrypted, path, e.header_offset,
                "member '" + std::string(e.name) +
                    "': expected an unencrypted member, found flags " + std::to_string(e.flags) +
                    " (encryption is not supported)");
  }
  if (e.flags & kFlagPatchedData) {
    throw Error(ErrorCode::unsupported_compression, path, e.header_offset,
                "member '" + std::string(e.name) +
                    "': expected stored or deflated data, found patched data "
                    "(general-purpose bit 5)");
  }
  if (e.method == kMethodStored) {
    if (e.compressed_size != e.uncompressed_size) {
      throw Error(ErrorCode::bad_header, path, e.header_offset,
                  "member '" + std::string(e.name) +
                      "': expected a stored member's compressed size " +
                      std::to_string(e.compressed_size) + " to equal its size, found " +
                      std::to_string(e.uncompressed_size));
    }
    return;
  }
  if (e.method != kMethodDeflated) {
    throw Error(ErrorCode::unsupported_compression, path, e.header_offset,
                "member '" + std::string(e.name) +
                    "': expected method stored (0) or deflated (8), found " +
                    method_name(e.method));
  }
  if (e.uncompressed_size > limits.max_member_bytes) {
    throw Error(ErrorCode::limit_exceeded, path, e.header_offset,
                "member '" + std::string(e.name) + "': expected at most " +
                    std::to_string(limits.max_member_bytes) +
                    " inflated bytes (Limits::max_member_bytes), found " +
                    std::to_string(e.uncompressed_size) + " declared");
  }
  auto reachable = checked_mul(std::max<uint64_t>(e.compressed_size, 1), kMaxDeflateRatio);
  if (reachable && e.uncompressed_size > *reachable) {
    throw Error(ErrorCode::bad_compressed_data, path, e.header_offset,
                "member '" + std::string(e.name) + "': expected at most " +
                    std::to_string(*reachable) + " bytes from " +
                    std::to_string(e.compressed_size) +
                    " compressed bytes (DEFLATE expands at most 1032:1), found " +
                    std::to_string(e.uncompressed_size) + " declared (a zip bomb)");
  }
}

// Adds a deflated member's declared size to `total` (saturating: any overflow is over every
// limit).
void add_inflated(uint64_t& total, const CentralEntry& e) noexcept {
  if (e.method != kMethodDeflated) return;
  total = checked_add(total, e.uncompressed_size).value_or(UINT64_MAX);
}

// All deflated members together may declare at most limits.max_total_inflated_bytes. Called
// when the workers' sums say the limit is crossed: names the member, in directory order, at
// which the running total crosses it.
[[noreturn]] void refuse_total_inflated(const std::vector<ZipMember>& members,
                                        const std::string& path, const Limits& limits) {
  uint64_t total = 0;
  for (const ZipMember& m : members) {
    add_inflated(total, m.entry);
    if (total > limits.max_total_inflated_bytes) {
      throw Error(ErrorCode::limit_exceeded, path, m.entry.header_offset,
                  "member '" + std::string(m.entry.name) +
                      "': expected all members together to inflate to at most " +
                      std::to_string(limits.max_total_inflated_bytes) +
                      " bytes (Limits::max_total_inflated_bytes), found more");
    }
  }
  throw Error(ErrorCode::limit_exceeded, path, no_offset,
              "expected all members together to inflate to at most " +
                  std::to_string(limits.max_total_inflated_bytes) + " bytes, found more");
}

// Members must occupy disjoint byte ranges: overlapping entries are how "non-recursive" zip
// bombs reuse one compressed stream many times (CPython refuses them as well).
void check_no_overlaps(const std::vector<ZipMember>& members, const std::string& path) {
  std::vector<const ZipMember*> order;
  order.reserve(members.size());
  for (const ZipMember& m : members) order.push_back(&m);
  auto by_offset = [](const ZipMember* a, const ZipMember* b) {
    return a->entry.local_header_offset < b->entry.local_header_offset;
  };
  // Writers lay members out in directory order: usually nothing to sort.
  if (!std::is_sorted(order.begin(), order.end(), by_offset)) {
    std::sort(order.begin(), order.end(), by_offset);
  }
  for (size_t i = 1; i < order.size(); ++i) {
    const ZipMember& prev = *order[i - 1];
    const ZipMember& cur = *order[i];
    if (cur.entry.local_header_offset < prev.layout.record_end) {
      throw Error(ErrorCode::overlap, path, cur.entry.local_header_offset,
                  "member '" + std::string(cur.entry.name) +
                      "': expected its local header after the end of "
                      "member '" +
                      std::string(prev.entry.name) + "' at " +
                      std::to_string(prev.layout.record_end) + ", found it at " +
                      std::to_string(cur.entry.local_header_offset) + " (overlapping members)");
    }
  }
}

// No two members may share a name. One pass in directory order over a flat hash table (one
// allocation; sorting the names cost a tenth of opening 1,000 members, as NumPy's names share
// long prefixes), with the hashes the workers computed: the member reported is the first
// whose name was seen before.
void check_unique_names(const std::vector<ZipMember>& members, const std::string& path) {
  detail::NameIndex seen;
  seen.reserve(members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    const CentralEntry& e = members[i].entry;
    if (!seen.insert_hashed(e.name, members[i].name_hash, i)) {
      throw Error(ErrorCode::duplicate_name, path, e.header_offset,
                  "expected unique member names, found '" + std::string(e.name) + "' twice");
    }
  }
}

// Small reads at scattered offsets: one pread into a reused buffer for a real file (through a
// descriptor private to the worker, see detail::PrivateReader), a plain sub-span for bytes that
// are already in memory. Each worker's reader has a cache line of its own: the buffer's size
// changes with every member, and readers sharing a line bounced it between the cores.
class alignas(64) RecordReader {
 public:
  RecordReader(std::span<const std::byte> file, const detail::MappedFile* source,
               bool own_descriptor)
      : file_(file) {
    if (source && !source->in_memory()) reader_.emplace(*source, own_descriptor);
  }

  // The `len` bytes at `at` (the caller keeps the range inside the file); valid until the
  // next call.
  std::span<const std::byte> read(uint64_t at, uint64_t len) {
    if (!reader_) return file_.subspan(at, len);
    buffer_.resize(len);
    reader_->read_at(at, buffer_);
    return buffer_;
  }

 private:
  std::span<const std::byte> file_;
  std::optional<detail::PrivateReader> reader_;
  std::vector<std::byte> buffer_;
};

// The first read covers the 30-byte header, the name (its central copy has the same length
// unless the archive is inconsistent), an extra field of up to this many bytes (zip64 sizes,
// a 64-byte alignment block) and the data head asked for. Less copying per member than a
// round 1 KiB.
constexpr uint64_t kExtraAllowance = 96;

// The data head a member of compression `method` gets (other methods fail validation).
uint64_t head_bytes(uint16_t method, const DataHeadRequest& request) noexcept {
  if (method == kMethodStored) return request.stored;
  if (method == kMethodDeflated) return request.deflated;
  return 0;
}

}  // namespace

ZipDirectory locate_zip_directory(std::span<const std::byte> file, const std::string& path,
                                  const Limits& limits) {
  ZipDirectory directory;
  directory.end = read_end_of_central_directory(file, path, limits);
  // Only where each central header starts is found here; each header is parsed on the worker
  // that then reads its member's local header: the directory's parsing is shared out too, and
  // an entry, its name and the member's record are made and used on one core.
  directory.headers = locate_central_headers(file, directory.end, path);
  return directory;
}

ZipIndex read_zip_index(std::span<const std::byte> file, const std::string& path,
                        const Limits& limits, const detail::MappedFile* source, unsigned threads,
                        DataHeadRequest heads) {
  return read_zip_index(file, path, limits, locate_zip_directory(file, path, limits), source,
                        threads, heads);
}

ZipIndex read_zip_index(std::span<const std::byte> file, const std::string& path,
                        const Limits& limits, ZipDirectory directory,
                        const detail::MappedFile* source, unsigned threads, DataHeadRequest heads) {
  ZipIndex index;
  index.end = std::move(directory.end);
  const std::vector<CentralHeaderStart>& starts = directory.headers;

  // Each member's records are independent of the others': read them on `threads` workers,
  // each with its own read buffer.
  size_t count = starts.size();
  threads = static_cast<unsigned>(
      std::clamp<size_t>(detail::header_threads(threads, count), 1, std::max<size_t>(count, 1)));
  index.members.resize(count);
  // Every member's head has a slot of its own, sized from the method the walk saw (a member
  // whose method differs in its central header fails validation): one allocation, written
  // by whichever worker reads the member, never reallocated.
  std::vector<uint64_t> slot(count + 1, 0);
  for (size_t i = 0; i < count; ++i) slot[i + 1] = slot[i] + head_bytes(starts[i].method, heads);
  if (slot[count] > 0) index.heads.reset(new std::byte[slot[count]]);
  std::vector<RecordReader> readers;
  readers.reserve(threads);
  // Worker 0 (the calling thread) reads through the file's own descriptor: no other thread of
  // this open uses it, and reopening costs a path walk through /proc.
  for (unsigned w = 0; w < threads; ++w) readers.emplace_back(file, source, w > 0);
  // Each worker's sum of the deflated members' declared sizes, on a cache line of its own.
  struct alignas(64) InflatedSum {
    uint64_t total = 0;
  };
  std::vector<InflatedSum> inflated(threads);
  // The central directory bounds every local record (checked by read_central_entry).
  uint64_t stop = std::min<uint64_t>(index.end.directory_start, file.size());
  // Errors come in directory order, as from a sequential reader: the lowest member whose
  // central header, flags, sizes or local header is wrong.
  detail::parallel_for_in_order(count, threads, 16, [&](size_t i, unsigned worker) {
    CentralEntry e = read_central_entry(file, index.end, starts[i].offset, path);
    size_t name_hash = detail::NameIndex::hash(e.name);
    check_flags_and_sizes(e, path, limits);
    add_inflated(inflated[worker].total, e);
    RecordReader& reader = readers[worker];
    uint64_t head_room = slot[i + 1] - slot[i];
    uint64_t at = e.local_header_offset;
    uint64_t available = at <= stop ? stop - at : 0;
    uint64_t guess = kLocalHeaderSize + e.raw_name.size() + kExtraAllowance + head_room;
    auto bytes = reader.read(at, std::min(available, guess));
    if (bytes.size() >= kLocalHeaderSize) {
      // Name and extra field lengths sit at offsets 26 and 28 of the header; a long name or
      // extra field (a zipalign-style padding block, say) needs a second, exact read.
      uint64_t want = kLocalHeaderSize + uint64_t{load_le<uint16_t>(bytes.data() + 26)} +
                      load_le<uint16_t>(bytes.data() + 28) + head_room;
      if (want > bytes.size() && bytes.size() < available) {
        bytes = reader.read(at, std::min(available, want));
      }
    }
    LocalLayout layout = read_local_header(file, e, index.end.directory_start, path, bytes);
    // The data's first bytes, from the same read (data_offset >= at was just established).
    uint64_t skip = std::min<uint64_t>(layout.data_offset - at, bytes.size());
    auto head =
        bytes.subspan(skip).first(std::min({bytes.size() - skip, e.compressed_size, head_room}));
    std::byte* copy = index.heads.get() + slot[i];
    if (!head.empty()) std::memcpy(copy, head.data(), head.size());
    index.members[i] = {std::move(e), layout, {copy, head.size()}, name_hash};
  });
  uint64_t total_inflated = 0;
  for (const InflatedSum& sum : inflated) {
    total_inflated = checked_add(total_inflated, sum.total).value_or(UINT64_MAX);
  }
  if (total_inflated > limits.max_total_inflated_bytes) {
    refuse_total_inflated(index.members, path, limits);
  }
  check_unique_names(index.members, path);
  check_no_overlaps(index.members, path);
  return index;
}

}  // namespace tensorio::zip
