// Fuzz target: the .npy preamble and header dict (and the payload checks and transforms that
// follow from it: byte swap, Fortran-order transpose). Also feeds the same bytes straight to
// parse_npy_header(), the entry point the npz reader uses for its members.
#include "fuzz/fuzz_common.hpp"
#include "tensorio/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    tensorio::testing::GuardedInput input(data, size);
    try {
      tensorio::NpyHeader h = tensorio::parse_npy_header(input.bytes(), "fuzz");
      if (h.data_offset > size) tensorio::fuzz::violation("npy data_offset past the input");
    } catch (const tensorio::Error&) {
    }
  }
  return tensorio::fuzz::fuzz_one_file(data, size, ".npy");
}
