// The text both sides of the gguf interop tests print: ggml's view of a file (the harness,
// through libggml-base) and tensorio's view (the test, through tensorio's reader). The tests
// compare the two texts line by line, so everything that must agree — keys, value types,
// values (floats by their exact bits), tensor names, ggml types, ne[], offsets, sizes, and a
// hash of each tensor's bytes — is rendered by the same code here.
//
// Layout: a JSON object, one KV or tensor per line:
//   {"version":3,"alignment":32,"data_offset":N,
//   "kv":[
//   {"key":"a","type":"u32","value":7},
//   {"key":"b","type":"arr","elem":"f32","n":2,"value":[1.5,"nan:7fc00000"]}],
//   "tensors":[
//   {"name":"w","type":2,"ne":[32,4,1,1],"offset":0,"size":72,"fnv1a":"cbf29ce484222325"}]}
// Strings are raw bytes: printable ASCII as is, everything else as \u00XX of the byte value.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace dump_format {

// gguf value type names, by enum value (ggml's gguf_type_name spelling).
inline constexpr std::string_view kTypeNames[13] = {
    "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "str", "arr", "u64", "i64", "f64"};

inline std::string json_string(std::string_view bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    }
  }
  return out + "\"";
}

// Finite floats as shortest round-trip-safe decimal; NaN/Inf as a string with their bits.
inline std::string json_f32(float v) {
  char buf[48];
  if (std::isfinite(v)) {
    std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  } else {
    std::snprintf(buf, sizeof buf, "\"nonfinite:%08x\"", std::bit_cast<uint32_t>(v));
  }
  return buf;
}

inline std::string json_f64(double v) {
  char buf[48];
  if (std::isfinite(v)) {
    std::snprintf(buf, sizeof buf, "%.17g", v);
  } else {
    std::snprintf(buf, sizeof buf, "\"nonfinite:%016llx\"",
                  static_cast<unsigned long long>(std::bit_cast<uint64_t>(v)));
  }
  return buf;
}

// `data_offset` is rendered only for files with tensors: without any there is no data section,
// and ggml then reports the unpadded end of the metadata while tensorio reports it padded.
inline std::string header(uint32_t version, uint64_t alignment, uint64_t data_offset,
                          bool has_tensors) {
  return "{\"version\":" + std::to_string(version) + ",\"alignment\":" + std::to_string(alignment) +
         ",\"data_offset\":" + (has_tensors ? std::to_string(data_offset) : std::string("null")) +
         ",\n\"kv\":[\n";
}

inline std::string scalar_kv(std::string_view key, int type, const std::string& value_json) {
  return "{\"key\":" + json_string(key) + ",\"type\":\"" + std::string(kTypeNames[type]) +
         "\",\"value\":" + value_json + "}";
}

inline std::string array_kv(std::string_view key, int elem_type, uint64_t n,
                            const std::string& values_json) {
  return "{\"key\":" + json_string(key) + ",\"type\":\"arr\",\"elem\":\"" +
         std::string(kTypeNames[elem_type]) + "\",\"n\":" + std::to_string(n) + ",\"value\":[" +
         values_json + "]}";
}

inline constexpr std::string_view kBetweenSections = "\n],\n\"tensors\":[\n";
inline constexpr std::string_view kEnd = "\n]}\n";

inline uint64_t fnv1a(const unsigned char* p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

inline std::string tensor(std::string_view name, int ggml_type, const int64_t ne[4],
                          uint64_t offset, uint64_t size, uint64_t hash) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return "{\"name\":" + json_string(name) + ",\"type\":" + std::to_string(ggml_type) + ",\"ne\":[" +
         std::to_string(ne[0]) + "," + std::to_string(ne[1]) + "," + std::to_string(ne[2]) + "," +
         std::to_string(ne[3]) + "],\"offset\":" + std::to_string(offset) +
         ",\"size\":" + std::to_string(size) + ",\"fnv1a\":\"" + buf + "\"}";
}

// Joins lines with ",\n" (the element separator of both lists).
inline void append_item(std::string& out, bool& first, const std::string& item) {
  if (!first) out += ",\n";
  first = false;
  out += item;
}

}  // namespace dump_format
