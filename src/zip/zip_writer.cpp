#include "zip/zip_writer.hpp"

#include <algorithm>

#include "core/endian.hpp"
#include "zip/extra_field.hpp"
#include "zip/member_name.hpp"
#include "zip/zip_format.hpp"

namespace tensorio::zip {

namespace {

// NumPy's deterministic timestamp: 1980-01-01 00:00:00 in MS-DOS form.
constexpr uint16_t kDosTime = 0;
constexpr uint16_t kDosDate = (1 << 5) | 1;
// "made by": Unix, spec 6.3; external attributes: a regular file, mode 0644.
constexpr uint16_t kMadeBy = (3 << 8) | 63;
constexpr uint32_t kExternalAttributes = 0100644u << 16;

template <typename T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  store_le(reinterpret_cast<std::byte*>(b), v);
  out.append(b, sizeof(T));
}

uint32_t field32(uint64_t v) { return needs_zip64(v) ? kZip64Marker32 : static_cast<uint32_t>(v); }

uint16_t flags_for(const WrittenEntry& e) { return needs_utf8_flag(e.name) ? kFlagUtf8Name : 0; }

}  // namespace

std::string local_header(const WrittenEntry& e, uint32_t alignment, uint64_t payload_skip) {
  // APPNOTE 4.5.3: a local zip64 field, when present, holds both sizes.
  bool big = needs_zip64(e.uncompressed_size) || needs_zip64(e.compressed_size);
  std::string extra;
  if (big) {
    append_zip64_extra(extra, {true, true, false}, {e.uncompressed_size, e.compressed_size, 0});
  }
  if (alignment > 0) {
    // Block = id, length, u16 alignment, zeros; at least 6 bytes. Its size is chosen so that
    // header + name + extra + payload_skip ends on the alignment.
    uint64_t before =
        e.local_header_offset + kLocalHeaderSize + e.name.size() + extra.size() + 6 + payload_skip;
    uint64_t pad = (alignment - before % alignment) % alignment;
    put(extra, kAlignmentExtraId);
    put(extra, static_cast<uint16_t>(2 + pad));
    put(extra, static_cast<uint16_t>(alignment));
    extra.append(pad, '\0');
  }
  std::string out;
  out.reserve(kLocalHeaderSize + e.name.size() + extra.size());
  put(out, kLocalHeaderSig);
  put(out, big ? kVersionZip64 : kVersionDeflate);
  put(out, flags_for(e));
  put(out, e.method);
  put(out, kDosTime);
  put(out, kDosDate);
  put(out, e.crc32);
  put(out, big ? kZip64Marker32 : static_cast<uint32_t>(e.compressed_size));
  put(out, big ? kZip64Marker32 : static_cast<uint32_t>(e.uncompressed_size));
  put(out, static_cast<uint16_t>(e.name.size()));
  put(out, static_cast<uint16_t>(extra.size()));
  out += e.name;
  out += extra;
  return out;
}

std::string central_header(const WrittenEntry& e) {
  Zip64Needs needs{needs_zip64(e.uncompressed_size), needs_zip64(e.compressed_size),
                   needs_zip64(e.local_header_offset)};
  std::string extra;
  append_zip64_extra(extra, needs, {e.uncompressed_size, e.compressed_size, e.local_header_offset});
  bool big = !extra.empty() || needs_zip64(e.uncompressed_size) || needs_zip64(e.compressed_size);
  std::string out;
  out.reserve(kCentralHeaderSize + e.name.size() + extra.size());
  put(out, kCentralHeaderSig);
  put(out, kMadeBy);
  put(out, big ? kVersionZip64 : kVersionDeflate);
  put(out, flags_for(e));
  put(out, e.method);
  put(out, kDosTime);
  put(out, kDosDate);
  put(out, e.crc32);
  put(out, field32(e.compressed_size));
  put(out, field32(e.uncompressed_size));
  put(out, static_cast<uint16_t>(e.name.size()));
  put(out, static_cast<uint16_t>(extra.size()));
  put(out, uint16_t{0});  // comment length
  put(out, uint16_t{0});  // disk
  put(out, uint16_t{0});  // internal attributes
  put(out, kExternalAttributes);
  put(out, field32(e.local_header_offset));
  out += e.name;
  out += extra;
  return out;
}

std::string end_records(uint64_t entries, uint64_t directory_offset, uint64_t directory_size) {
  bool big =
      entries >= kZip64Marker16 || needs_zip64(directory_offset) || needs_zip64(directory_size);
  std::string out;
  if (big) {
    uint64_t record_offset = directory_offset + directory_size;
    put(out, kZip64EndRecordSig);
    put(out, uint64_t{kZip64EndRecordSize - 12});
    put(out, kMadeBy);
    put(out, kVersionZip64);
    put(out, uint32_t{0});  // this disk
    put(out, uint32_t{0});  // directory disk
    put(out, entries);
    put(out, entries);
    put(out, directory_size);
    put(out, directory_offset);
    put(out, kZip64EndLocatorSig);
    put(out, uint32_t{0});
    put(out, record_offset);
    put(out, uint32_t{1});
  }
  uint16_t count = static_cast<uint16_t>(std::min<uint64_t>(entries, kZip64Marker16));
  put(out, kEndOfCentralDirSig);
  put(out, uint16_t{0});
  put(out, uint16_t{0});
  put(out, count);
  put(out, count);
  put(out, field32(directory_size));
  put(out, field32(directory_offset));
  put(out, uint16_t{0});  // comment length
  return out;
}

}  // namespace tensorio::zip
