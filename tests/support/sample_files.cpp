#include "support/sample_files.hpp"

#include <cstring>
#include <fstream>
#include <iterator>

#include "support/temp_dir.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio::testing {

namespace fs = std::filesystem;

namespace {

std::vector<std::byte> iota_bytes(size_t n, uint8_t start) {
  std::vector<std::byte> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>(start + i * 7);
  return out;
}

// The samples tensorio's own writer produces: two small tensors of different dtypes, plus
// string metadata where the format keeps it.
std::vector<TensorRef> writer_tensors(const std::vector<std::byte>& a,
                                      const std::vector<std::byte>& b) {
  TensorRef x{"weight", DType::float32, {2, 3}, std::span(a).first(24)};
  TensorRef y{"bias", DType::int16, {5}, std::span(b).first(10)};
  return {x, y};
}

std::vector<std::byte> saved_bytes(const std::string& extension,
                                   const std::vector<TensorRef>& tensors, bool compress = false) {
  TempDir dir;
  fs::path p = dir / ("sample" + extension);
  SaveOptions options;
  options.compress = compress;
  options.metadata = {{"origin", "tensorio tests"}};
  save(p, tensors, options);
  return read_file(p);
}

}  // namespace

std::vector<std::byte> make_npy(const std::string& descr, bool fortran_order,
                                const std::vector<uint64_t>& shape,
                                const std::vector<std::byte>& payload) {
  std::string dict = "{'descr': '" + descr +
                     "', 'fortran_order': " + (fortran_order ? "True" : "False") + ", 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) dict += (i ? ", " : "") + std::to_string(shape[i]);
  dict += shape.size() == 1 ? ",), }" : "), }";
  size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  out += dict;
  std::vector<std::byte> bytes(out.size());
  std::memcpy(bytes.data(), out.data(), out.size());
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  return bytes;
}

std::vector<SampleFile> sample_files() {
  std::vector<SampleFile> out;
  auto a = iota_bytes(64, 1);
  auto b = iota_bytes(64, 100);
  auto tensors = writer_tensors(a, b);

  out.push_back({"npy_le", ".npy", saved_bytes(".npy", {tensors[0]})});
  out.push_back({"npy_be", ".npy", make_npy(">f8", false, {2, 2}, iota_bytes(32, 3))});
  out.push_back({"npy_fortran", ".npy", make_npy("<i2", true, {3, 4}, iota_bytes(24, 5))});
  out.push_back(
      {"npy_be_fortran_complex", ".npy", make_npy(">c8", true, {2, 2}, iota_bytes(32, 9))});
  out.push_back({"npz_stored", ".npz", saved_bytes(".npz", tensors)});
  out.push_back({"npz_deflated", ".npz", saved_bytes(".npz", tensors, /*compress=*/true)});
  out.push_back({"safetensors", ".safetensors", saved_bytes(".safetensors", tensors)});
  {
    // gguf with a q8_0 tensor (one 32-element block: f16 scale + 32 int8) beside the others.
    std::vector<TensorRef> with_quantized = tensors;
    with_quantized.push_back({"q", DType::q8_0, {32}, std::span(b).first(34)});
    out.push_back({"gguf", ".gguf", saved_bytes(".gguf", with_quantized)});
  }
  return out;
}

std::vector<std::byte> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(chars.size());
  if (!chars.empty()) std::memcpy(out.data(), chars.data(), chars.size());
  return out;
}

void write_file(const fs::path& path, const std::vector<std::byte>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace tensorio::testing
