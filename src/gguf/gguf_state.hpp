// GgufFileState — everything open_gguf() decoded from one file, shared by the Archive's
// extension and by the GgufFile / GgufMetadata handles. Immutable after open except for the
// lazily built array indexes, which guard themselves.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/archive_state.hpp"
#include "core/mapped_file.hpp"
#include "tensorio/gguf.hpp"

namespace tensorio {

// Bytes of the encoded element at `p` of an array whose elements have type `element` (a
// string: 8-byte length + characters; an array: element type + count + elements). Only for
// bytes already validated at open: it trusts the lengths it reads.
uint64_t gguf_encoded_size(GgufType element, const std::byte* p) noexcept;

// Offsets of the elements of one string (or nested-array) array, built on the first random
// access. Building walks the validated bytes once; std::call_once makes concurrent first
// accesses build it exactly once.
class GgufArrayIndex {
 public:
  GgufArrayIndex(GgufType element, uint64_t count, const std::byte* data) noexcept
      : element_(element), count_(count), data_(data) {}
  // Offset of element i from the start of the elements (i < count).
  uint64_t offset_of(uint64_t i) const;

 private:
  GgufType element_;
  uint64_t count_;
  const std::byte* data_;
  mutable std::once_flag once_;
  mutable std::vector<uint64_t> offsets_;
};

struct GgufFileState {
  std::string path;
  std::shared_ptr<const detail::MappedFile> file;
  uint32_t version = 3;
  uint64_t alignment = 32;
  uint64_t data_offset = 0;
  bool ggml_contiguous = true;
  std::vector<GgufValueView> values;  // file order; key() is the key
  std::unordered_map<std::string_view, size_t> key_index;
  std::vector<std::unique_ptr<GgufArrayIndex>> array_indexes;
  std::vector<GgufTensorInfo> tensors;
};

// Construction of the public views, which keep their fields private.
struct GgufAccess {
  static GgufValueView scalar(const GgufFileState* file, std::string_view key, GgufType type,
                              const std::byte* data, uint64_t size, uint64_t file_offset);
  static GgufValueView array(const GgufFileState* file, std::string_view key, GgufType element,
                             uint64_t count, const std::byte* data, uint64_t size,
                             uint64_t file_offset, const GgufArrayIndex* index);
  // The element of `array` whose encoding starts `at` bytes into the array's elements.
  static GgufValueView element_at(const GgufValueView& array, uint64_t at);
  static const GgufFileState* file(const GgufValueView& v) noexcept { return v.file_; }

  static GgufFile file_handle(std::shared_ptr<const GgufFileState> state) noexcept {
    return GgufFile(std::move(state));
  }
  static GgufMetadata metadata_handle(std::shared_ptr<const GgufFileState> state) noexcept {
    return GgufMetadata(std::move(state));
  }
};

namespace detail {

using tensorio::gguf_encoded_size;
using tensorio::GgufAccess;
using tensorio::GgufArrayIndex;
using tensorio::GgufFileState;

// The Archive extension of a .gguf file: typed metadata JSON and the GgufFile handle.
class GgufExtension : public ArchiveExtension {
 public:
  explicit GgufExtension(std::shared_ptr<const GgufFileState> state) : state_(std::move(state)) {}
  void write_metadata_json(JsonWriter& out, bool full) const override;
  const std::shared_ptr<const GgufFileState>& state() const noexcept { return state_; }

 private:
  std::shared_ptr<const GgufFileState> state_;
};

}  // namespace detail
}  // namespace tensorio
