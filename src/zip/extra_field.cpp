#include "zip/extra_field.hpp"

#include "core/byte_cursor.hpp"
#include "zip/zip_format.hpp"

namespace tensorio::zip {

namespace {

// Walks a chain, calling fn(field) for each well-formed field (see split_extra_fields for the
// strict and lenient rules).
template <typename Fn>
void walk_extra_fields(std::span<const std::byte> extra, const std::string& path,
                       uint64_t base_offset, bool strict, Fn&& fn) {
  ByteCursor cur(extra, path, base_offset);
  while (cur.remaining() > 0) {
    if (cur.remaining() < 4 && !strict) break;
    uint64_t at = cur.file_offset();
    uint16_t id = cur.read_le<uint16_t>("extra field id");
    uint16_t len = cur.read_le<uint16_t>("extra field length");
    if (!cur.can_read(len)) {
      if (!strict) break;
      throw Error(ErrorCode::bad_header, path, at,
                  "extra field " + std::to_string(id) + ": expected " + std::to_string(len) +
                      " bytes of data, found " + std::to_string(cur.remaining()) +
                      " left in the extra field");
    }
    fn(ExtraField{id, cur.read_bytes(len, "extra field data"), at});
  }
}

}  // namespace

std::vector<ExtraField> split_extra_fields(std::span<const std::byte> extra,
                                           const std::string& path, uint64_t base_offset,
                                           bool strict) {
  std::vector<ExtraField> fields;
  walk_extra_fields(extra, path, base_offset, strict,
                    [&](const ExtraField& f) { fields.push_back(f); });
  return fields;
}

std::optional<ExtraField> find_extra_field(std::span<const std::byte> extra, uint16_t id,
                                           const std::string& path, uint64_t base_offset,
                                           bool strict) {
  std::optional<ExtraField> found;
  walk_extra_fields(extra, path, base_offset, strict, [&](const ExtraField& f) {
    if (f.id == id) found = f;
  });
  return found;
}

Zip64Values read_zip64_extra(const std::vector<ExtraField>& fields, Zip64Needs needs,
                             const std::string& path, uint64_t header_offset,
                             std::string_view member) {
  const ExtraField* z = nullptr;
  for (const ExtraField& f : fields) {
    if (f.id == kZip64ExtraId) z = &f;
  }
  return read_zip64_extra(z, needs, path, header_offset, member);
}

Zip64Values read_zip64_extra(const ExtraField* z, Zip64Needs needs, const std::string& path,
                             uint64_t header_offset, std::string_view member) {
  Zip64Values v;
  if (!needs.uncompressed_size && !needs.compressed_size && !needs.header_offset) return v;
  if (z == nullptr) {
    throw Error(ErrorCode::bad_header, path, header_offset,
                "member '" + std::string(member) +
                    "': expected a zip64 extra field for its 0xFFFFFFFF size or offset, "
                    "found none");
  }
  ByteCursor cur(z->data, path, z->offset + 4);
  auto take = [&](bool needed, uint64_t& value, const char* what) {
    if (!needed) return;
    if (!cur.can_read(8)) {
      throw Error(ErrorCode::bad_header, path, cur.file_offset(),
                  "member '" + std::string(member) + "': zip64 extra field: expected the " + what +
                      " (8 bytes), found " + std::to_string(cur.remaining()) + " bytes left");
    }
    value = cur.read_le<uint64_t>(what);
  };
  take(needs.uncompressed_size, v.uncompressed_size, "uncompressed size");
  take(needs.compressed_size, v.compressed_size, "compressed size");
  take(needs.header_offset, v.header_offset, "local header offset");
  return v;
}

void append_zip64_extra(std::string& out, Zip64Needs needs, const Zip64Values& values) {
  uint16_t len = static_cast<uint16_t>(
      8 * (needs.uncompressed_size + needs.compressed_size + needs.header_offset));
  if (len == 0) return;
  auto put = [&out](auto v) {
    char b[sizeof(v)];
    store_le(reinterpret_cast<std::byte*>(b), v);
    out.append(b, sizeof(v));
  };
  put(kZip64ExtraId);
  put(len);
  if (needs.uncompressed_size) put(values.uncompressed_size);
  if (needs.compressed_size) put(values.compressed_size);
  if (needs.header_offset) put(values.header_offset);
}

}  // namespace tensorio::zip
