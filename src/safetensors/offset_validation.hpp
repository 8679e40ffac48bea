// Rules 6-7 of include/tensorio/safetensors.hpp: the reference's Metadata::validate plus its
// final buffer-size check. After this, every tensor lies inside the file, tensors are disjoint
// and the data buffer is covered exactly, so a file can never make a reader materialize more
// bytes than it has.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "tensorio/safetensors.hpp"

namespace tensorio::detail {

// The element count as the reference computes it: the dimensions multiplied left to right, an
// overflow failing even when a later dimension is zero ([2^62, 4, 0] fails, [0, 2^62, 4] is 0).
std::optional<uint64_t> safetensors_element_count(std::span<const uint64_t> shape) noexcept;

// Sorts header.tensors by (begin, end), stably, and validates them in that order against a file
// of `file_size` bytes. Throws the rule's ErrorCode naming the tensor.
void validate_safetensors_offsets(SafetensorsHeader& header, uint64_t file_size,
                                  const std::string& file);

}  // namespace tensorio::detail
