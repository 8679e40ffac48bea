// Fuzz target: the gguf header, every metadata key/value (13 value types, nested arrays), the
// tensor infos and the data-section layout; dequantization of quantized tensors is reached
// through the round trip of views in exercise_archive (data()) and by dequantizing each view.
#include "fuzz/fuzz_common.hpp"
#include "tensorio/dequantize.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tensorio::fuzz::fuzz_one_file(data, size, ".gguf");
  // Dequantize every quantized tensor of a file that opens (the lazy path gguf adds).
  tensorio::testing::GuardedInput input(data, size);
  tensorio::detail::MemoryFile file("/tensorio-fuzz/deq.gguf", input.bytes());
  try {
    tensorio::Archive a = tensorio::load(file.path());
    for (const auto& v : a.tensors()) {
      if (!tensorio::can_dequantize(v.dtype())) continue;
      auto d = tensorio::dequantized(v, tensorio::DType::float32).data();
      if (d.size() != v.num_elements() * 4) tensorio::fuzz::violation("dequantized size");
    }
  } catch (const tensorio::Error&) {
  }
  return 0;
}
