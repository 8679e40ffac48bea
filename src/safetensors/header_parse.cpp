// Parsing a .safetensors header: the length prefix, the JSON text and its schema (rules 1-5 of
// include/tensorio/safetensors.hpp). The offset rules (6-7) are in offset_validation.cpp.
#include <string_view>
#include <unordered_set>

#include "core/byte_cursor.hpp"
#include "core/checked_math.hpp"
#include "safetensors/foreign_file.hpp"
#include "safetensors/offset_validation.hpp"
#include "safetensors/strict_json.hpp"
#include "safetensors/utf8.hpp"
#include "tensorio/safetensors.hpp"

namespace tensorio {

namespace {

constexpr uint64_t kHeaderStart = 8;
constexpr std::string_view kMetadataKey = "__metadata__";

std::string_view key_of(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

// "tensor 'NAME'" for messages; built only on failure (the checks run per tensor at every open).
std::string tag(std::string_view name) { return "tensor '" + std::string(name) + "'"; }

// The header-length rules fail on files that are not safetensors at all; say what they are.
[[noreturn]] void fail_length(std::span<const std::byte> file, const std::string& name,
                              ErrorCode code, std::string detail) {
  std::string foreign = detail::describe_foreign_file(file);
  if (!foreign.empty()) {
    throw Error(ErrorCode::bad_magic, name, 0,
                "safetensors header length: " + detail + "; " + foreign);
  }
  throw Error(code, name, 0, "safetensors header length: " + detail);
}

class HeaderSchema {
 public:
  HeaderSchema(const std::string& file, const Limits& limits) : file_(file), limits_(limits) {}

  void read(const rapidjson::Value& root, SafetensorsHeader& out) {
    if (!root.IsObject()) {
      fail(ErrorCode::bad_header, "safetensors header: expected a JSON object, found " +
                                      std::string(detail::json_type_name(root)));
    }
    if (root.MemberCount() > limits_.max_tensors) {
      fail(ErrorCode::limit_exceeded, "safetensors header: expected at most " +
                                          std::to_string(limits_.max_tensors) +
                                          " tensors (Limits::max_tensors), found " +
                                          std::to_string(root.MemberCount()) + " entries");
    }
    // serde decodes __metadata__ while it parses and the tensor map after it, so metadata
    // errors come first; duplicate keys are found in the same pass.
    std::unordered_set<std::string_view> seen;
    seen.reserve(root.MemberCount());
    for (auto it = root.MemberBegin(); it != root.MemberEnd(); ++it) {
      std::string_view key = key_of(it->name);
      if (!seen.insert(key).second) {
        fail(ErrorCode::duplicate_name,
             "safetensors header: expected unique keys, found '" + std::string(key) +
                 "' twice (the reference would silently keep the last one)");
      }
      if (key == kMetadataKey) read_metadata(it->value, out.metadata);
    }
    out.tensors.reserve(root.MemberCount());
    for (auto it = root.MemberBegin(); it != root.MemberEnd(); ++it) {
      std::string_view key = key_of(it->name);
      if (key == kMetadataKey) continue;
      out.tensors.push_back(read_tensor(key, it->value));
    }
  }

 private:
  [[noreturn]] void fail(ErrorCode code, std::string detail) const {
    throw Error(code, file_, kHeaderStart, std::move(detail));
  }

  void read_metadata(const rapidjson::Value& v, StringPairs& out) const {
    if (v.IsNull()) return;  // accepted and treated as absent, as by the reference
    if (!v.IsObject()) {
      fail(ErrorCode::bad_metadata, "__metadata__: expected null or an object of strings, found " +
                                        std::string(detail::json_type_name(v)));
    }
    std::unordered_set<std::string_view> seen;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      std::string_view key = key_of(it->name);
      if (!it->value.IsString()) {
        fail(ErrorCode::bad_metadata, "__metadata__ key '" + std::string(key) +
                                          "': expected a string value, found " +
                                          std::string(detail::json_type_name(it->value)));
      }
      if (!seen.insert(key).second) {
        fail(ErrorCode::duplicate_name,
             "__metadata__: expected unique keys, found '" + std::string(key) + "' twice");
      }
      out.emplace_back(std::string(key), std::string(key_of(it->value)));
    }
  }

  // A JSON integer in [0, 2^64); false for floats, negatives, "-0" and anything else.
  static bool read_u64(const rapidjson::Value& v, uint64_t& out) {
    if (!v.IsUint64()) return false;
    out = v.GetUint64();
    return true;
  }

  SafetensorsEntry read_tensor(std::string_view name, const rapidjson::Value& v) const {
    if (!v.IsObject()) {
      fail(ErrorCode::bad_header, tag(name) +
                                      ": expected an object with dtype, shape and "
                                      "data_offsets, found " +
                                      std::string(detail::json_type_name(v)));
    }
    SafetensorsEntry e;
    e.name = std::string(name);
    bool has_dtype = false, has_shape = false, has_offsets = false;
    // Duplicate fields: flags for the three known ones; a set only for (rare) extra fields.
    std::unordered_set<std::string_view> extra;
    auto duplicate = [&](std::string_view field) {
      fail(ErrorCode::duplicate_name,
           tag(name) + ": expected unique fields, found '" + std::string(field) + "' twice");
    };
    // Fields in document order, as serde reports the first bad one; unknown fields are ignored.
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      std::string_view field = key_of(it->name);
      const rapidjson::Value& f = it->value;
      if (field == "dtype") {
        if (has_dtype) duplicate(field);
        has_dtype = true;
        if (!f.IsString()) {
          fail(ErrorCode::bad_header, tag(name) + ": expected dtype to be a string, found " +
                                          std::string(detail::json_type_name(f)));
        }
        auto dtype = dtype_from_safetensors(key_of(f));
        if (!dtype) {
          fail(ErrorCode::unknown_dtype,
               tag(name) +
                   ": expected a safetensors dtype (BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, "
                   "F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, I16, U16, F16, BF16, "
                   "I32, U32, F32, C64, F64, I64, U64), found '" +
                   std::string(key_of(f)) + "'");
        }
        e.dtype = *dtype;
      } else if (field == "shape") {
        if (has_shape) duplicate(field);
        has_shape = true;
        read_shape(name, f, e.shape);
      } else if (field == "data_offsets") {
        if (has_offsets) duplicate(field);
        has_offsets = true;
        read_offsets(name, f, e);
      } else if (!extra.insert(field).second) {
        duplicate(field);
      }
    }
    const char* missing = !has_dtype     ? "dtype"
                          : !has_shape   ? "shape"
                          : !has_offsets ? "data_offsets"
                                         : nullptr;
    if (missing) {
      fail(ErrorCode::bad_header, tag(name) + ": expected a field '" + missing + "', found none");
    }
    return e;
  }

  void read_shape(std::string_view name, const rapidjson::Value& f,
                  std::vector<uint64_t>& shape) const {
    if (!f.IsArray()) {
      fail(ErrorCode::bad_shape, tag(name) +
                                     ": expected shape to be an array of non-negative "
                                     "integers, found " +
                                     std::string(detail::json_type_name(f)));
    }
    if (f.Size() > limits_.max_dims) {
      fail(ErrorCode::limit_exceeded,
           tag(name) + ": expected at most " + std::to_string(limits_.max_dims) +
               " dimensions (Limits::max_dims), found " + std::to_string(f.Size()));
    }
    shape.reserve(f.Size());
    for (rapidjson::SizeType i = 0; i < f.Size(); ++i) {
      uint64_t d = 0;
      if (!read_u64(f[i], d)) {
        fail(ErrorCode::bad_shape, tag(name) + ": expected shape[" + std::to_string(i) +
                                       "] to be a non-negative integer below 2^64, found " +
                                       std::string(detail::json_type_name(f[i])));
      }
      shape.push_back(d);
    }
  }

  void read_offsets(std::string_view name, const rapidjson::Value& f, SafetensorsEntry& e) const {
    if (!f.IsArray() || f.Size() != 2) {
      std::string found = f.IsArray() ? "an array of " + std::to_string(f.Size()) + " elements"
                                      : std::string(detail::json_type_name(f));
      fail(ErrorCode::bad_offsets,
           tag(name) + ": expected data_offsets to be [begin, end], found " + found);
    }
    for (rapidjson::SizeType i = 0; i < 2; ++i) {
      uint64_t x = 0;
      if (!read_u64(f[i], x)) {
        fail(ErrorCode::bad_offsets, tag(name) + ": expected data_offsets[" + std::to_string(i) +
                                         "] to be a non-negative integer below 2^64, found " +
                                         std::string(detail::json_type_name(f[i])));
      }
      (i == 0 ? e.begin : e.end) = x;
    }
  }

  const std::string& file_;
  const Limits& limits_;
};

}  // namespace

SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file, const std::string& name,
                                           const Limits& limits) {
  // 1. The length prefix.
  if (file.size() < kHeaderStart) {
    throw Error(ErrorCode::file_too_small, name, 0,
                "safetensors: expected at least 8 bytes (the header length), found " +
                    std::to_string(file.size()));
  }
  ByteCursor cursor(file, name);
  uint64_t n = cursor.read_le<uint64_t>("safetensors header length");
  // 2. The cap, before anything is read or allocated for the header.
  if (n > limits.max_header_bytes) {
    fail_length(file, name, ErrorCode::header_too_large,
                "expected at most " + std::to_string(limits.max_header_bytes) +
                    " bytes (Limits::max_header_bytes), found " + std::to_string(n));
  }
  // 3. The header must lie inside the file.
  if (!span_fits(kHeaderStart, n, file.size())) {
    fail_length(file, name, ErrorCode::out_of_bounds,
                "expected a header of " + std::to_string(n) + " bytes to fit in the file, found " +
                    std::to_string(file.size() - kHeaderStart) + " bytes after the length");
  }
  std::string_view text = cursor.read_chars(n, "safetensors header");
  // 4. UTF-8, over the whole header (padding included), before any JSON parsing.
  if (auto bad = detail::first_invalid_utf8(text)) {
    throw Error(
        ErrorCode::bad_utf8, name, kHeaderStart + *bad,
        "safetensors header: expected UTF-8 text, found an invalid byte sequence "
        "starting with 0x" +
            [&] {
              static constexpr char kHex[] = "0123456789abcdef";
              auto c = static_cast<unsigned char>(text[*bad]);
              return std::string{kHex[c >> 4], kHex[c & 15]};
            }());
  }
  // 5. JSON, then its schema.
  rapidjson::Document doc;
  detail::parse_strict_json(text, doc, name, kHeaderStart, "safetensors header");
  SafetensorsHeader header;
  header.header_bytes = n;
  header.data_offset = kHeaderStart + n;
  HeaderSchema(name, limits).read(doc, header);
  // 6-7. Offsets: sorted, contiguous, sized by their shapes, covering the data buffer exactly.
  detail::validate_safetensors_offsets(header, file.size(), name);
  return header;
}

}  // namespace tensorio
