// Data descriptors: the CRC and sizes that a streaming writer (general-purpose bit 3) puts
// after a member's data because it could not know them when it wrote the local header.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "zip/central_directory.hpp"

namespace tensorio::zip {

// Reads the descriptor at `offset` (right after the member's data) and checks it against the
// central header. Four forms exist: with or without the PK\7\8 signature, with 4-byte sizes or
// (zip64, and CPython whenever a member was opened with zip64) 8-byte sizes; the form that
// matches the central CRC and sizes is taken. Returns the offset just past the descriptor.
// Throws Error(truncated / bad_header) naming the member when none matches.
uint64_t read_data_descriptor(std::span<const std::byte> file, uint64_t offset,
                              const CentralEntry& entry, const std::string& path);

}  // namespace tensorio::zip
