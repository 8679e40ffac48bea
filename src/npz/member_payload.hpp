// The lazy payload of an npz member: inflation (deflated members), CRC-32 check (always after
// inflation; for stored members when asked), then the npy transform (byte swap / transpose)
// when the stored array is not native-order C-order.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/aligned_buffer.hpp"
#include "core/tensor_record.hpp"
#include "tensorio/npy.hpp"

namespace tensorio::npz {

struct MemberSource {
  std::string path;                 // the archive, for messages
  std::string name;                 // the member
  std::span<const std::byte> data;  // the member's bytes in the mapping (compressed if deflated)
  uint64_t data_offset = 0;         // absolute offset of `data`
  uint64_t size = 0;                // uncompressed size
  uint32_t crc32 = 0;
  bool deflated = false;
  // The archive, when it must not be read through its mapping (AccessMode::pread, a remote
  // file): the parts of a member outside a record's stored bytes are then read with read_at.
  // Null otherwise. The record that owns the payload keeps the file alive.
  const detail::MappedFile* file = nullptr;
};

class MemberPayload final : public detail::LazyPayload {
 public:
  // `npy`: the member's npy header (the payload is its data region); nullopt for a raw member
  // (the payload is the whole member). `check_crc` matters for stored members only.
  MemberPayload(MemberSource source, std::optional<NpyHeader> npy, bool check_crc)
      : src_(std::move(source)), npy_(std::move(npy)), check_crc_(check_crc) {}

  std::span<const std::byte> materialize(std::span<const std::byte> stored) override;

 private:
  MemberSource src_;
  std::optional<NpyHeader> npy_;
  bool check_crc_;
  detail::AlignedBuffer buffer_;
};

// Checks the CRC-32 of a member's uncompressed bytes; throws Error(bad_checksum) naming it.
void check_member_crc(const MemberSource& src, std::span<const std::byte> bytes);

}  // namespace tensorio::npz
