#include "safetensors/offset_validation.hpp"

#include <algorithm>

#include "core/checked_math.hpp"
#include "tensorio/error.hpp"

namespace tensorio::detail {

namespace {

// Bits per element of a safetensors dtype (4 for F4, 6 for F6_*): the reference counts sizes in
// bits so that sub-byte types are exact.
uint64_t element_bits(DType dtype) {
  const DTypeInfo& info = dtype_info(dtype);
  return uint64_t{info.block_bytes} * 8 / info.block_elements;
}

}  // namespace

std::optional<uint64_t> safetensors_element_count(std::span<const uint64_t> shape) noexcept {
  uint64_t n = 1;
  for (uint64_t d : shape) {
    auto next = checked_mul(n, d);
    if (!next) return std::nullopt;
    n = *next;
  }
  return n;
}

void validate_safetensors_offsets(SafetensorsHeader& header, uint64_t file_size,
                                  const std::string& file) {
  auto& tensors = header.tensors;
  auto by_offsets = [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  };
  // Headers written in data order (the reference writer's, ours) need no sort; checking first
  // saves the merge sort's buffer and moves.
  if (!std::is_sorted(tensors.begin(), tensors.end(), by_offsets)) {
    std::stable_sort(tensors.begin(), tensors.end(), by_offsets);
  }
  // Absolute position of a data offset for messages; the header start when it would overflow.
  auto at = [&](uint64_t rel) { return checked_add(header.data_offset, rel).value_or(8); };
  uint64_t running_end = 0;
  for (const SafetensorsEntry& t : tensors) {
    // Message pieces are built only on failure: this loop runs once per tensor at every open.
    auto quoted = [&] { return "tensor '" + t.name + "'"; };
    auto offsets = [&] {
      return "[" + std::to_string(t.begin) + ", " + std::to_string(t.end) + "]";
    };
    if (t.end < t.begin) {
      throw Error(
          ErrorCode::bad_offsets, file, at(t.begin),
          quoted() + ": expected data_offsets [begin, end] with begin <= end, found " + offsets());
    }
    if (t.begin < running_end) {
      throw Error(ErrorCode::overlap, file, at(t.begin),
                  quoted() + ": expected data to start at " + std::to_string(running_end) +
                      " (where the previous tensor ends), found " + offsets() +
                      ", which overlaps it");
    }
    if (t.begin > running_end) {
      throw Error(ErrorCode::offset_gap, file, at(running_end),
                  quoted() + ": expected data to start at " + std::to_string(running_end) +
                      (running_end == 0 ? " (the start of the data buffer)"
                                        : " (where the previous tensor ends)") +
                      ", found " + offsets() + ", leaving a hole");
    }
    auto count = safetensors_element_count(t.shape);
    auto bits = count ? checked_mul(*count, element_bits(t.dtype)) : std::nullopt;
    if (!bits) {
      throw Error(ErrorCode::size_overflow, file, at(t.begin),
                  quoted() +
                      ": expected a shape whose size in bits fits in 64 bits, found one "
                      "that overflows");
    }
    if (*bits % 8 != 0) {
      throw Error(ErrorCode::partial_byte, file, at(t.begin),
                  quoted() + ": expected a whole number of bytes, found " + std::to_string(*count) +
                      " " + std::string(dtype_name(t.dtype)) +
                      " elements = " + std::to_string(*bits) + " bits");
    }
    if (t.end - t.begin != *bits / 8) {
      throw Error(ErrorCode::size_mismatch, file, at(t.begin),
                  quoted() + ": expected data_offsets spanning " + std::to_string(*bits / 8) +
                      " bytes for its shape and dtype, found " + offsets() + " (" +
                      std::to_string(t.end - t.begin) + " bytes)");
    }
    running_end = t.end;
  }
  // The length check of parse_safetensors_header guarantees data_offset <= file_size.
  uint64_t buffer = file_size - header.data_offset;
  if (running_end < buffer) {
    throw Error(ErrorCode::trailing_bytes, file, at(running_end),
                "safetensors data: expected the tensors to cover the " + std::to_string(buffer) +
                    "-byte data buffer, found " + std::to_string(buffer - running_end) +
                    " bytes after the last tensor");
  }
  if (running_end > buffer) {
    throw Error(ErrorCode::truncated, file, file_size,
                "safetensors data: expected " + std::to_string(running_end) +
                    " bytes of tensor data, found " + std::to_string(buffer) +
                    " (the file is truncated)");
  }
}

}  // namespace tensorio::detail
