// Fuzz target: the safetensors header (length prefix, JSON, dtype/shape/data_offsets of every
// tensor, __metadata__) and the payload layout checks that follow from it.
#include "fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return tensorio::fuzz::fuzz_one_file(data, size, ".safetensors");
}
