// The 24-byte GGUF header: magic, version, tensor count, key/value count.
#include <cstdio>
#include <cstring>
#include <string>

#include "core/checked_math.hpp"
#include "gguf/gguf_parse.hpp"

namespace tensorio::detail {

namespace {

// Smallest possible encodings, used to refuse counts the file cannot possibly hold before
// anything is reserved for them: a key/value is a length (8), a 1-byte key, a type (4) and a
// 1-byte value; a tensor info is a length (8), a 1-byte name, n_dims (4), type (4), offset (8).
constexpr uint64_t kMinKvBytes = 8 + 1 + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 4 + 8;

std::string printable(std::span<const std::byte> bytes) {
  std::string s;
  for (std::byte b : bytes) {
    auto c = static_cast<unsigned char>(b);
    if (c >= 0x20 && c < 0x7f) {
      s += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      s += buf;
    }
  }
  return s;
}

}  // namespace

GgufHeader parse_gguf_header(ByteCursor& c, const Limits& limits) {
  auto magic = c.read_bytes(4, "gguf magic");
  if (std::memcmp(magic.data(), "GGUF", 4) != 0) {
    c.seek(0, "gguf magic");
    c.fail(ErrorCode::bad_magic,
           "expected the gguf magic 'GGUF', found '" + printable(magic) + "'");
  }
  GgufHeader h;
  uint64_t version_at = c.position();
  h.version = c.read_le<uint32_t>("gguf version");
  auto fail_version = [&](std::string detail) {
    c.seek(version_at, "gguf version");
    c.fail(ErrorCode::unsupported_version, std::move(detail));
  };
  // A byte-swapped file keeps the magic bytes but its small version number lands in the high
  // half of the little-endian word (ggml and gguf-py detect big-endian files the same way).
  if (h.version != 0 && (h.version & 0xFFFF) == 0) {
    fail_version("expected a little-endian gguf file, found a big-endian one (version field " +
                 std::to_string(h.version) + " is version " +
                 std::to_string(__builtin_bswap32(h.version)) +
                 " byte-swapped); big-endian gguf is not supported");
  }
  if (h.version == 1) {
    fail_version(
        "expected gguf version 2 or 3, found version 1 (the obsolete 2023 format with 32-bit "
        "counts, no longer read by ggml)");
  }
  if (h.version < 2 || h.version > 3) {
    fail_version("expected gguf version 2 or 3, found " + std::to_string(h.version));
  }
  uint64_t counts_at = c.position();
  h.tensor_count = c.read_le<uint64_t>("gguf tensor count");
  h.kv_count = c.read_le<uint64_t>("gguf key/value count");
  if (h.tensor_count > limits.max_tensors) {
    c.seek(counts_at, "gguf tensor count");
    c.fail(ErrorCode::limit_exceeded, "expected at most " + std::to_string(limits.max_tensors) +
                                          " tensors (Limits::max_tensors), found a count of " +
                                          std::to_string(h.tensor_count));
  }
  auto kv_min = checked_mul(h.kv_count, kMinKvBytes);
  auto info_min = checked_mul(h.tensor_count, kMinTensorInfoBytes);
  auto total_min = kv_min && info_min ? checked_add(*kv_min, *info_min) : std::nullopt;
  if (!total_min || *total_min > c.remaining()) {
    c.seek(counts_at, "gguf counts");
    c.fail(ErrorCode::truncated,
           "expected room for " + std::to_string(h.tensor_count) + " tensor infos and " +
               std::to_string(h.kv_count) + " key/values (at least " +
               (total_min ? std::to_string(*total_min) : std::string("2^64 or more")) +
               " bytes), found " + std::to_string(c.remaining() - 16) + " bytes after the header");
  }
  return h;
}

}  // namespace tensorio::detail
