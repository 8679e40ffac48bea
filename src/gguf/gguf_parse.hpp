// The GGUF decoding steps open_gguf() runs in order, one file each: header, key/values, tensor
// infos, data-section layout. Each reads through a ByteCursor over the whole mapping, validates
// everything it reads and throws tensorio::Error naming the byte offset of the problem.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/byte_cursor.hpp"
#include "gguf/gguf_state.hpp"
#include "tensorio/options.hpp"

namespace tensorio::detail {

inline constexpr uint64_t kGgufDefaultAlignment = 32;
inline constexpr uint32_t kGgufValueTypeCount = 13;

struct GgufHeader {
  uint32_t version = 0;
  uint64_t tensor_count = 0;
  uint64_t kv_count = 0;
};

// Magic, version (2 or 3; 1 and big-endian refused by name), counts checked against the bytes
// left and the limits. Leaves the cursor at the first key/value.
GgufHeader parse_gguf_header(ByteCursor& cursor, const Limits& limits);

// The key/value section: fills state.values / key_index / array_indexes and sets
// state.alignment from general.alignment. `header_end_limit` is the cursor position the section
// may not pass (Limits::max_header_bytes).
void parse_gguf_metadata(ByteCursor& cursor, uint64_t kv_count, const Limits& limits,
                         uint64_t header_end_limit, GgufFileState& state);

// The tensor-info section: fills state.tensors (offsets still relative, not yet bounds-checked).
void parse_gguf_tensor_infos(ByteCursor& cursor, uint64_t tensor_count, const Limits& limits,
                             uint64_t header_end_limit, GgufFileState& state);

// Data section: start (aligned end of the infos, inside the file when there are tensors), every
// tensor aligned, inside the file and not overlapping another. Sets state.data_offset and
// state.ggml_contiguous.
void validate_gguf_layout(uint64_t infos_end, GgufFileState& state);

// The name ggml gave a removed type enum value (4 -> "Q4_2", 31 -> "Q4_0_4_4"), or "" when the
// value was never assigned.
std::string_view ggml_removed_type_name(uint64_t ggml_type) noexcept;

}  // namespace tensorio::detail
