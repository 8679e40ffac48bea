#include "tensorio/error.hpp"

#include <algorithm>
#include <array>

namespace tensorio {
namespace {

struct ErrorText {
  ErrorCode code;
  std::string_view name;
  std::string_view message;
};

// Indexed by the enum value; the static_assert below keeps the order honest.
constexpr std::array<ErrorText, static_cast<size_t>(ErrorCode::count_)> kErrorTable{{
    {ErrorCode{0}, "ok", "no error"},
    {ErrorCode::io_error, "io_error", "an operating-system I/O call failed"},
    {ErrorCode::file_not_found, "file_not_found", "the file does not exist"},
    {ErrorCode::unknown_format, "unknown_format", "the file's format is not recognised"},
    {ErrorCode::bad_magic, "bad_magic", "the file does not start with the format's magic bytes"},
    {ErrorCode::truncated, "truncated", "the file ends before a structure it declares"},
    {ErrorCode::header_too_large, "header_too_large", "a header is larger than the configured cap"},
    {ErrorCode::bad_header, "bad_header", "a header is malformed"},
    {ErrorCode::unsupported_version, "unsupported_version", "the format version is not supported"},
    {ErrorCode::unsupported_dtype, "unsupported_dtype", "the element type is not supported"},
    {ErrorCode::unknown_dtype, "unknown_dtype", "the element type is unknown"},
    {ErrorCode::bad_shape, "bad_shape", "the shape is invalid"},
    {ErrorCode::size_overflow, "size_overflow", "a size computation overflows 64 bits"},
    {ErrorCode::out_of_bounds, "out_of_bounds", "an offset or size points outside the file"},
    {ErrorCode::overlap, "overlap", "two regions of the file overlap"},
    {ErrorCode::duplicate_name, "duplicate_name", "a name appears twice"},
    {ErrorCode::limit_exceeded, "limit_exceeded", "a configured resource limit was exceeded"},
    {ErrorCode::bad_checksum, "bad_checksum", "a checksum does not match"},
    {ErrorCode::bad_compressed_data, "bad_compressed_data", "compressed data is corrupt"},
    {ErrorCode::unsupported_compression, "unsupported_compression",
     "the compression method is not supported"},
    {ErrorCode::encrypted, "encrypted", "the member is encrypted"},
    {ErrorCode::bad_utf8, "bad_utf8", "a string is not valid UTF-8"},
    {ErrorCode::bad_json, "bad_json", "the JSON header is invalid"},
    {ErrorCode::bad_offsets, "bad_offsets", "data offsets are invalid"},
    {ErrorCode::bad_alignment, "bad_alignment", "an alignment is invalid"},
    {ErrorCode::type_mismatch, "type_mismatch", "a value has another type than requested"},
    {ErrorCode::not_found, "not_found", "no such tensor or key"},
    {ErrorCode::invalid_argument, "invalid_argument", "an argument is invalid"},
    {ErrorCode::unrepresentable, "unrepresentable", "the target format cannot hold the data"},
    {ErrorCode::file_changed, "file_changed", "the file changed after it was opened"},
    {ErrorCode::bad_metadata, "bad_metadata", "the metadata is malformed"},
    {ErrorCode::file_too_small, "file_too_small",
     "the file is shorter than the smallest valid file of its format"},
    {ErrorCode::partial_byte, "partial_byte",
     "a sub-byte tensor does not fill a whole number of bytes"},
    {ErrorCode::size_mismatch, "size_mismatch",
     "a payload's byte span differs from its shape times its item size"},
    {ErrorCode::offset_gap, "offset_gap", "payloads leave a hole in the data section"},
    {ErrorCode::trailing_bytes, "trailing_bytes", "the file has bytes after its last payload"},
    {ErrorCode::opaque_dtype, "opaque_dtype",
     "the tensor's dtype is stored but not interpreted (strings, records, ...)"},
    {ErrorCode::object_dtype, "object_dtype",
     "the array holds Python objects (a pickle), which are never loaded"},
}};

constexpr bool table_in_enum_order() {
  for (size_t i = 1; i < kErrorTable.size(); ++i) {
    if (static_cast<size_t>(kErrorTable[i].code) != i) return false;
  }
  return true;
}
static_assert(table_in_enum_order(), "error table rows must follow the ErrorCode enum order");

const ErrorText& lookup(ErrorCode code) noexcept {
  auto i = static_cast<size_t>(code);
  return i < kErrorTable.size() ? kErrorTable[i] : kErrorTable[0];
}

// The reason with its control bytes (0x00..0x1F, 0x7F) written as \xNN.
std::string printable(std::string s) {
  auto control = [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; };
  if (std::none_of(s.begin(), s.end(), control)) return s;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    if (!control(c)) {
      out += c;
      continue;
    }
    auto u = static_cast<unsigned char>(c);
    out += "\\x";
    out += kHex[u >> 4];
    out += kHex[u & 15];
  }
  return out;
}

std::string compose(const std::string& file, uint64_t offset, const std::string& reason) {
  std::string msg;
  if (!file.empty()) msg += file + ": ";
  if (offset != no_offset) msg += "offset " + std::to_string(offset) + ": ";
  msg += reason;
  return msg;
}

}  // namespace

std::string_view error_code_name(ErrorCode code) noexcept { return lookup(code).name; }
std::string_view error_code_message(ErrorCode code) noexcept { return lookup(code).message; }

Error::Error(ErrorCode code, std::string file, uint64_t offset, std::string reason)
    : std::runtime_error(compose(file, offset, printable(reason))),
      code_(code),
      file_(std::move(file)),
      offset_(offset),
      reason_(printable(std::move(reason))) {}

}  // namespace tensorio
