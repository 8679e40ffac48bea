// What an opened .npz keeps beyond its tensors: the zip comment and every member's zip facts,
// for Archive::metadata_json(), and the stored members' CRC check for verify().
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/archive_state.hpp"
#include "npz/member_payload.hpp"

namespace tensorio::npz {

// A member's zip facts as the archive keeps them. The name views the zip index's entry (the
// stored bytes in the mapping, or a decoded copy this shares): keeping thousands of members
// copies no names and no path.
struct MemberInfo {
  std::string_view name;
  std::shared_ptr<const std::string> decoded_name;  // owns `name` when it is not the stored bytes
  std::span<const std::byte> data;                  // in the mapping (compressed if deflated)
  uint64_t data_offset = 0;                         // absolute offset of `data`
  uint64_t size = 0;                                // uncompressed size
  uint64_t compressed_size = 0;
  uint32_t crc32 = 0;
  uint16_t method = 0;
  bool deflated = false;

  // The member as a lazy payload or a CRC check names it in messages (copies name and path).
  MemberSource source(const std::string& path) const {
    return {path, std::string(name), data, data_offset, size, crc32, deflated};
  }
};

class NpzExtension final : public detail::ArchiveExtension {
 public:
  NpzExtension(std::shared_ptr<const detail::MappedFile> file, std::string comment,
               std::vector<MemberInfo> members)
      : file_(std::move(file)), comment_(std::move(comment)), members_(std::move(members)) {}

  // {"comment": "...", "members": [{"name", "method", "compressed_size", "size", "crc32",
  //  "data_offset"}, ...]} in central-directory order.
  void write_metadata_json(detail::JsonWriter& out, bool full) const override;
  // Checks the CRC-32 of every stored member (deflated ones are checked when verify() inflates
  // them through their views).
  void verify(std::vector<VerifyProblem>& problems) const override;

 private:
  // A file not read through its mapping (AccessMode::pread, remote): the member's CRC-32 from
  // bytes read with read_at. Throws Error(bad_checksum).
  void check_crc_by_reading(const MemberInfo& m) const;

  std::shared_ptr<const detail::MappedFile> file_;
  std::string comment_;
  std::vector<MemberInfo> members_;
};

}  // namespace tensorio::npz
