#include "npz/npz_extension.hpp"

#include "zip/zip_format.hpp"

namespace tensorio::npz {

void NpzExtension::write_metadata_json(detail::JsonWriter& out, bool full) const {
  (void)full;
  out.key("comment").value(comment_);
  out.key("members").begin_array();
  for (const MemberInfo& m : members_) {
    out.begin_object();
    out.key("name").value(m.source.name);
    out.key("method").value(m.method == zip::kMethodStored ? "stored" : "deflated");
    out.key("compressed_size").value(m.compressed_size);
    out.key("size").value(m.source.size);
    out.key("crc32").value(static_cast<uint64_t>(m.source.crc32));
    out.key("data_offset").value(m.source.data_offset);
    out.end_object();
  }
  out.end_array();
}

void NpzExtension::verify(std::vector<VerifyProblem>& problems) const {
  for (const MemberInfo& m : members_) {
    if (m.source.deflated) continue;
    try {
      // A file truncated since open would raise SIGBUS on touch: fail with file_changed.
      file_->check_still_covers(m.source.data_offset + m.source.data.size());
      MemberSource named = m.source;  // members keep no copy of the path: name it here
      named.path = file_->path();
      check_member_crc(named, named.data);
    } catch (const Error& e) {
      problems.push_back({m.source.name, e.what()});
    }
  }
}

}  // namespace tensorio::npz
