// Archive::metadata_json() for .gguf: every key with its value as JSON (numbers, booleans,
// strings, arrays). Arrays longer than 16 elements are summarized as
// {"type": ELEMENT_TYPE, "count": N} unless `full` — a vocabulary would otherwise be megabytes.
#include "core/json_writer.hpp"
#include "gguf/gguf_state.hpp"

namespace tensorio::detail {

namespace {

constexpr uint64_t kSummarizeAbove = 16;

void write_value(JsonWriter& out, const GgufValueView& v, bool full) {
  switch (v.type()) {
    case GgufType::uint8: out.value(uint64_t{v.as<uint8_t>()}); return;
    case GgufType::int8: out.value(int64_t{v.as<int8_t>()}); return;
    case GgufType::uint16: out.value(uint64_t{v.as<uint16_t>()}); return;
    case GgufType::int16: out.value(int64_t{v.as<int16_t>()}); return;
    case GgufType::uint32: out.value(uint64_t{v.as<uint32_t>()}); return;
    case GgufType::int32: out.value(int64_t{v.as<int32_t>()}); return;
    case GgufType::uint64: out.value(v.as<uint64_t>()); return;
    case GgufType::int64: out.value(v.as<int64_t>()); return;
    case GgufType::float32: out.value(static_cast<double>(v.as<float>())); return;
    case GgufType::float64: out.value(v.as<double>()); return;
    case GgufType::bool_: out.value(v.as<bool>()); return;
    case GgufType::string: out.value(v.as_string()); return;
    case GgufType::array: break;
  }
  GgufArrayView a = v.array();
  if (!full && a.size() > kSummarizeAbove) {
    out.begin_object();
    out.key("type").value(gguf_type_name(a.element_type()));
    out.key("count").value(a.size());
    out.end_object();
    return;
  }
  // Walk the elements in order rather than by index: nested arrays have no index, and
  // element(i) would walk from the start each time.
  out.begin_array();
  uint64_t at = 0;
  for (uint64_t i = 0; i < a.size(); ++i) {
    write_value(out, GgufAccess::element_at(v, at), full);
    at += gguf_encoded_size(a.element_type(), v.raw_bytes().data() + at);
  }
  out.end_array();
}

}  // namespace

void GgufExtension::write_metadata_json(JsonWriter& out, bool full) const {
  for (const GgufValueView& v : state_->values) {
    out.key(v.key());
    write_value(out, v, full);
  }
}

}  // namespace tensorio::detail
