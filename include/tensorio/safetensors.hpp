// tensorio/safetensors.hpp — Hugging Face .safetensors files and sharded checkpoints.
//
// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the data
// buffer; each tensor's data_offsets [begin, end) are relative to the data buffer.
//
// Reading validates as strictly as the reference implementation (safetensors 0.8,
// `SafeTensors::read_metadata` + `Metadata::validate`), in its order, and reports each failure
// with its own ErrorCode and the tensor's name (where it differs on purpose: duplicate keys,
// entries as JSON arrays, dtypes as {"U8": null}, more than Limits::max_dims dimensions, see
// the README's table):
//
//   1. file shorter than 8 bytes                         file_too_small
//   2. N > Limits::max_header_bytes (100,000,000)        header_too_large
//   3. 8 + N past the end of the file                    out_of_bounds
//      (1-3: an HTML page or a git-lfs pointer saved under a .safetensors name is reported as
//       bad_magic, saying so)
//   4. header not UTF-8                                   bad_utf8
//   5. not JSON (serde_json's dialect: RFC 8259 exactly, JSON whitespace around the object,
//      nothing else; nesting deeper than 127 is limit_exceeded)  bad_json
//      root, a tensor entry or a field of the wrong JSON type, a missing field   bad_header
//      __metadata__ not null or a string->string map     bad_metadata
//      a key twice anywhere (the reference keeps the last; we refuse)           duplicate_name
//      dtype not one of the 22 names                      unknown_dtype
//      data_offsets not two non-negative integers        bad_offsets
//      shape entries not non-negative integers           bad_shape
//   6. for each tensor in (begin, end) order:
//      end < begin                                        bad_offsets
//      begin before the previous end                      overlap
//      begin after the previous end (or first not at 0)   offset_gap
//      element count x bits overflows 64 bits             size_overflow
//      bits not a multiple of 8 (F4, F6_*)                partial_byte
//      end - begin != bytes of the shape                  size_mismatch
//   7. last end < data buffer size                        trailing_bytes
//      last end > data buffer size                        truncated
//
// Accepted, as by the reference: an unpadded header, unaligned tensors (TensorView::aligned()
// says so), whitespace before the JSON object, zero-size tensors, 0-d tensors, any rank up to
// Limits::max_dims, unknown extra fields inside a tensor entry, "__metadata__": null or {}.
// Tensors are presented in data order; views are zero-copy into the read-only mapping.
//
// Writing produces the reference writer's bytes for the same inputs: tensors ordered by dtype
// (descending in the reference's dtype order, which puts wider alignments first) then by name
// (bytewise), laid out back to back, compact JSON with "__metadata__" first (in the caller's
// order), the header padded with spaces to a multiple of 8 so every tensor is naturally aligned.
// Zero tensors with no metadata give the reference's 16-byte file. Data streams through the
// atomic writer: the header is computed from shapes alone, so memory stays bounded by the
// writer's buffer whatever the tensors' sizes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tensorio/archive.hpp"
#include "tensorio/dtype.hpp"
#include "tensorio/export.h"
#include "tensorio/options.hpp"
#include "tensorio/tensor_ref.hpp"

namespace tensorio {

using StringPairs = std::vector<std::pair<std::string, std::string>>;

struct TENSORIO_API SafetensorsEntry {
  std::string name;
  DType dtype = DType::float32;
  std::vector<uint64_t> shape;
  uint64_t begin = 0;  // data_offsets, relative to the data buffer
  uint64_t end = 0;
};

struct TENSORIO_API SafetensorsHeader {
  uint64_t header_bytes = 0;              // N
  uint64_t data_offset = 0;               // 8 + N: absolute offset of the data buffer
  std::vector<SafetensorsEntry> tensors;  // in data order (sorted by begin, end)
  StringPairs metadata;                   // __metadata__ in header order; empty when null or absent
};

// Parses and fully validates a whole .safetensors file image (rules 1-7 above). `name` is used
// in error messages. Reads only the first 8 + N bytes; never touches tensor data.
[[nodiscard]] TENSORIO_API SafetensorsHeader parse_safetensors_header(
    std::span<const std::byte> file, const std::string& name, const Limits& limits = {});

// Opens a .safetensors file: mapped read-only, header validated, zero-copy views.
[[nodiscard]] TENSORIO_API Archive open_safetensors(const std::filesystem::path& path,
                                                    const OpenOptions& options = {});

// Opens a sharded checkpoint through its `*.safetensors.index.json` ({"metadata": {...},
// "weight_map": {tensor: shard file}}) as one archive: every referenced shard is mapped and
// validated; every weight_map name must exist in its shard (not_found), no tensor may be in two
// shards (duplicate_name), shard names must stay inside the index's directory (invalid
// shard names are bad_header). Tensors come shard by shard (shards in name order), in data
// order within a shard. string_metadata() is the first shard's __metadata__. Archive::notes()
// reports .safetensors files in the directory the index does not reference, tensors in a shard
// that the weight_map does not list, and extra top-level keys in the index.
[[nodiscard]] TENSORIO_API Archive open_safetensors_index(const std::filesystem::path& index_path,
                                                          const OpenOptions& options = {});

// The complete header block the writer emits for these tensors: the 8-byte length followed by
// the padded JSON. Also returns (through `order`, when given) the tensors' indices in the order
// their data follows the header. Throws Error(invalid_argument) for a non-UTF-8 name,
// a name given twice, a metadata key given twice, or data that does not match its shape;
// Error(unrepresentable) for a dtype safetensors cannot name or a shape whose dimensions,
// multiplied left to right as the reference reader does, overflow; Error(header_too_large) past
// Limits{}.max_header_bytes (the reference writer's cap, which its reader applies too).
[[nodiscard]] TENSORIO_API std::string serialize_safetensors_header(
    std::span<const TensorRef> tensors, const StringPairs& metadata,
    std::vector<size_t>* order = nullptr);

// Saves `tensors` as one .safetensors file, atomically (see the file comment for the layout).
TENSORIO_API void save_safetensors(const std::filesystem::path& path,
                                   std::span<const TensorRef> tensors,
                                   const StringPairs& metadata = {},
                                   const SaveOptions& options = {});

// Saves a sharded checkpoint: `index_path` must end in ".safetensors.index.json"; shards are
// written beside it as PREFIX-00001-of-0000N.safetensors, where PREFIX is the index name before
// ".safetensors.index.json". Tensors are packed in the given order exactly as huggingface_hub
// does: a shard is closed when the next tensor would take it past options.max_shard_size, and a
// tensor larger than the limit becomes a shard of its own at once (numbered before the shard
// still being filled). Each shard carries options.metadata as its
// __metadata__. The index ({"metadata": {"total_size": sum of tensor bytes}, "weight_map":
// sorted}) is written last, in Python's json.dumps(indent=2, sort_keys=True) form, so a crash
// never leaves an index naming missing shards. Returns the shard paths written.
TENSORIO_API std::vector<std::filesystem::path> save_safetensors_sharded(
    const std::filesystem::path& index_path, std::span<const TensorRef> tensors,
    const SaveOptions& options = {});

}  // namespace tensorio
