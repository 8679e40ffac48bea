// tensorio/archive.hpp — an opened tensor file: its tensors in file order plus its metadata.
//
// An Archive is a cheap handle (copies share state). Its header was fully decoded and validated
// when it was opened; payloads are paged in lazily through the TensorViews. All const member
// functions are thread-safe. Views taken from an Archive stay valid after it is destroyed.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tensorio/export.h"
#include "tensorio/tensor_view.hpp"

namespace tensorio {

enum class Format : uint8_t { npy, npz, safetensors, gguf };
TENSORIO_API std::string_view format_name(Format format) noexcept;

// What an opened file is, shared by its Archive handles; opaque here.
struct ArchiveState;

class TENSORIO_API Archive {
 public:
  Format format() const noexcept;
  const std::string& path() const noexcept;
  // Size in bytes of the file (for a sharded checkpoint: of all shards together).
  uint64_t file_size() const noexcept;

  size_t size() const noexcept { return tensors().size(); }
  // Tensors in file order.
  std::span<const TensorView> tensors() const noexcept;
  // Lookup by name in O(1); nullptr when absent.
  [[nodiscard]] const TensorView* find(std::string_view name) const noexcept;
  // Lookup by name; throws Error(not_found) naming the archive and the tensor.
  const TensorView& at(std::string_view name) const;

  // String metadata in file order: safetensors' __metadata__, gguf's string-valued keys.
  const std::vector<std::pair<std::string, std::string>>& string_metadata() const noexcept;
  // The format's full metadata as one JSON object (gguf: every key with its typed value; arrays
  // longer than 16 elements summarized as {"type": ..., "count": N} unless `full`).
  [[nodiscard]] std::string metadata_json(bool full = false) const;
  // Things a user should know that are not errors (npz members that are not .npy, trailing
  // bytes after an npy payload, shards not referenced by an index).
  const std::vector<std::string>& notes() const noexcept;

 private:
  friend struct Internals;
  explicit Archive(std::shared_ptr<const ArchiveState> state) noexcept : state_(std::move(state)) {}

  std::shared_ptr<const ArchiveState> state_;
};

}  // namespace tensorio
