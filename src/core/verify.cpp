// verify(): read every byte of every payload, collecting problems instead of stopping.
#include <cstring>

#include "core/archive_state.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {

namespace {

// Touches every byte so that each page is read from storage (and each lazy transform runs).
// Summing 8-byte words is as cheap as any read; the result is kept observable so the compiler
// cannot drop the loop.
uint64_t touch(std::span<const std::byte> bytes) {
  uint64_t acc = 0;
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    acc += w;
  }
  for (; i < bytes.size(); ++i) acc += static_cast<uint64_t>(bytes[i]);
  return acc;
}

}  // namespace

std::vector<VerifyProblem> verify(const Archive& archive) {
  std::vector<VerifyProblem> problems;
  volatile uint64_t sink = 0;
  for (const TensorView& v : archive.tensors()) {
    try {
      sink = sink + touch(v.data());
    } catch (const Error& e) {
      problems.push_back({v.name(), e.what()});
    }
  }
  if (archive.state().extension) archive.state().extension->verify(problems);
  return problems;
}

}  // namespace tensorio
