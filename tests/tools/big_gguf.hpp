// A synthetic llama-shaped GGUF for benchmarks and cross-checks: a tokenizer vocabulary (tokens,
// scores, token types), BPE merges, a handful of scalar keys and many small tensors. The header
// is what makes real files expensive to open (a 150k-token vocabulary is several MB of
// length-prefixed strings); the tensors are kept small so the file is cheap to write.
#pragma once

#include <cstdint>
#include <filesystem>

namespace tensorio::testing {

struct BigGgufShape {
  uint64_t tokens = 150'000;
  uint64_t merges = 50'000;
  uint64_t tensors = 300;
};

// Writes the file (atomically, through save_gguf) and returns its size in bytes.
uint64_t write_big_gguf(const std::filesystem::path& path, const BigGgufShape& shape = {});

}  // namespace tensorio::testing
