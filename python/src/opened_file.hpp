// python/src/opened_file.hpp — one opened file as Python sees it: the archive plus the tensors it
// presents, in file order, under the names MLX gives them.
//
// What a name presents:
//   * an ordinary tensor: its view (zero-copy when stored usable in place);
//   * a gguf q4_0 / q4_1 / q8_0 tensor P.weight: three entries, P.weight (packed uint32),
//     P.scales and P.biases (float16), MLX's affine triplet (mlx_affine_views);
//   * any other quantized gguf tensor: its values dequantized to float16, as MLX does; a type
//     that cannot be dequantized (the codebook types iq1/iq2/iq3) is kept as its raw view and
//     marked unsupported, so that open() still lists it and raw() still reads it.
// Every entry remembers the stored tensor it comes from (raw(), info(), dequantize() use that).
//
// Immutable after construction except for the lazily built name index and the private mappings,
// both thread-safe: every member may be called from several Python threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "private_mapping.hpp"
#include "tensorio/archive.hpp"
#include "tensorio/tensor_view.hpp"

namespace tensorio_py {

struct Entry {
  std::string name;
  tensorio::TensorView view;  // what load() and get() present
  uint32_t source = 0;        // index of the stored tensor in archive().tensors()
  bool unsupported = false;   // quantized type without dequantization: `view` is the raw view
};

struct OpenSpec {
  std::string path;
  std::string format;           // "npy", "npz", "safetensors" or "gguf"
  bool verify_crc = false;      // npz: check stored members' CRC-32 on first access
  bool private_source = false;  // pin the file for copy-on-write addresses (PyTorch)
};

class OpenedFile {
 public:
  // Opens and validates the file (I/O: call without the GIL). Throws tensorio::Error, or OsError
  // for a file the OS refuses (see errors.hpp).
  explicit OpenedFile(const OpenSpec& spec);

  const tensorio::Archive& archive() const noexcept { return archive_; }
  const std::string& format() const noexcept { return format_; }
  const std::vector<Entry>& entries() const noexcept { return entries_; }
  // The entry named `name`: nullptr when absent (find), Error(not_found) naming the file and
  // the tensor (at).
  const Entry* find(std::string_view name) const;
  const Entry& at(std::string_view name) const;
  const tensorio::TensorView& source_of(const Entry& e) const {
    return archive_.tensors()[e.source];
  }

  // The bytes `view` presents, at an address PyTorch may write to without changing the file:
  // for bytes that lie in the file's mapping, the same bytes in a private copy-on-write mapping.
  // `bytes` is what the caller took from the view (its data() or stored_bytes()).
  std::byte* writable_address(const tensorio::TensorView& view, const std::byte* bytes);
  // True when `bytes` (taken from `view`) lie in the file rather than in a transform's buffer.
  static bool in_file(const tensorio::TensorView& view, const std::byte* bytes) {
    return bytes != nullptr && bytes == view.stored_bytes().data();
  }
  // The bytes of `view`, which lie in the file, in a private mapping of their own.
  std::unique_ptr<PrivateSources::Range> private_range(const tensorio::TensorView& view) {
    return sources_.map_range(view.file_path(), view.file_offset(), view.stored_bytes().size());
  }

 private:
  std::string format_;
  PrivateSources sources_;  // before archive_: the file is pinned before the archive opens it
  tensorio::Archive archive_;
  std::vector<Entry> entries_;
  mutable std::once_flag index_once_;
  mutable std::unordered_map<std::string_view, size_t> index_;
};

// The bytes of a presented view without reading them: the mapping for a zero-copy view (no
// populate, so load() reads nothing), data() for a view whose transform already ran.
std::span<const std::byte> presented_bytes(const tensorio::TensorView& view);

// Throws Error(unsupported_dtype) for an entry whose quantized type cannot be dequantized,
// saying how to reach its bytes.
void require_supported(const OpenedFile& file, const Entry& e);

}  // namespace tensorio_py
