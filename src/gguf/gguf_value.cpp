// Owned metadata values for the writer, and deep copies of values read from a file.
#include <string>

#include "gguf/gguf_state.hpp"

namespace tensorio {

GgufValue GgufValue::string_array(std::vector<std::string> items) {
  GgufValue out(GgufType::array);
  out.element_type_ = GgufType::string;
  out.count_ = items.size();
  out.strings_ = std::move(items);
  return out;
}

GgufValue GgufValue::array_of_arrays(std::vector<GgufValue> items) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].type() != GgufType::array) {
      throw Error(ErrorCode::invalid_argument, "", no_offset,
                  "array_of_arrays(): expected every item to be an array, found item " +
                      std::to_string(i) + " of type " +
                      std::string(gguf_type_name(items[i].type())));
    }
  }
  GgufValue out(GgufType::array);
  out.element_type_ = GgufType::array;
  out.count_ = items.size();
  out.items_ = std::move(items);
  return out;
}

GgufValue GgufValue::from_view(const GgufValueView& view) {
  if (view.type() == GgufType::string) return GgufValue(std::string(view.as_string()));
  if (view.type() != GgufType::array) {
    GgufValue out(view.type());
    auto b = view.raw_bytes();
    out.bytes_.assign(reinterpret_cast<const char*>(b.data()), b.size());
    return out;
  }
  GgufArrayView a = view.array();
  GgufValue out(GgufType::array);
  out.element_type_ = a.element_type();
  out.count_ = a.size();
  if (a.element_type() == GgufType::string) {
    out.strings_.reserve(a.size());
    a.for_each_string([&](std::string_view s) { out.strings_.emplace_back(s); });
  } else if (a.element_type() == GgufType::array) {
    out.items_.reserve(a.size());
    uint64_t at = 0;  // walk in order: nested arrays have no index
    for (uint64_t i = 0; i < a.size(); ++i) {
      out.items_.push_back(from_view(detail::GgufAccess::element_at(view, at)));
      at += detail::gguf_encoded_size(GgufType::array, view.raw_bytes().data() + at);
    }
  } else {
    auto b = a.raw_bytes();
    out.bytes_.assign(reinterpret_cast<const char*>(b.data()), b.size());
  }
  return out;
}

std::vector<GgufKeyValue> copy_gguf_metadata(const GgufMetadata& metadata) {
  std::vector<GgufKeyValue> out;
  out.reserve(metadata.size());
  for (size_t i = 0; i < metadata.size(); ++i) {
    GgufValueView v = metadata.value(i);
    out.push_back({std::string(v.key()), GgufValue::from_view(v)});
  }
  return out;
}

}  // namespace tensorio
