// make_big_gguf — writes the synthetic llama-shaped GGUF used by the open benchmarks.
//
//   make_big_gguf OUT.gguf [--tokens N] [--merges N] [--tensors N]
//
// Defaults: 150,000 tokens, 50,000 merges, 300 tensors (the benchmark file). Shared
// with the ggml comparison so both sides open the same bytes.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "tests/tools/big_gguf.hpp"

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: make_big_gguf OUT.gguf [--tokens N] [--merges N] [--tensors N]\n");
    return 2;
  }
  tensorio::testing::BigGgufShape shape;
  for (int i = 2; i + 1 < argc; i += 2) {
    char* end = nullptr;
    unsigned long long n = std::strtoull(argv[i + 1], &end, 10);
    if (end == argv[i + 1] || *end != '\0') {
      std::fprintf(stderr, "make_big_gguf: %s expects a number\n", argv[i]);
      return 2;
    }
    if (std::strcmp(argv[i], "--tokens") == 0) {
      shape.tokens = n;
    } else if (std::strcmp(argv[i], "--merges") == 0) {
      shape.merges = n;
    } else if (std::strcmp(argv[i], "--tensors") == 0) {
      shape.tensors = n;
    } else {
      std::fprintf(stderr, "make_big_gguf: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  try {
    uint64_t size = tensorio::testing::write_big_gguf(argv[1], shape);
    std::printf("wrote %s (%llu bytes)\n", argv[1], static_cast<unsigned long long>(size));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_big_gguf: %s\n", e.what());
    return 1;
  }
  return 0;
}
