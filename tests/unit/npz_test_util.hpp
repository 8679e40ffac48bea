// Helpers shared by the npz/zip unit tests: temp paths, whole-file bytes, little tensors.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "tensorio/tensorio.hpp"

namespace npz_test {

// The tests' files share one directory, removed when the program exits.
inline std::filesystem::path temp_path(const std::string& name) {
  static const tensorio::testing::TempDir dir;
  return dir / name;
}

inline std::vector<std::byte> read_all(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::vector<char> c((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(c.size());
  if (!c.empty()) std::memcpy(out.data(), c.data(), c.size());
  return out;
}

inline void write_all(const std::filesystem::path& p, const std::vector<std::byte>& bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A float32 tensor of `n` values i * scale, kept alive by the caller's `storage`.
inline tensorio::TensorRef f32(const std::string& name, std::vector<float>& storage, size_t n,
                               float scale = 1.0f) {
  storage.resize(n);
  for (size_t i = 0; i < n; ++i) storage[i] = static_cast<float>(i) * scale;
  tensorio::TensorRef r;
  r.name = name;
  r.dtype = tensorio::DType::float32;
  r.shape = {n};
  r.data = std::as_bytes(std::span(storage));
  return r;
}

inline uint32_t u32_at(const std::vector<std::byte>& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}

// Offset of the last occurrence of a 4-byte signature, or SIZE_MAX.
inline size_t rfind_sig(const std::vector<std::byte>& b, uint32_t sig) {
  for (size_t i = b.size() >= 4 ? b.size() - 4 + 1 : 0; i-- > 0;) {
    if (u32_at(b, i) == sig) return i;
  }
  return SIZE_MAX;
}

}  // namespace npz_test
