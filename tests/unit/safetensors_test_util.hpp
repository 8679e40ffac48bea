// Helpers shared by the safetensors tests: whole files, raw file images, the golden data
// pattern (the same function as tests/tools/make_safetensors_golden.py).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "tensorio/error.hpp"

namespace tensorio::testing {

namespace fs = std::filesystem;

// Source-tree directory of the tests (set by tests/meson.build).
inline fs::path tests_dir() {
  const char* d = std::getenv("TENSORIO_TESTS_DIR");
  return d ? fs::path(d) : fs::path("tests");
}

inline std::vector<std::byte> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(chars.size());
  if (!chars.empty()) std::memcpy(out.data(), chars.data(), chars.size());
  return out;
}

inline void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// 8-byte little-endian length + header + data, as the format lays them out.
inline std::string st_image(const std::string& header, const std::string& data = "") {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
  return out + header + data;
}

inline std::vector<std::byte> pattern(size_t i, size_t n) {
  std::vector<std::byte> out(n);
  for (size_t k = 0; k < n; ++k) out[k] = static_cast<std::byte>(((i + 1) * 31 + k * 7) & 0xFF);
  return out;
}

// The ErrorCode whose error_code_name() is `name`; count_ when none is.
inline ErrorCode code_named(std::string_view name) {
  for (uint16_t c = 1; c < static_cast<uint16_t>(ErrorCode::count_); ++c) {
    if (error_code_name(static_cast<ErrorCode>(c)) == name) return static_cast<ErrorCode>(c);
  }
  return ErrorCode::count_;
}

// Runs `f` and returns the code of the tensorio::Error it throws (count_ when none).
template <typename F>
ErrorCode error_code_of(F&& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  return ErrorCode::count_;
}

}  // namespace tensorio::testing
