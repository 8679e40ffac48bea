// From a validated safetensors header to zero-copy TensorRecords — shared by single files and
// by the shards of an index.
#pragma once

#include <memory>
#include <vector>

#include "core/mapped_file.hpp"
#include "core/tensor_record.hpp"
#include "tensorio/safetensors.hpp"

namespace tensorio::detail {

// Maps `file` and parses its header (rules 1-7), then builds one record per tensor in data
// order, each a span of the mapping: stored bytes are the payload (little-endian, C order).
// The names and shapes of header.tensors are moved into the records.
struct SafetensorsFile {
  std::shared_ptr<const MappedFile> file;
  SafetensorsHeader header;
  std::vector<std::shared_ptr<TensorRecord>> records;
};

SafetensorsFile read_safetensors_file(const std::string& path, const OpenOptions& options);

}  // namespace tensorio::detail
