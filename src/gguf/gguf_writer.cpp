// Saving a .gguf file (version 3) through the atomic writer: header, key/values in the
// caller's order, tensor infos, then the tensors back to back in info order, each padded to the
// alignment — the layout ggml's reader insists on, including the padding after the last tensor.
#include <string>
#include <unordered_set>

#include "core/checked_math.hpp"
#include "core/endian.hpp"
#include "core/save_checks.hpp"
#include "gguf/gguf_parse.hpp"
#include "io/atomic_writer.hpp"
#include "io/source_prefetch.hpp"
#include "tensorio/gguf.hpp"

namespace tensorio {

namespace {

constexpr uint32_t kWriteVersion = 3;
constexpr size_t kGgmlMaxDims = 4;  // what ggml's reader accepts
constexpr size_t kGgmlMaxNameBytes = 63;

class Encoder {
 public:
  explicit Encoder(detail::AtomicWriter& out) : out_(out) {}

  template <typename T>
  void put(T v) {
    std::byte b[sizeof(T)];
    store_le(b, v);
    out_.write(b);
  }
  void put_string(std::string_view s) {
    put<uint64_t>(s.size());
    out_.write(std::as_bytes(std::span(s.data(), s.size())));
  }
  void put_value(const GgufValue& v) {
    switch (v.type()) {
      case GgufType::string: put_string(v.strings().front()); return;
      case GgufType::array: put_array(v); return;
      default: out_.write(std::as_bytes(std::span(v.scalar_bytes()))); return;
    }
  }
  // An array's element type, count and elements (the part after the ARRAY type field).
  void put_array(const GgufValue& v) {
    put<uint32_t>(static_cast<uint32_t>(v.element_type()));
    put<uint64_t>(v.count());
    if (v.element_type() == GgufType::string) {
      for (const std::string& s : v.strings()) put_string(s);
    } else if (v.element_type() == GgufType::array) {
      for (const GgufValue& item : v.items()) put_array(item);
    } else {
      out_.write(std::as_bytes(std::span(v.scalar_bytes())));
    }
  }
  void pad_to(uint64_t alignment) {
    uint64_t pos = out_.position();
    out_.write_zeros(*checked_align_up(pos, alignment) - pos);
  }

 private:
  detail::AtomicWriter& out_;
};

[[noreturn]] void fail(ErrorCode code, const std::string& path, std::string detail) {
  throw Error(code, path, no_offset, std::move(detail));
}

// A value built through GgufValue's API is well-formed by construction, except for the counts
// of arrays assembled from other values; check what the encoder relies on.
void check_value(const GgufValue& v, const std::string& path, const std::string& key) {
  if (v.type() == GgufType::string && v.strings().size() != 1) {
    fail(ErrorCode::invalid_argument, path, "key '" + key + "': malformed string value");
  }
  if (v.type() != GgufType::array) return;
  uint64_t have = v.element_type() == GgufType::string ? v.strings().size()
                  : v.element_type() == GgufType::array
                      ? v.items().size()
                      : v.scalar_bytes().size() / gguf_type_size(v.element_type());
  if (have != v.count()) {
    fail(ErrorCode::invalid_argument, path,
         "key '" + key + "': expected " + std::to_string(v.count()) + " array elements, found " +
             std::to_string(have));
  }
  for (const GgufValue& item : v.items()) check_value(item, path, key);
}

uint64_t alignment_from(std::span<const GgufKeyValue> metadata, const std::string& path) {
  for (const GgufKeyValue& kv : metadata) {
    if (kv.key != "general.alignment") continue;
    if (kv.value.type() != GgufType::uint32) {
      fail(ErrorCode::invalid_argument, path,
           "general.alignment: expected type uint32, found " +
               std::string(gguf_type_name(kv.value.type())));
    }
    uint32_t a =
        load_le<uint32_t>(reinterpret_cast<const std::byte*>(kv.value.scalar_bytes().data()));
    if (a == 0 || (a & (a - 1)) != 0) {
      fail(ErrorCode::invalid_argument, path,
           "general.alignment: expected a non-zero power of two, found " + std::to_string(a));
    }
    return a;
  }
  return detail::kGgufDefaultAlignment;
}

}  // namespace

void save_gguf(const std::filesystem::path& path, std::span<const TensorRef> tensors,
               std::span<const GgufKeyValue> metadata, const SaveOptions& options) {
  const std::string p = path.string();
  std::unordered_set<std::string_view> keys;
  for (const GgufKeyValue& kv : metadata) {
    if (kv.key.empty()) fail(ErrorCode::invalid_argument, p, "expected non-empty metadata keys");
    if (!keys.insert(kv.key).second) {
      fail(ErrorCode::invalid_argument, p,
           "expected unique metadata keys, found '" + kv.key + "' twice");
    }
    check_value(kv.value, p, kv.key);
  }
  const uint64_t alignment = alignment_from(metadata, p);

  std::unordered_set<std::string_view> names;
  std::vector<uint64_t> offsets;
  offsets.reserve(tensors.size());
  uint64_t data_bytes = 0;
  for (const TensorRef& t : tensors) {
    detail::check_tensor_ref(t, p);
    const DTypeInfo& info = dtype_info(t.dtype);
    if (info.ggml_type < 0) {
      fail(ErrorCode::unrepresentable, p,
           "tensor '" + t.name + "': expected a dtype gguf can store, found " +
               detail::dtype_for_message(t));
    }
    if (t.name.size() > kGgmlMaxNameBytes) {
      fail(ErrorCode::unrepresentable, p,
           "tensor '" + t.name + "': expected a name of at most 63 bytes (ggml's limit), found " +
               std::to_string(t.name.size()));
    }
    if (t.shape.size() > kGgmlMaxDims) {
      fail(ErrorCode::unrepresentable, p,
           "tensor '" + t.name + "': expected at most 4 dimensions (ggml's limit), found " +
               std::to_string(t.shape.size()));
    }
    uint64_t row = t.shape.empty() ? 1 : t.shape.back();
    if (row % info.block_elements != 0) {
      fail(ErrorCode::invalid_argument, p,
           "tensor '" + t.name + "': expected a row length (last dimension) that is a multiple " +
               "of " + std::string(info.name) + "'s block of " +
               std::to_string(info.block_elements) + ", found " + std::to_string(row));
    }
    if (!names.insert(t.name).second) {
      fail(ErrorCode::invalid_argument, p,
           "expected unique tensor names, found '" + t.name + "' twice");
    }
    offsets.push_back(data_bytes);
    auto padded = checked_align_up(t.data.size(), alignment);
    auto next = padded ? checked_add(data_bytes, *padded) : std::nullopt;
    if (!next) fail(ErrorCode::size_overflow, p, "expected a data section below 2^64 bytes");
    data_bytes = *next;
  }

  std::vector<std::span<const std::byte>> sources;
  sources.reserve(tensors.size());
  for (const TensorRef& t : tensors) sources.push_back(t.data);
  detail::SourcePrefetcher prefetch(std::move(sources));
  detail::AtomicWriter out(path, options);
  out.attach(&prefetch);
  Encoder enc(out);
  out.write(std::as_bytes(std::span("GGUF", 4)));
  enc.put<uint32_t>(kWriteVersion);
  enc.put<uint64_t>(tensors.size());
  enc.put<uint64_t>(metadata.size());
  for (const GgufKeyValue& kv : metadata) {
    enc.put_string(kv.key);
    enc.put<uint32_t>(static_cast<uint32_t>(kv.value.type()));
    enc.put_value(kv.value);
  }
  for (size_t i = 0; i < tensors.size(); ++i) {
    const TensorRef& t = tensors[i];
    enc.put_string(t.name);
    enc.put<uint32_t>(static_cast<uint32_t>(t.shape.size()));
    for (auto d = t.shape.rbegin(); d != t.shape.rend(); ++d) enc.put<uint64_t>(*d);
    enc.put<uint32_t>(static_cast<uint32_t>(dtype_info(t.dtype).ggml_type));
    enc.put<uint64_t>(offsets[i]);
  }
  enc.pad_to(alignment);
  for (const TensorRef& t : tensors) {
    out.write(t.data);
    enc.pad_to(alignment);
  }
  out.commit();
}

}  // namespace tensorio
