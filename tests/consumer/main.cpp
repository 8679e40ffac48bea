// A program outside the project that uses only the installed public API: proves the headers are
// self-contained and the library links, both via pkg-config and as a meson subproject.
#include <tensorio/tensorio.hpp>

#include <cstdio>
#include <filesystem>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::vector<float> values{1.0f, 2.0f, 3.0f};
  tensorio::TensorRef ref{"v", tensorio::DType::float32, {3}, std::as_bytes(std::span(values))};
  std::filesystem::path written = tensorio::save(argv[1], std::span(&ref, 1));
  tensorio::Archive a = tensorio::load(written);
  auto back = a.at(written.stem().string()).as<float>();
  if (back.size() != 3 || back[2] != 3.0f) return 1;
  std::printf("consumer ok: %s\n", written.c_str());
  return 0;
}
