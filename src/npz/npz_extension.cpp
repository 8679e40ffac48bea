#include "npz/npz_extension.hpp"

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

void NpzExtension::verify(std::vector<VerifyProblem>& problems) const {
  for (const MemberInfo& m : members_) {
    if (m.deflated) continue;
    try {
      // A file truncated since open would raise SIGBUS on touch: fail with file_changed.
      file_->check_still_covers(m.data_offset + m.data.size());
      check_member_crc(m.source(file_->path()), m.data);
    } catch (const Error& e) {
      problems.push_back({std::string(m.name), e.what(), e.code()});
    }
  }
}

}  // namespace tensorio::npz
