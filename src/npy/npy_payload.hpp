// From an npy header and its stored payload to a TensorRecord — shared by .npy and by the
// members of .npz archives.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "core/mapped_file.hpp"
#include "core/tensor_record.hpp"
#include "tensorio/npy.hpp"

namespace tensorio::detail {

// True when the stored payload must be transformed (byte swap and/or transpose) before it can
// be presented in native byte order and C order.
bool npy_needs_transform(const NpyHeader& header) noexcept;

// Writes the native-order, C-order form of `stored` (exactly header.payload_bytes) into `out`
// (same size). `stored` and `out` must not overlap.
void npy_to_native_c_order(const NpyHeader& header, std::span<const std::byte> stored,
                           std::span<std::byte> out) noexcept;

// A record for a payload `stored` inside `file` at absolute `file_offset`; attaches the lazy
// transform when one is needed. `stored.size()` must equal header.payload_bytes.
std::shared_ptr<TensorRecord> make_npy_record(std::string name, const NpyHeader& header,
                                              std::shared_ptr<const MappedFile> file,
                                              std::span<const std::byte> stored,
                                              uint64_t file_offset);

}  // namespace tensorio::detail
