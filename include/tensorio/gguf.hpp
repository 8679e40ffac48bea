// tensorio/gguf.hpp — GGUF files (versions 2 and 3, little-endian), as llama.cpp and ggml write.
//
// Reading. open_gguf() (or load() on a .gguf path) maps the file, decodes the header, every
// metadata key/value and every tensor info, and validates all of it before returning:
//   * magic "GGUF"; version 2 or 3 (version 1 and big-endian files are refused with
//     Error(unsupported_version) saying which);
//   * the 13 metadata value types; arrays of any of them, arrays of arrays up to
//     Limits::max_array_depth levels; string and array lengths checked against the bytes left
//     and against Limits::max_string_bytes / max_array_elements before use; keys non-empty and
//     unique (hash set);
//   * general.alignment, when present, must be a UINT32 power of two no larger than
//     Limits::max_alignment (default alignment 32);
//   * tensor names at most Limits::max_gguf_name_bytes (63, ggml's GGML_MAX_NAME - 1) and
//     unique; at most Limits::max_gguf_dims dimensions (4); every ggml type by enum value
//     (removed types 4, 5, 31-33, 36-38 refused by name as Error(unsupported_dtype), unknown
//     values as Error(unknown_dtype)); row length a multiple of the block size; element count
//     and byte size (padding included) free of 64-bit overflow; offsets aligned, inside the
//     file (a truncated data section fails at open) and not overlapping.
// Tensor payloads are zero-copy views of the raw stored bytes (quantized tensors are their raw
// blocks). TensorView::shape() is row-major, i.e. ggml's `ne` reversed; ggml_ne() gives ggml's
// order back. Tensor dtypes use tensorio's canonical names (float32, bfloat16, q4_k, iq2_xxs).
//
// Metadata is zero-copy too: keys and string values are string_views into the mapping. A
// string array (a 150,000-token vocabulary) costs one bounds-checked walk at open and no
// allocation; its offset index is built on the first random access, once, thread-safely.
// Views handed out (GgufValueView, GgufArrayView, string_views) are valid while the Archive
// (or any GgufFile/GgufMetadata handle taken from it) is alive.
//
// Writing. save_gguf() writes version 3: header, key/values in the given order, tensor infos,
// then every tensor at an offset aligned to general.alignment (32 unless given), each followed
// by zero padding to the alignment — the last one too, as ggml's own writer does and its
// in-memory loader requires. It goes through the atomic writer (temp file + rename).
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tensorio/archive.hpp"
#include "tensorio/dtype.hpp"
#include "tensorio/error.hpp"
#include "tensorio/export.h"
#include "tensorio/options.hpp"
#include "tensorio/tensor_ref.hpp"

namespace tensorio {

// GGUF metadata value types, with their on-disk enum values.
enum class GgufType : uint32_t {
  uint8 = 0,
  int8 = 1,
  uint16 = 2,
  int16 = 3,
  uint32 = 4,
  int32 = 5,
  float32 = 6,
  bool_ = 7,
  string = 8,
  array = 9,
  uint64 = 10,
  int64 = 11,
  float64 = 12,
};

// "uint8", "int8", ..., "float32", "bool", "string", "array", "uint64", "int64", "float64".
TENSORIO_API std::string_view gguf_type_name(GgufType type) noexcept;
// Bytes of one value of a fixed-size type; 0 for string and array.
TENSORIO_API uint32_t gguf_type_size(GgufType type) noexcept;

// The GgufType a C++ type reads and writes as (uint32_t -> uint32, bool -> bool_, float ->
// float32, double -> float64, std::string_view / std::string -> string).
template <typename T>
constexpr std::optional<GgufType> gguf_type_of() noexcept {
  using U = std::remove_cvref_t<T>;
  if constexpr (std::is_same_v<U, uint8_t>) return GgufType::uint8;
  if constexpr (std::is_same_v<U, int8_t>) return GgufType::int8;
  if constexpr (std::is_same_v<U, uint16_t>) return GgufType::uint16;
  if constexpr (std::is_same_v<U, int16_t>) return GgufType::int16;
  if constexpr (std::is_same_v<U, uint32_t>) return GgufType::uint32;
  if constexpr (std::is_same_v<U, int32_t>) return GgufType::int32;
  if constexpr (std::is_same_v<U, float>) return GgufType::float32;
  if constexpr (std::is_same_v<U, bool>) return GgufType::bool_;
  if constexpr (std::is_same_v<U, uint64_t>) return GgufType::uint64;
  if constexpr (std::is_same_v<U, int64_t>) return GgufType::int64;
  if constexpr (std::is_same_v<U, double>) return GgufType::float64;
  if constexpr (std::is_same_v<U, std::string_view> || std::is_same_v<U, std::string>) {
    return GgufType::string;
  }
  return std::nullopt;
}

// The library's decoded file and its lazily built array indexes; opaque here.
class GgufArrayIndex;
struct GgufAccess;
struct GgufFileState;

class GgufArrayView;

// One metadata value, read in place. Access is exact-typed: as<uint32_t>() on a UINT32 value,
// as<std::string_view>() on a STRING, array() on an ARRAY; anything else throws
// Error(type_mismatch) naming the key, the type asked for and the type found. (Bools read as
// ggml reads them: any non-zero byte is true.)
class TENSORIO_API GgufValueView {
 public:
  GgufValueView() = default;

  GgufType type() const noexcept { return type_; }
  // The key this value belongs to (for an array element: the key of the outermost array).
  std::string_view key() const noexcept { return key_; }
  // Absolute file offset of the value's bytes (after the type field).
  uint64_t file_offset() const noexcept { return file_offset_; }
  // The encoded bytes: a scalar's little-endian bytes, a string's characters (no length
  // prefix), an array's elements (after its element type and count).
  std::span<const std::byte> raw_bytes() const noexcept { return {data_, size_}; }

  template <typename T>
  T as() const {
    using U = std::remove_cvref_t<T>;
    static_assert(gguf_type_of<U>().has_value(), "as<T>(): T must be a GGUF scalar type");
    if constexpr (std::is_same_v<U, std::string_view>) {
      return as_string();
    } else if constexpr (std::is_same_v<U, std::string>) {
      return std::string(as_string());
    } else if constexpr (std::is_same_v<U, bool>) {
      require(GgufType::bool_);
      return data_[0] != std::byte{0};
    } else {
      require(*gguf_type_of<U>());
      U v;
      std::memcpy(&v, data_, sizeof v);
      return v;
    }
  }
  std::string_view as_string() const;
  GgufArrayView array() const;

 private:
  friend class GgufArrayView;
  friend struct GgufAccess;
  void require(GgufType want) const;

  GgufType type_ = GgufType::uint8;
  const std::byte* data_ = nullptr;
  uint64_t size_ = 0;
  uint64_t file_offset_ = 0;
  const GgufFileState* file_ = nullptr;
  std::string_view key_;
  // Arrays only: element type, count, and the lazily built element index (may be null for
  // arrays nested in arrays, whose elements are then found by a walk).
  GgufType element_type_ = GgufType::uint8;
  uint64_t count_ = 0;
  const GgufArrayIndex* index_ = nullptr;
};

// An array value, read in place. Fixed-size elements are addressed directly (unaligned loads);
// string and nested-array elements through an offset index built on first use.
class TENSORIO_API GgufArrayView {
 public:
  GgufArrayView() = default;

  GgufType element_type() const noexcept { return value_.element_type_; }
  uint64_t size() const noexcept { return value_.count_; }
  bool empty() const noexcept { return value_.count_ == 0; }
  // The elements as stored: for fixed-size types size() * gguf_type_size() little-endian bytes
  // (not aligned); for strings and arrays their length-prefixed encodings back to back.
  std::span<const std::byte> raw_bytes() const noexcept { return value_.raw_bytes(); }

  // Element i as a value (throws Error(invalid_argument) when i >= size()).
  GgufValueView element(uint64_t i) const;
  template <typename T>
  T at(uint64_t i) const {
    return element(i).as<T>();
  }
  GgufArrayView array_at(uint64_t i) const { return element(i).array(); }

  // All elements, copied into a vector (string_views still point into the file). Throws
  // Error(type_mismatch) when T does not match element_type().
  template <typename T>
  std::vector<T> to_vector() const {
    using U = std::remove_cvref_t<T>;
    static_assert(gguf_type_of<U>().has_value(), "to_vector<T>(): T must be a GGUF scalar type");
    std::vector<U> out;
    if constexpr (std::is_same_v<U, std::string_view> || std::is_same_v<U, std::string>) {
      require_element(GgufType::string);
      out.reserve(size());
      for_each_string([&](std::string_view s) { out.emplace_back(s); });
    } else if constexpr (std::is_same_v<U, bool>) {
      require_element(GgufType::bool_);
      out.reserve(size());
      for (std::byte b : raw_bytes()) out.push_back(b != std::byte{0});
    } else {
      require_element(*gguf_type_of<U>());
      out.resize(size());
      if (!out.empty()) std::memcpy(out.data(), value_.data_, out.size() * sizeof(U));
    }
    return out;
  }

  // Visits every string of a string array in order, without building the index.
  template <typename F>
  void for_each_string(F&& visit) const {
    require_element(GgufType::string);
    const std::byte* p = value_.data_;
    for (uint64_t i = 0; i < size(); ++i) {
      uint64_t n;
      std::memcpy(&n, p, sizeof n);  // lengths were bounds-checked at open
      visit(std::string_view(reinterpret_cast<const char*>(p + 8), n));
      p += 8 + n;
    }
  }

 private:
  friend class GgufValueView;
  friend struct GgufAccess;
  explicit GgufArrayView(GgufValueView value) : value_(value) {}
  void require_element(GgufType want) const;

  GgufValueView value_;
};

// A file's key/value pairs in file order, with O(1) lookup by key. A cheap handle: copies
// share the parsed state and keep the mapping alive.
class TENSORIO_API GgufMetadata {
 public:
  size_t size() const noexcept;
  std::string_view key(size_t i) const;
  GgufValueView value(size_t i) const;
  bool contains(std::string_view key) const noexcept { return find(key).has_value(); }
  std::optional<GgufValueView> find(std::string_view key) const noexcept;
  // Throws Error(not_found) naming the key when absent.
  GgufValueView at(std::string_view key) const;

  // get<uint32_t>("llama.context_length"): Error(not_found) when absent, Error(type_mismatch)
  // when stored as another type.
  template <typename T>
  T get(std::string_view key) const {
    return at(key).as<T>();
  }
  // As get(), but `fallback` when the key is absent (a present key of another type still
  // throws type_mismatch).
  template <typename T>
  T get_or(std::string_view key, T fallback) const {
    auto v = find(key);
    return v ? v->as<T>() : fallback;
  }
  GgufArrayView array(std::string_view key) const { return at(key).array(); }

 private:
  friend class GgufFile;
  friend struct GgufAccess;
  explicit GgufMetadata(std::shared_ptr<const GgufFileState> state) noexcept
      : state_(std::move(state)) {}

  std::shared_ptr<const GgufFileState> state_;
};

// One tensor info exactly as the file describes it.
struct TENSORIO_API GgufTensorInfo {
  std::string_view name;
  uint32_t ggml_type = 0;  // ggml enum value
  DType dtype = DType::float32;
  std::vector<uint64_t> ne;  // ggml order: ne[0] is the innermost (row) dimension
  uint64_t offset = 0;       // relative to the data section, as stored
  uint64_t nbytes = 0;       // stored bytes (without padding)
  uint64_t info_offset = 0;  // absolute offset of this tensor info record in the file
};

// The GGUF-specific view of an opened .gguf Archive. A cheap handle sharing the archive's state.
class TENSORIO_API GgufFile {
 public:
  uint32_t version() const noexcept;
  uint64_t alignment() const noexcept;    // general.alignment, or 32
  uint64_t data_offset() const noexcept;  // absolute offset of the data section
  GgufMetadata metadata() const noexcept { return GgufMetadata(state_); }
  // Tensor infos in file order (same order as Archive::tensors()).
  std::span<const GgufTensorInfo> tensor_infos() const noexcept;
  // True when the tensors are laid out back to back in info order, each padded to the
  // alignment: the layout ggml's reader insists on (ours only needs aligned, in-bounds,
  // non-overlapping tensors).
  bool ggml_contiguous_layout() const noexcept;

 private:
  friend struct GgufAccess;
  explicit GgufFile(std::shared_ptr<const GgufFileState> state) noexcept
      : state_(std::move(state)) {}

  std::shared_ptr<const GgufFileState> state_;
};

// Opens a .gguf file (see the top of this header for what is validated).
[[nodiscard]] TENSORIO_API Archive open_gguf(const std::filesystem::path& path,
                                             const OpenOptions& options = {});

// The GGUF view of an archive opened by open_gguf() or load(); throws Error(invalid_argument)
// when the archive is not a GGUF file.
TENSORIO_API GgufFile gguf_file(const Archive& archive);

// A tensor's dimensions in ggml order (`ne`, innermost first): the reverse of shape().
TENSORIO_API std::vector<uint64_t> ggml_ne(const TensorView& view);

// An owned, typed metadata value for save_gguf().
//
//   GgufValue(uint32_t{4096}), GgufValue(1e-5f), GgufValue(true), GgufValue("llama"),
//   GgufValue::array(std::span<const float>(scores)), GgufValue::string_array(tokens),
//   GgufValue::array_of_arrays(GgufType::int32, {a, b}), GgufValue::from_view(file_value)
class TENSORIO_API GgufValue {
 public:
  GgufValue() : bytes_(1, '\0') {}  // uint8 0
  template <typename T>
  requires(gguf_type_of<T>().has_value() && !std::is_same_v<std::remove_cvref_t<T>, std::string> &&
           !std::is_same_v<std::remove_cvref_t<T>, std::string_view>) GgufValue(T v)
      : type_(*gguf_type_of<T>()) {  // NOLINT(google-explicit-constructor)
    if constexpr (std::is_same_v<T, bool>) {
      bytes_.push_back(v ? '\1' : '\0');
    } else {
      bytes_.resize(sizeof v);
      std::memcpy(bytes_.data(), &v, sizeof v);
    }
  }
  GgufValue(std::string s) : type_(GgufType::string) { strings_.push_back(std::move(s)); }
  GgufValue(std::string_view s) : GgufValue(std::string(s)) {}
  GgufValue(const char* s) : GgufValue(std::string(s)) {}

  // An array of fixed-size scalars (bool arrays are stored one byte per element).
  template <typename T>
  static GgufValue array(std::span<const T> items) {
    static_assert(gguf_type_of<T>().has_value() && !std::is_same_v<T, std::string> &&
                      !std::is_same_v<T, std::string_view>,
                  "use string_array() for strings");
    GgufValue out(GgufType::array);
    out.element_type_ = *gguf_type_of<T>();
    out.count_ = items.size();
    if constexpr (std::is_same_v<T, bool>) {
      for (bool b : items) out.bytes_.push_back(b ? '\1' : '\0');
    } else {
      out.bytes_.resize(items.size_bytes());
      if (!items.empty()) std::memcpy(out.bytes_.data(), items.data(), items.size_bytes());
    }
    return out;
  }
  template <typename T>
  static GgufValue array(const std::vector<T>& items) {
    return array(std::span<const T>(items));
  }
  // std::vector<bool> is not contiguous, so it gets its own overload.
  static GgufValue array(const std::vector<bool>& items) {
    GgufValue out(GgufType::array);
    out.element_type_ = GgufType::bool_;
    out.count_ = items.size();
    for (bool b : items) out.bytes_.push_back(b ? '\1' : '\0');
    return out;
  }
  static GgufValue string_array(std::vector<std::string> items);
  // An array whose elements are arrays (the spec allows it; ggml's reader refuses it). Every
  // item must be an array value; `element_type` is GgufType::array.
  static GgufValue array_of_arrays(std::vector<GgufValue> items);
  // A deep copy of a value read from a file.
  static GgufValue from_view(const GgufValueView& view);

  GgufType type() const noexcept { return type_; }
  GgufType element_type() const noexcept { return element_type_; }  // arrays only
  uint64_t count() const noexcept { return count_; }                // arrays only
  // A scalar's little-endian bytes, or a fixed-size array's elements.
  const std::string& scalar_bytes() const noexcept { return bytes_; }
  // A string value (one entry) or a string array's elements.
  const std::vector<std::string>& strings() const noexcept { return strings_; }
  // A nested array's elements.
  const std::vector<GgufValue>& items() const noexcept { return items_; }

 private:
  explicit GgufValue(GgufType type) : type_(type) {}

  GgufType type_ = GgufType::uint8;
  GgufType element_type_ = GgufType::uint8;
  uint64_t count_ = 0;
  std::string bytes_;
  std::vector<std::string> strings_;
  std::vector<GgufValue> items_;
};

struct TENSORIO_API GgufKeyValue {
  std::string key;
  GgufValue value;
};

// Every key/value of `metadata` as owned values (for rewriting a file with its metadata).
TENSORIO_API std::vector<GgufKeyValue> copy_gguf_metadata(const GgufMetadata& metadata);

// Saves `tensors` as a GGUF v3 file, atomically. `metadata` is written in order; a
// general.alignment key (UINT32, a power of two) sets the data alignment. Tensor shapes are
// row-major and written reversed (ggml `ne`); dtypes must have a ggml type (quantized tensors
// are given as their raw blocks, the row length a multiple of the block size). Throws
// Error(invalid_argument) for empty or duplicate keys, a bad general.alignment, duplicate tensor
// names or data of the wrong size; Error(unrepresentable) for a dtype ggml cannot store, a
// name longer than 63 bytes or more than 4 dimensions.
TENSORIO_API void save_gguf(const std::filesystem::path& path, std::span<const TensorRef> tensors,
                            std::span<const GgufKeyValue> metadata = {},
                            const SaveOptions& options = {});

}  // namespace tensorio
