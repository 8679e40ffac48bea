// tensorio's view of a gguf file in the layout of dump_format.hpp, the text ggml_harness prints
// for ggml's view: the interop and differential tests compare the two.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "dump_format.hpp"
#include "tensorio/gguf.hpp"
#include "tensorio/tensorio.hpp"

namespace ggml_peer {

namespace dump_detail {

using tensorio::GgufType;
namespace df = dump_format;

inline std::string scalar_json(const tensorio::GgufValueView& v) {
  switch (v.type()) {
    case GgufType::uint8: return std::to_string(v.as<uint8_t>());
    case GgufType::int8: return std::to_string(v.as<int8_t>());
    case GgufType::uint16: return std::to_string(v.as<uint16_t>());
    case GgufType::int16: return std::to_string(v.as<int16_t>());
    case GgufType::uint32: return std::to_string(v.as<uint32_t>());
    case GgufType::int32: return std::to_string(v.as<int32_t>());
    case GgufType::float32: return df::json_f32(v.as<float>());
    case GgufType::bool_: return v.as<bool>() ? "true" : "false";
    case GgufType::uint64: return std::to_string(v.as<uint64_t>());
    case GgufType::int64: return std::to_string(v.as<int64_t>());
    case GgufType::float64: return df::json_f64(v.as<double>());
    case GgufType::string: return df::json_string(v.as_string());
    case GgufType::array: return "null";  // ggml has no nested arrays; never reached here
  }
  return "null";
}

inline std::string kv_json(std::string_view key, const tensorio::GgufValueView& v) {
  if (v.type() != GgufType::array)
    return df::scalar_kv(key, static_cast<int>(v.type()), scalar_json(v));
  const tensorio::GgufArrayView arr = v.array();
  std::string values;
  for (uint64_t i = 0; i < arr.size(); ++i) {
    if (i) values += ",";
    values += scalar_json(arr.element(i));
  }
  return df::array_kv(key, static_cast<int>(arr.element_type()), arr.size(), values);
}

}  // namespace dump_detail

// tensorio's view of a gguf file, in the harness's dump layout. Throws tensorio::Error.
inline std::string tensorio_dump(const std::filesystem::path& path) {
  namespace df = dump_format;
  using dump_detail::kv_json;
  const tensorio::Archive a = tensorio::load(path);
  const tensorio::GgufFile g = tensorio::gguf_file(a);
  std::string out =
      df::header(g.version(), g.alignment(), g.data_offset(), !g.tensor_infos().empty());
  const tensorio::GgufMetadata md = g.metadata();
  bool first = true;
  for (size_t i = 0; i < md.size(); ++i)
    df::append_item(out, first, kv_json(md.key(i), md.value(i)));
  out += df::kBetweenSections;
  first = true;
  const auto infos = g.tensor_infos();
  for (size_t i = 0; i < infos.size(); ++i) {
    const tensorio::GgufTensorInfo& t = infos[i];
    int64_t ne[4] = {1, 1, 1, 1};
    for (size_t d = 0; d < t.ne.size() && d < 4; ++d) ne[d] = static_cast<int64_t>(t.ne[d]);
    const auto bytes = a.tensors()[i].data();
    const uint64_t hash =
        df::fnv1a(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    df::append_item(
        out, first,
        df::tensor(t.name, static_cast<int>(t.ggml_type), ne, t.offset, t.nbytes, hash));
  }
  out += df::kEnd;
  return out;
}

}  // namespace ggml_peer
