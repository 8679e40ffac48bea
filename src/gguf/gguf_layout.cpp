// The data section: where it starts, and that every tensor lies inside the file, aligned and
// apart from the others. ggml checks none of the bounds when it only reads metadata (a truncated
// download parses fine); here a short file fails at open.
#include <algorithm>
#include <numeric>
#include <string>

#include "core/checked_math.hpp"
#include "gguf/gguf_parse.hpp"

namespace tensorio::detail {

void validate_gguf_layout(uint64_t infos_end, GgufFileState& state) {
  const uint64_t file_size = state.file->size();
  const uint64_t align = state.alignment;
  // infos_end <= file_size and align <= Limits::max_alignment, so this cannot overflow; it is
  // checked anyway because both came from the file.
  auto start = checked_align_up(infos_end, align);
  if (!start) {
    throw Error(ErrorCode::size_overflow, state.path, infos_end,
                "data section: expected its start to fit in 64 bits, found an overflow");
  }
  state.data_offset = *start;
  if (state.tensors.empty()) return;  // ggml too: a tensor-less file may end after its header
  if (*start > file_size) {
    throw Error(ErrorCode::truncated, state.path, file_size,
                "data section: expected it to start at offset " + std::to_string(*start) +
                    " (end of the tensor infos padded to " + std::to_string(align) +
                    "), found the file ending at " + std::to_string(file_size));
  }
  const uint64_t data_size = file_size - *start;
  uint64_t expected = 0;  // ggml's running sum of padded sizes
  for (const GgufTensorInfo& t : state.tensors) {
    auto who = [&t] { return "tensor '" + std::string(t.name) + "'"; };
    if (t.offset % align != 0) {
      throw Error(ErrorCode::bad_alignment, state.path, t.info_offset,
                  who() + ": expected an offset that is a multiple of " + std::to_string(align) +
                      ", found " + std::to_string(t.offset));
    }
    if (t.offset > data_size || (t.offset == data_size && t.nbytes > 0)) {
      throw Error(ErrorCode::out_of_bounds, state.path, t.info_offset,
                  who() + ": expected its data to start inside the " + std::to_string(data_size) +
                      "-byte data section, found offset " + std::to_string(t.offset));
    }
    if (!span_fits(t.offset, t.nbytes, data_size)) {
      throw Error(ErrorCode::truncated, state.path, file_size,
                  who() + ": expected " + std::to_string(t.nbytes) + " bytes at file offset " +
                      std::to_string(*start + t.offset) + ", found " +
                      std::to_string(data_size - t.offset) +
                      " before the end of the file (truncated download?)");
    }
    if (t.offset != expected) state.ggml_contiguous = false;
    // Overflow-checked when the info was parsed (padded size fits) and the tensor fits in the
    // file, so the running sum stays below file_size + align.
    expected = t.offset + *checked_align_up(t.nbytes, align);
  }
  // Overlaps: in offset order, each tensor must end before the next begins. Writers emit
  // tensors in offset order, so the sort is usually skipped.
  std::vector<size_t> order(state.tensors.size());
  std::iota(order.begin(), order.end(), size_t{0});
  auto by_offset = [&](size_t a, size_t b) {
    return state.tensors[a].offset < state.tensors[b].offset;
  };
  if (!std::is_sorted(order.begin(), order.end(), by_offset)) {
    std::sort(order.begin(), order.end(), by_offset);
  }
  const GgufTensorInfo* prev = nullptr;
  for (size_t i : order) {
    const GgufTensorInfo& t = state.tensors[i];
    if (t.nbytes == 0) continue;  // an empty tensor occupies no bytes
    if (prev != nullptr && prev->offset + prev->nbytes > t.offset) {
      throw Error(ErrorCode::overlap, state.path, t.info_offset,
                  "tensor '" + std::string(t.name) + "': expected its data (offset " +
                      std::to_string(t.offset) + ") not to overlap tensor '" +
                      std::string(prev->name) + "' (offset " + std::to_string(prev->offset) + ", " +
                      std::to_string(prev->nbytes) + " bytes)");
    }
    prev = &t;
  }
}

}  // namespace tensorio::detail
