// What an opened .npz keeps beyond its tensors: the zip comment and every member's zip facts,
// for Archive::metadata_json(), and the stored members' CRC check for verify().
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/archive_state.hpp"
#include "npz/member_payload.hpp"

namespace tensorio::npz {

struct MemberInfo {
  MemberSource source;  // with an empty path (one copy per member of thousands adds up)
  uint16_t method = 0;
  uint64_t compressed_size = 0;
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
  std::shared_ptr<const detail::MappedFile> file_;
  std::string comment_;
  std::vector<MemberInfo> members_;
};

}  // namespace tensorio::npz
