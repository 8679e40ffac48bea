#include "zip/local_header.hpp"

#include <algorithm>
#include <cstring>

#include "core/byte_cursor.hpp"
#include "core/checked_math.hpp"
#include "zip/data_descriptor.hpp"
#include "zip/extra_field.hpp"
#include "zip/zip_format.hpp"

namespace tensorio::zip {

namespace {

[[noreturn]] void mismatch(const std::string& path, uint64_t offset, const CentralEntry& e,
                           const std::string& what, uint64_t central, uint64_t local) {
  throw Error(ErrorCode::bad_header, path, offset,
              "member '" + std::string(e.name) + "': expected the local header's " + what +
                  " to be " + std::to_string(central) + " as in the central directory, found " +
                  std::to_string(local));
}

}  // namespace

LocalLayout read_local_header(std::span<const std::byte> file, const CentralEntry& e,
                              uint64_t limit, const std::string& path,
                              std::span<const std::byte> header_bytes) {
  uint64_t at = e.local_header_offset;
  uint64_t stop = std::min<uint64_t>(limit, file.size());
  uint64_t available = at <= stop ? stop - at : 0;
  ByteCursor cur(header_bytes.first(std::min<uint64_t>(available, header_bytes.size())), path, at);
  if (!cur.can_read(kLocalHeaderSize)) {
    throw Error(ErrorCode::out_of_bounds, path, at,
                "member '" + std::string(e.name) + "': expected a 30-byte local header at offset " +
                    std::to_string(at) + ", found it runs into the central directory");
  }
  if (cur.read_le<uint32_t>("local header signature") != kLocalHeaderSig) {
    throw Error(ErrorCode::bad_header, path, at,
                "member '" + std::string(e.name) +
                    "': expected a local header (PK\\3\\4) at offset " + std::to_string(at) +
                    ", found other bytes");
  }
  cur.skip(2, "local header version");
  uint16_t flags = cur.read_le<uint16_t>("local header flags");
  uint16_t method = cur.read_le<uint16_t>("local header method");
  cur.skip(4, "local header time and date");
  uint32_t crc = cur.read_le<uint32_t>("local header CRC-32");
  uint32_t csize = cur.read_le<uint32_t>("local header compressed size");
  uint32_t usize = cur.read_le<uint32_t>("local header uncompressed size");
  uint16_t name_len = cur.read_le<uint16_t>("local header name length");
  uint16_t extra_len = cur.read_le<uint16_t>("local header extra length");
  auto name = cur.read_bytes(name_len, "local header name");
  uint64_t extra_at = cur.file_offset();
  auto extra = cur.read_bytes(extra_len, "local header extra field");

  if (name.size() != e.raw_name.size() ||
      (!name.empty() && std::memcmp(name.data(), e.raw_name.data(), name.size()) != 0)) {
    throw Error(ErrorCode::bad_header, path, at + kLocalHeaderSize,
                "member '" + std::string(e.name) +
                    "': expected the same name in the local header as in the central "
                    "directory, found a different one");
  }
  if (method != e.method) mismatch(path, at + 8, e, "method", e.method, method);
  if ((flags & kFlagEncrypted) != (e.flags & kFlagEncrypted)) {
    mismatch(path, at + 6, e, "encryption bit", e.flags & kFlagEncrypted, flags & kFlagEncrypted);
  }
  bool deferred = (flags & kFlagDataDescriptor) != 0 || (e.flags & kFlagDataDescriptor) != 0;
  if (!deferred) {
    Zip64Needs needs{usize == kZip64Marker32, csize == kZip64Marker32, false};
    auto zip64 = find_extra_field(extra, kZip64ExtraId, path, extra_at, /*strict=*/false);
    Zip64Values big = read_zip64_extra(zip64 ? &*zip64 : nullptr, needs, path, at, e.name);
    uint64_t local_usize = needs.uncompressed_size ? big.uncompressed_size : usize;
    uint64_t local_csize = needs.compressed_size ? big.compressed_size : csize;
    if (crc != e.crc32) mismatch(path, at + 14, e, "CRC-32", e.crc32, crc);
    if (local_csize != e.compressed_size) {
      mismatch(path, at + 18, e, "compressed size", e.compressed_size, local_csize);
    }
    if (local_usize != e.uncompressed_size) {
      mismatch(path, at + 22, e, "uncompressed size", e.uncompressed_size, local_usize);
    }
  }

  LocalLayout out;
  out.data_offset = cur.file_offset();
  if (!span_fits(out.data_offset, e.compressed_size, file.size())) {
    throw Error(ErrorCode::out_of_bounds, path, out.data_offset,
                "member '" + std::string(e.name) + "': expected " +
                    std::to_string(e.compressed_size) + " bytes of data from offset " +
                    std::to_string(out.data_offset) + ", found the file ends at " +
                    std::to_string(file.size()));
  }
  if (!span_fits(out.data_offset, e.compressed_size, limit)) {
    throw Error(ErrorCode::overlap, path, out.data_offset,
                "member '" + std::string(e.name) + "': expected its " +
                    std::to_string(e.compressed_size) +
                    " bytes of data to end before the central directory at " +
                    std::to_string(limit) + ", found they overlap it");
  }
  out.data_end = out.data_offset + e.compressed_size;
  out.record_end =
      deferred ? read_data_descriptor(file.first(limit), out.data_end, e, path) : out.data_end;
  return out;
}

}  // namespace tensorio::zip
