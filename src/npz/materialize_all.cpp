// materialize_all(): data() of every tensor, spread over worker threads. Each view's lazy
// transform is already once-only and thread-safe, so workers just claim indices.
#include <atomic>
#include <exception>
#include <thread>
#include <vector>

#include "tensorio/npz.hpp"

namespace tensorio {

void materialize_all(const Archive& archive, unsigned threads) {
  auto views = archive.tensors();
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, views.size()));
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::atomic_flag error_taken = ATOMIC_FLAG_INIT;
  auto work = [&] {
    for (size_t i; !failed.load(std::memory_order_relaxed) &&
                   (i = next.fetch_add(1, std::memory_order_relaxed)) < views.size();) {
      try {
        (void)views[i].data();
      } catch (...) {
        if (!error_taken.test_and_set()) first_error = std::current_exception();
        failed.store(true, std::memory_order_relaxed);
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();  // the calling thread is one of the workers
  for (std::thread& t : pool) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace tensorio
