// Inflating deflated zip members whole, with libdeflate (fast, whole-buffer, into an exactly
// sized buffer). Their first bytes alone are decoded at open by zip/deflate_prefix.hpp
// (libdeflate leaves the output undefined when it stops early).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tensorio::npz {

// Where a member is, for error messages.
struct MemberRef {
  const std::string* path = nullptr;  // the archive
  std::string_view name;              // the member
  uint64_t data_offset = 0;           // absolute offset of its compressed bytes
};

// Inflates the raw DEFLATE stream `compressed` into `out`, which must be exactly the declared
// uncompressed size. Throws Error(bad_compressed_data) when the stream is corrupt, ends before
// filling `out`, or would expand past it (a zip bomb: never more than out.size() is written).
void inflate_exact(std::span<const std::byte> compressed, std::span<std::byte> out,
                   const MemberRef& member);

// CRC-32 (ISO-HDLC, as zip uses it) of `bytes`, continuing from `crc` (0 to start).
uint32_t crc32(std::span<const std::byte> bytes, uint32_t crc = 0) noexcept;

}  // namespace tensorio::npz
