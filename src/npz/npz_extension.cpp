#include "npz/npz_extension.hpp"

#include <algorithm>
#include <vector>

#include "npz/member_inflate.hpp"
#include "zip/zip_format.hpp"

namespace tensorio::npz {

void NpzExtension::write_metadata_json(detail::JsonWriter& out, bool full) const {
  (void)full;
  out.key("comment").value(comment_);
  out.key("members").begin_array();
  for (const MemberInfo& m : members_) {
    out.begin_object();
    out.key("name").value(m.name);
    out.key("method").value(m.method == zip::kMethodStored ? "stored" : "deflated");
    out.key("compressed_size").value(m.compressed_size);
    out.key("size").value(m.size);
    out.key("crc32").value(static_cast<uint64_t>(m.crc32));
    out.key("data_offset").value(m.data_offset);
    out.end_object();
  }
  out.end_array();
}

void NpzExtension::check_crc_by_reading(const MemberInfo& m) const {
  // In slices: a stored member may be as large as the archive.
  constexpr uint64_t kSlice = uint64_t{8} << 20;
  std::vector<std::byte> slice(static_cast<size_t>(std::min<uint64_t>(kSlice, m.data.size())));
  uint32_t crc = 0;
  for (uint64_t at = 0; at < m.data.size(); at += kSlice) {
    std::span<std::byte> part(slice.data(),
                              static_cast<size_t>(std::min(kSlice, m.data.size() - at)));
    file_->read_at(m.data_offset + at, part);
    crc = crc32(part, crc);
  }
  npz::MemberSource src = m.source(file_->path());
  if (crc != src.crc32) {
    throw Error(ErrorCode::bad_checksum, src.path, src.data_offset,
                "member '" + src.name + "': expected CRC-32 " + std::to_string(src.crc32) +
                    " from the central directory, found " + std::to_string(crc));
  }
}

void NpzExtension::verify(std::vector<VerifyProblem>& problems) const {
  for (const MemberInfo& m : members_) {
    if (m.deflated) continue;
    try {
      if (file_->access() == AccessMode::pread) {
        check_crc_by_reading(m);
        continue;
      }
      // A file truncated since open would raise SIGBUS on touch: fail with file_changed.
      file_->check_still_covers(m.data_offset + m.data.size());
      check_member_crc(m.source(file_->path()), m.data);
    } catch (const Error& e) {
      problems.push_back({std::string(m.name), e.what(), e.code()});
    }
  }
}

}  // namespace tensorio::npz
