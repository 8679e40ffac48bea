#include "zip/end_of_central_directory.hpp"

#include <optional>

#include "core/byte_cursor.hpp"
#include "core/checked_math.hpp"
#include "zip/zip_format.hpp"

namespace tensorio::zip {

namespace {

bool signature_at(std::span<const std::byte> file, uint64_t offset, uint32_t sig) {
  return span_fits(offset, 4, file.size()) && load_le<uint32_t>(file.data() + offset) == sig;
}

// Scans backwards for a PK\5\6 whose comment length reaches exactly the end of the file. The
// exact-length rule keeps a "PK\5\6" inside the comment text from being taken for the record.
// Bytes after the record are refused, not skipped: a reader that skipped them (Python's
// zipfile does) could not tell them from a comment, nor a second archive appended behind.
uint64_t find_record(std::span<const std::byte> file, const std::string& path) {
  uint64_t size = file.size();
  std::optional<uint64_t> nearest;  // the signature nearest the end, when none fits
  if (size >= kEndOfCentralDirSize) {
    uint64_t last = size - kEndOfCentralDirSize;
    uint64_t first = last > kMaxCommentSize ? last - kMaxCommentSize : 0;
    for (uint64_t pos = last + 1; pos-- > first;) {
      if (!signature_at(file, pos, kEndOfCentralDirSig)) continue;
      uint16_t comment_len = load_le<uint16_t>(file.data() + pos + 20);
      if (pos + kEndOfCentralDirSize + comment_len == size) return pos;
      if (!nearest) nearest = pos;
    }
  }
  if (nearest) {
    uint64_t end = *nearest + kEndOfCentralDirSize + load_le<uint16_t>(file.data() + *nearest + 20);
    bool cut = end > size;
    throw Error(cut ? ErrorCode::truncated : ErrorCode::bad_header, path, *nearest,
                "zip: expected the end-of-central-directory record and its comment to end the "
                "file, found them ending at " +
                    std::to_string(end) + " in a file of " + std::to_string(size) + " bytes" +
                    (cut ? " (the archive is truncated)"
                         : " (bytes follow the archive; refused rather than skipped)"));
  }
  bool looks_like_zip = signature_at(file, 0, kLocalHeaderSig);
  throw Error(looks_like_zip ? ErrorCode::truncated : ErrorCode::bad_magic, path, size,
              std::string("zip: expected an end-of-central-directory record (PK\\5\\6) in the "
                          "last 65557 bytes, found none") +
                  (looks_like_zip ? " (the archive is truncated)" : " (not a zip file)"));
}

// Reads the zip64 locator + record in front of the EOCD at `eocd`, when there is one.
void read_zip64(std::span<const std::byte> file, const std::string& path, uint64_t eocd,
                EndOfCentralDirectory& out) {
  if (eocd < kZip64EndLocatorSize ||
      !signature_at(file, eocd - kZip64EndLocatorSize, kZip64EndLocatorSig)) {
    return;
  }
  uint64_t locator = eocd - kZip64EndLocatorSize;
  ByteCursor loc(file.subspan(locator, kZip64EndLocatorSize), path, locator);
  loc.skip(4, "zip64 locator signature");
  uint32_t disk = loc.read_le<uint32_t>("zip64 locator disk");
  uint64_t declared = loc.read_le<uint64_t>("zip64 end record offset");
  uint32_t disks = loc.read_le<uint32_t>("zip64 locator disk count");
  if (disk != 0 || disks > 1) {
    throw Error(ErrorCode::unsupported_version, path, locator,
                "zip64 locator: expected a single-disk archive, found disk " +
                    std::to_string(disk) + " of " + std::to_string(disks));
  }
  // The record normally sits right before the locator; in a prefixed archive its declared
  // offset is off by the prefix, so fall back to that position as CPython does.
  uint64_t record = declared;
  if (!(declared <= locator && locator - declared >= kZip64EndRecordSize &&
        signature_at(file, declared, kZip64EndRecordSig))) {
    if (locator < kZip64EndRecordSize ||
        !signature_at(file, locator - kZip64EndRecordSize, kZip64EndRecordSig)) {
      throw Error(ErrorCode::bad_header, path, locator,
                  "zip64 locator: expected a zip64 end record (PK\\6\\6) at offset " +
                      std::to_string(declared) + ", found none");
    }
    record = locator - kZip64EndRecordSize;
  }
  ByteCursor cur(file.subspan(record, locator - record), path, record);
  cur.skip(4, "zip64 end record signature");
  uint64_t record_size = cur.read_le<uint64_t>("zip64 end record size");
  if (record_size < kZip64EndRecordSize - 12 || record_size > cur.remaining()) {
    throw Error(ErrorCode::bad_header, path, record + 4,
                "zip64 end record: expected a size between 44 and " +
                    std::to_string(cur.remaining()) + ", found " + std::to_string(record_size));
  }
  cur.skip(4, "zip64 end record versions");
  uint32_t this_disk = cur.read_le<uint32_t>("zip64 end record disk");
  uint32_t cd_disk = cur.read_le<uint32_t>("zip64 end record directory disk");
  uint64_t on_disk = cur.read_le<uint64_t>("zip64 end record entries on disk");
  uint64_t total = cur.read_le<uint64_t>("zip64 end record entries");
  if (this_disk != 0 || cd_disk != 0 || on_disk != total) {
    throw Error(ErrorCode::unsupported_version, path, record,
                "zip64 end record: expected a single-disk archive, found disk " +
                    std::to_string(this_disk) + " with " + std::to_string(on_disk) + " of " +
                    std::to_string(total) + " entries");
  }
  out.entries = total;
  out.directory_size = cur.read_le<uint64_t>("zip64 end record directory size");
  uint64_t declared_start = cur.read_le<uint64_t>("zip64 end record directory offset");
  out.directory_start = declared_start;
  out.zip64 = true;
  out.zip64_record_offset = record;
}

}  // namespace

EndOfCentralDirectory read_end_of_central_directory(std::span<const std::byte> file,
                                                    const std::string& path, const Limits& limits) {
  EndOfCentralDirectory out;
  uint64_t eocd = find_record(file, path);
  out.record_offset = eocd;
  ByteCursor cur(file.subspan(eocd), path, eocd);
  cur.skip(4, "EOCD signature");
  uint16_t disk = cur.read_le<uint16_t>("EOCD disk number");
  uint16_t cd_disk = cur.read_le<uint16_t>("EOCD directory disk");
  uint16_t on_disk = cur.read_le<uint16_t>("EOCD entries on disk");
  uint16_t total = cur.read_le<uint16_t>("EOCD entries");
  uint32_t cd_size = cur.read_le<uint32_t>("EOCD directory size");
  uint32_t cd_offset = cur.read_le<uint32_t>("EOCD directory offset");
  uint16_t comment_len = cur.read_le<uint16_t>("EOCD comment length");
  out.comment = std::string(cur.read_chars(comment_len, "EOCD comment"));
  out.entries = total;
  out.directory_size = cd_size;
  out.directory_start = cd_offset;

  read_zip64(file, path, eocd, out);
  if (!out.zip64 && (disk != 0 || cd_disk != 0 || on_disk != total)) {
    throw Error(ErrorCode::unsupported_version, path, eocd,
                "EOCD: expected a single-disk archive, found disk " + std::to_string(disk) +
                    " with " + std::to_string(on_disk) + " of " + std::to_string(total) +
                    " entries");
  }

  // The directory ends where the end records begin; whatever the declared offset leaves in
  // front of it is a prefix (CPython's "concat").
  uint64_t directory_end = out.zip64 ? out.zip64_record_offset : eocd;
  uint64_t declared_start = out.directory_start;
  if (out.directory_size > directory_end || declared_start > directory_end - out.directory_size) {
    throw Error(ErrorCode::out_of_bounds, path, eocd,
                "central directory: expected " + std::to_string(out.directory_size) +
                    " bytes at offset " + std::to_string(declared_start) +
                    " to end before the end records at " + std::to_string(directory_end) +
                    ", found they do not fit");
  }
  out.prefix = directory_end - out.directory_size - declared_start;
  out.directory_start = declared_start + out.prefix;

  if (out.entries > limits.max_tensors) {
    throw Error(ErrorCode::limit_exceeded, path, eocd,
                "zip: expected at most " + std::to_string(limits.max_tensors) +
                    " members (Limits::max_tensors), found " + std::to_string(out.entries));
  }
  if (out.entries > out.directory_size / kCentralHeaderSize) {
    throw Error(ErrorCode::bad_header, path, eocd,
                "zip: expected " + std::to_string(out.entries) + " central headers of at least " +
                    "46 bytes, found a directory of only " + std::to_string(out.directory_size) +
                    " bytes");
  }
  return out;
}

}  // namespace tensorio::zip
