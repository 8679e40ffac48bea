// tensorio/tensorio.hpp — load and save tensors in .npy, .npz, .safetensors and .gguf.
//
// This umbrella header is the library's front door:
//
//   tensorio::Archive a = tensorio::load("model.safetensors");   // headers validated, mmapped
//   std::span<const std::byte> w = a.at("lm_head.weight").data(); // paged in on first access
//   tensorio::save("out.npz", refs);                               // atomic: temp file + rename
//
// Failure behaviour: every function throws tensorio::Error (never anything else from file
// contents; std::bad_alloc is possible only for allocations bounded by real header sizes). On a
// failed save the target file is untouched and the temp file is removed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tensorio/archive.hpp"
#include "tensorio/dtype.hpp"
#include "tensorio/error.hpp"
#include "tensorio/export.h"
#include "tensorio/options.hpp"
#include "tensorio/read.hpp"
#include "tensorio/tensor_ref.hpp"
#include "tensorio/tensor_view.hpp"

namespace tensorio {

// Format from a path's extension (.npy .npz .safetensors .gguf, and *.safetensors.index.json);
// throws Error(unknown_format) for anything else.
[[nodiscard]] TENSORIO_API Format format_from_path(const std::filesystem::path& path);

// Opens any supported file, choosing the format from the extension (as MLX does) and checking
// the magic bytes; a mismatch is Error(bad_magic) naming both.
[[nodiscard]] TENSORIO_API Archive load(const std::filesystem::path& path,
                                        const OpenOptions& options = {});

// Opens `bytes`, a whole file already in memory (a network buffer, a file received over a
// socket), as `format`, with the same validation as load(). The bytes are not copied: they must
// stay valid and unchanged while the Archive or any view taken from it is alive. Error messages
// and Archive::path() name the buffer with a synthetic "memory:..." path (an .npy image's one
// tensor, named after its file elsewhere, is named after that path). A sharded safetensors
// checkpoint cannot be opened from memory (its shards are separate files).
[[nodiscard]] TENSORIO_API Archive load_from_memory(std::span<const std::byte> bytes, Format format,
                                                    const OpenOptions& options = {});

// As above, sharing ownership of the bytes instead of borrowing them: `owner` is any object
// that keeps `bytes` valid and unchanged (a shared_ptr to the vector or buffer that holds them);
// the archive and every view taken from it hold it, so the bytes live as long as they do.
[[nodiscard]] TENSORIO_API Archive load_from_memory(std::shared_ptr<const void> owner,
                                                    std::span<const std::byte> bytes, Format format,
                                                    const OpenOptions& options = {});

// The path save() writes for `path`: `path` itself, or `path` + ".npy" when it has no
// extension (MLX behaviour).
[[nodiscard]] TENSORIO_API std::filesystem::path save_target_path(
    const std::filesystem::path& path);

// Saves `tensors` in the format of `path`'s extension. A path without an extension gets ".npy"
// (MLX behaviour: save("a", x) writes a.npy). Returns the path written. Throws
// Error(unrepresentable) when the format cannot hold the tensors (several tensors into .npy,
// a quantized dtype into .npy).
// The tensors' bytes are borrowed for the call and only read. An uncompressed save of 16 MiB or
// more runs one helper thread beside the caller's (on machines with two or more cores and
// MADV_POPULATE_READ) that maps the source pages ahead of each write() and computes stored npz
// members' CRC-32s; it is joined before save() returns or throws.
TENSORIO_API std::filesystem::path save(const std::filesystem::path& path,
                                        std::span<const TensorRef> tensors,
                                        const SaveOptions& options = {});

// One problem found by verify(): the tensor (or member) it concerns, empty for the whole file;
// the Error's what() and its code.
struct TENSORIO_API VerifyProblem {
  std::string tensor;
  std::string message;
  ErrorCode code = ErrorCode::io_error;
};

// Reads every payload of `archive` in full (inflating, byte-swapping, checking CRCs where the
// format has them) and returns every problem found; an empty result means the file is sound.
[[nodiscard]] TENSORIO_API std::vector<VerifyProblem> verify(const Archive& archive);

}  // namespace tensorio
