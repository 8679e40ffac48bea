// python/src/materialize.cpp — see materialize.hpp.
#include "materialize.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <system_error>
#include <thread>
#include <vector>

namespace tensorio_py {

void materialize(std::span<const tensorio::TensorView* const> views) {
  if (views.empty()) return;
  std::vector<std::exception_ptr> errors(views.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < views.size();) {
      try {
        (void)views[i]->data();
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t helpers = std::min(views.size(), cores) - 1;
  std::vector<std::thread> threads;
  threads.reserve(helpers);
  try {
    for (size_t t = 0; t < helpers; ++t) threads.emplace_back(work);
  } catch (const std::system_error&) {
    // Fewer helpers than asked (thread limit reached): the threads started and this one share
    // the work all the same.
  }
  work();
  for (std::thread& t : threads) t.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace tensorio_py
