// Writing a .safetensors file: the reference writer's layout, streamed through the atomic
// writer.
#include <algorithm>
#include <array>
#include <unordered_set>

#include "core/endian.hpp"
#include "core/json_writer.hpp"
#include "core/save_checks.hpp"
#include "io/atomic_writer.hpp"
#include "io/source_prefetch.hpp"
#include "safetensors/offset_validation.hpp"
#include "safetensors/utf8.hpp"
#include "tensorio/safetensors.hpp"

namespace tensorio {

namespace {

// The reference's Dtype enum in declaration order. Its writer sorts tensors by this order
// descending (then by name), which places every 8-byte type before every 4-byte type and so
// on, so back-to-back tensors after an 8-aligned header stay naturally aligned. C64 sits
// between F32 and F64 there, and the order is kept as is to produce identical bytes.
constexpr std::array<std::string_view, 22> kReferenceDtypeOrder = {
    "BOOL",    "F4",          "F6_E2M3",     "F6_E3M2", "U8",  "I8",  "F8_E5M2", "F8_E4M3",
    "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "I16",     "U16", "F16", "BF16",    "I32",
    "U32",     "F32",         "C64",         "F64",     "I64", "U64"};

size_t reference_rank(std::string_view code) {
  auto it = std::find(kReferenceDtypeOrder.begin(), kReferenceDtypeOrder.end(), code);
  return static_cast<size_t>(it - kReferenceDtypeOrder.begin());
}

void require_utf8(std::string_view s, const char* what) {
  if (detail::first_invalid_utf8(s)) {
    throw Error(ErrorCode::invalid_argument, "", no_offset,
                std::string("safetensors: expected ") + what +
                    " to be valid UTF-8 (JSON strings are), found invalid bytes");
  }
}

}  // namespace

std::string serialize_safetensors_header(std::span<const TensorRef> tensors,
                                         const StringPairs& metadata, std::vector<size_t>* order) {
  std::unordered_set<std::string_view> names;
  std::vector<size_t> rank(tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorRef& t = tensors[i];
    detail::check_tensor_ref(t, "");
    require_utf8(t.name, "every tensor name");
    std::string_view code = dtype_info(t.dtype).safetensors;
    if (code.empty()) {
      throw Error(ErrorCode::unrepresentable, "", no_offset,
                  "tensor '" + t.name + "': expected a dtype safetensors can store, found " +
                      detail::dtype_for_message(t));
    }
    if (!detail::safetensors_element_count(t.shape)) {
      throw Error(ErrorCode::unrepresentable, "", no_offset,
                  "tensor '" + t.name +
                      "': expected a shape whose dimensions multiply left to right without "
                      "overflowing 64 bits (the reference reader refuses it even when a later "
                      "dimension is 0)");
    }
    if (t.name == "__metadata__") {
      throw Error(ErrorCode::invalid_argument, "", no_offset,
                  "expected tensor names other than '__metadata__' (the header's metadata key)");
    }
    if (!names.insert(t.name).second) {
      throw Error(ErrorCode::invalid_argument, "", no_offset,
                  "expected unique tensor names, found '" + t.name + "' twice");
    }
    rank[i] = reference_rank(code);
  }
  std::unordered_set<std::string_view> keys;
  for (const auto& [k, v] : metadata) {
    require_utf8(k, "metadata keys");
    require_utf8(v, "metadata values");
    if (!keys.insert(k).second) {
      throw Error(ErrorCode::invalid_argument, "", no_offset,
                  "expected unique metadata keys, found '" + k + "' twice");
    }
  }

  std::vector<size_t> sorted(tensors.size());
  for (size_t i = 0; i < sorted.size(); ++i) sorted[i] = i;
  // Names compare bytewise (std::string compares chars as unsigned), as Rust's String does.
  std::sort(sorted.begin(), sorted.end(), [&](size_t a, size_t b) {
    if (rank[a] != rank[b]) return rank[a] > rank[b];
    return tensors[a].name < tensors[b].name;
  });

  // Compact JSON exactly as serde_json writes the reference's Metadata: "__metadata__" first
  // (only when there is metadata: an empty map is written as no map, which keeps the zero-tensor
  // file valid), then each tensor's {"dtype","shape","data_offsets"} in data order.
  std::string json = "{";
  bool first = true;
  auto comma = [&] {
    if (!first) json += ',';
    first = false;
  };
  if (!metadata.empty()) {
    comma();
    json += "\"__metadata__\":{";
    for (size_t i = 0; i < metadata.size(); ++i) {
      if (i > 0) json += ',';
      detail::JsonWriter::append_quoted(json, metadata[i].first);
      json += ':';
      detail::JsonWriter::append_quoted(json, metadata[i].second);
    }
    json += '}';
  }
  uint64_t offset = 0;
  for (size_t i : sorted) {
    const TensorRef& t = tensors[i];
    comma();
    detail::JsonWriter::append_quoted(json, t.name);
    json += ":{\"dtype\":\"";
    json += dtype_info(t.dtype).safetensors;
    json += "\",\"shape\":[";
    for (size_t d = 0; d < t.shape.size(); ++d) {
      if (d > 0) json += ',';
      json += std::to_string(t.shape[d]);
    }
    // Sums of sizes of caller-held spans cannot overflow 64 bits.
    uint64_t end = offset + t.data.size();
    json += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(end) + "]}";
    offset = end;
  }
  json += '}';
  json.append((8 - json.size() % 8) % 8, ' ');
  // The writer holds itself to the reader's default cap, so that what it writes opens anywhere.
  constexpr uint64_t kMaxHeaderBytes = Limits{}.max_header_bytes;
  if (json.size() > kMaxHeaderBytes) {
    throw Error(ErrorCode::header_too_large, "", no_offset,
                "safetensors: expected a header of at most " + std::to_string(kMaxHeaderBytes) +
                    " bytes, found " + std::to_string(json.size()) +
                    " (too many tensors or too much metadata)");
  }
  std::string out(8, '\0');
  store_le<uint64_t>(reinterpret_cast<std::byte*>(out.data()), json.size());
  out += json;
  if (order) *order = std::move(sorted);
  return out;
}

void save_safetensors(const std::filesystem::path& path, std::span<const TensorRef> tensors,
                      const StringPairs& metadata, const SaveOptions& options) {
  std::vector<size_t> order;
  std::string header;
  try {
    header = serialize_safetensors_header(tensors, metadata, &order);
  } catch (const Error& e) {
    // Re-raise naming the target file.
    throw Error(e.code(), path.string(), e.offset(), e.reason());
  }
  std::vector<std::span<const std::byte>> sources;
  sources.reserve(order.size());
  for (size_t i : order) sources.push_back(tensors[i].data);
  detail::SourcePrefetcher prefetch(std::move(sources));
  detail::AtomicWriter out(path, options);
  out.attach(&prefetch);
  out.write(std::as_bytes(std::span(header)));
  // Each tensor streams from the caller's memory (or mapping) through the writer's buffer; a
  // span of 64 KiB or more goes straight to write().
  for (size_t i : order) out.write(tensors[i].data);
  out.commit();
}

}  // namespace tensorio
