// verify(): read every byte of every payload, collecting problems instead of stopping.
#include "core/archive_state.hpp"
#include "core/byte_sum.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {

std::vector<VerifyProblem> verify(const Archive& archive) {
  std::vector<VerifyProblem> problems;
  volatile uint64_t sink = 0;
  for (const TensorView& v : archive.tensors()) {
    try {
      // Reading every byte pages the payload in (and runs each lazy transform).
      sink = sink + detail::sum_words(v.data());
    } catch (const Error& e) {
      problems.push_back({v.name(), e.what()});
    }
  }
  if (archive.state().extension) archive.state().extension->verify(problems);
  return problems;
}

}  // namespace tensorio
