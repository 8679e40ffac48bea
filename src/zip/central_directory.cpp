#include "zip/central_directory.hpp"

#include "core/byte_cursor.hpp"
#include "core/checked_math.hpp"
#include "core/endian.hpp"
#include "zip/extra_field.hpp"
#include "zip/member_name.hpp"
#include "zip/zip_format.hpp"

namespace tensorio::zip {

namespace {

CentralEntry read_entry(ByteCursor& cur, const EndOfCentralDirectory& eocd,
                        const std::string& path) {
  CentralEntry e;
  e.header_offset = cur.file_offset();
  uint32_t sig = cur.read_le<uint32_t>("central header signature");
  if (sig != kCentralHeaderSig) {
    throw Error(ErrorCode::bad_header, path, e.header_offset,
                "central directory: expected a central header (PK\\1\\2), found other bytes");
  }
  cur.skip(2, "central header version made by");
  e.version_needed = cur.read_le<uint16_t>("central header version needed");
  e.flags = cur.read_le<uint16_t>("central header flags");
  e.method = cur.read_le<uint16_t>("central header method");
  cur.skip(4, "central header time and date");
  e.crc32 = cur.read_le<uint32_t>("central header CRC-32");
  uint32_t csize = cur.read_le<uint32_t>("central header compressed size");
  uint32_t usize = cur.read_le<uint32_t>("central header uncompressed size");
  uint16_t name_len = cur.read_le<uint16_t>("central header name length");
  uint16_t extra_len = cur.read_le<uint16_t>("central header extra length");
  uint16_t comment_len = cur.read_le<uint16_t>("central header comment length");
  uint16_t disk = cur.read_le<uint16_t>("central header disk");
  cur.skip(6, "central header attributes");
  uint32_t offset = cur.read_le<uint32_t>("central header local header offset");
  uint64_t name_at = cur.file_offset();
  e.raw_name = cur.read_bytes(name_len, "central header name");
  bool utf8 = (e.flags & kFlagUtf8Name) != 0;
  if (auto stored = member_name_as_stored(e.raw_name, utf8, path, name_at)) {
    e.name = *stored;
  } else {
    e.decoded_name =
        std::make_shared<const std::string>(decode_member_name(e.raw_name, utf8, path, name_at));
    e.name = *e.decoded_name;
  }
  uint64_t extra_at = cur.file_offset();
  auto extra = cur.read_bytes(extra_len, "central header extra field");
  cur.skip(comment_len, "central header comment");
  if (disk != 0 && disk != kZip64Marker16) {
    throw Error(ErrorCode::unsupported_version, path, e.header_offset,
                "member '" + std::string(e.name) + "': expected it on disk 0, found disk " +
                    std::to_string(disk));
  }

  Zip64Needs needs{usize == kZip64Marker32, csize == kZip64Marker32, offset == kZip64Marker32};
  auto zip64 = find_extra_field(extra, kZip64ExtraId, path, extra_at, /*strict=*/true);
  Zip64Values big =
      read_zip64_extra(zip64 ? &*zip64 : nullptr, needs, path, e.header_offset, e.name);
  e.uncompressed_size = needs.uncompressed_size ? big.uncompressed_size : usize;
  e.compressed_size = needs.compressed_size ? big.compressed_size : csize;
  uint64_t declared = needs.header_offset ? big.header_offset : offset;
  e.zip64 = needs.uncompressed_size || needs.compressed_size || needs.header_offset;
  auto shifted = checked_add(declared, eocd.prefix);
  if (!shifted || *shifted >= eocd.directory_start) {
    throw Error(ErrorCode::out_of_bounds, path, e.header_offset,
                "member '" + std::string(e.name) +
                    "': expected its local header before the central " + "directory at " +
                    std::to_string(eocd.directory_start) + ", found offset " +
                    std::to_string(declared) + " (+" + std::to_string(eocd.prefix) + " prefix)");
  }
  e.local_header_offset = *shifted;
  return e;
}

}  // namespace

std::vector<CentralHeaderStart> locate_central_headers(std::span<const std::byte> file,
                                                       const EndOfCentralDirectory& eocd,
                                                       const std::string& path) {
  ByteCursor cur(file.subspan(eocd.directory_start, eocd.directory_size), path,
                 eocd.directory_start);
  std::vector<CentralHeaderStart> starts;
  starts.reserve(eocd.entries);  // bounded: entries * 46 <= directory size, checked by the EOCD
  for (uint64_t i = 0; i < eocd.entries; ++i) {
    uint64_t at = cur.file_offset();
    // The fixed part: signature at 0, method at 10, the name, extra and comment lengths at 28.
    auto fixed = cur.read_bytes(kCentralHeaderSize, "central header");
    if (load_le<uint32_t>(fixed.data()) != kCentralHeaderSig) {
      throw Error(ErrorCode::bad_header, path, at,
                  "central directory: expected a central header (PK\\1\\2), found other bytes");
    }
    uint64_t variable = uint64_t{load_le<uint16_t>(fixed.data() + 28)} +
                        load_le<uint16_t>(fixed.data() + 30) + load_le<uint16_t>(fixed.data() + 32);
    cur.skip(variable, "central header name, extra field and comment");
    starts.push_back({at, load_le<uint16_t>(fixed.data() + 10)});
  }
  if (cur.remaining() != 0) {
    throw Error(ErrorCode::bad_header, path, cur.file_offset(),
                "central directory: expected " + std::to_string(eocd.entries) +
                    " headers filling " + std::to_string(eocd.directory_size) + " bytes, found " +
                    std::to_string(cur.remaining()) + " bytes left over");
  }
  return starts;
}

CentralEntry read_central_entry(std::span<const std::byte> file, const EndOfCentralDirectory& eocd,
                                uint64_t offset, const std::string& path) {
  uint64_t end = eocd.directory_start + eocd.directory_size;  // inside the file (the EOCD checked)
  if (offset < eocd.directory_start || offset >= end) {
    throw Error(
        ErrorCode::out_of_bounds, path, offset,
        "expected a central header inside the directory, found offset " + std::to_string(offset));
  }
  ByteCursor cur(file.subspan(offset, end - offset), path, offset);
  return read_entry(cur, eocd, path);
}

std::vector<CentralEntry> read_central_directory(std::span<const std::byte> file,
                                                 const EndOfCentralDirectory& eocd,
                                                 const std::string& path) {
  std::vector<CentralEntry> entries;
  for (const CentralHeaderStart& h : locate_central_headers(file, eocd, path)) {
    entries.push_back(read_central_entry(file, eocd, h.offset, path));
  }
  return entries;
}

}  // namespace tensorio::zip
