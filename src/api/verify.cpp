// verify(): read every byte of every payload, collecting problems instead of stopping.
#include <algorithm>
#include <optional>
#include <thread>
#include <vector>

#include "core/archive_state.hpp"
#include "core/byte_sum.hpp"
#include "core/internals.hpp"
#include "io/parallel.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {

std::vector<VerifyProblem> verify(const Archive& archive) {
  auto tensors = archive.tensors();
  // One slot per tensor, so that problems come out in file order however the work was spread.
  std::vector<std::optional<VerifyProblem>> found(tensors.size());
  std::vector<uint64_t> sinks(std::max(1u, std::thread::hardware_concurrency()));
  // Every core: a compressed npz inflates member by member, and a mapped file pages in faster
  // with several reads in flight. Items are whole tensors (a transform runs once per tensor).
  detail::parallel_for(tensors.size(), static_cast<unsigned>(sinks.size()),
                       [&](size_t i, unsigned worker) {
                         try {
                           // Reading every byte pages the payload in (and runs each lazy
                           // transform, checking CRCs where the format has them).
                           sinks[worker] += detail::sum_words(tensors[i].data());
                         } catch (const Error& e) {
                           found[i] = VerifyProblem{tensors[i].name(), e.what(), e.code()};
                         }
                       });
  volatile uint64_t sink = 0;
  for (uint64_t s : sinks) sink = sink + s;
  std::vector<VerifyProblem> problems;
  for (auto& p : found) {
    if (p) problems.push_back(std::move(*p));
  }
  const auto& state = Internals::state(archive);
  if (state.extension) state.extension->verify(problems);
  return problems;
}

}  // namespace tensorio
