// What `tensorio bench` measures: a checkpoint given as one file (any format, a sharded
// safetensors index included) or as a directory of .npy files (the NumPy way to keep a
// checkpoint), opened as one archive, and saved back the way it came.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tensorio/tensorio.hpp"

namespace tensorio::cli::bench {

// Opens `arg`: a file through load(), or a directory whose *.npy files (sorted by name) become
// the tensors of one archive (format npy). Throws tensorio::Error.
Archive open_target(const std::string& arg, const OpenOptions& options = {});

// Every file the archive reads (shards, .npy files, an index), for cache dropping and read().
std::vector<std::string> target_files(const std::string& arg, const Archive& archive);

// Saves the archive's tensors into `dir` in the same form: same format and extension, shards
// no larger than the original's largest, an npz compressed when the original's members were,
// a directory target as one .npy per tensor. Returns the size of each file written.
std::vector<uint64_t> save_like(const std::string& arg, const Archive& archive,
                                const std::filesystem::path& dir);

// Bytes the archive presents through its views (what touch and read_into move).
uint64_t payload_bytes(const Archive& archive);

}  // namespace tensorio::cli::bench
