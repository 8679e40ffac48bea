// Fuzz target: the zip structures of an .npz (end of central directory, zip64 records, central
// directory entries, local headers, data descriptors) and the npy headers of its members, then
// the lazy paths: inflation, CRC checks, byte swap and transpose of members.
#include "fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return tensorio::fuzz::fuzz_one_file(data, size, ".npz");
}
