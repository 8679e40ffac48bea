#include "core/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <vector>

namespace tensorio::detail {

void parallel_for(size_t count, unsigned threads,
                  const std::function<void(size_t item, unsigned worker)>& work) {
  if (count == 0) return;
  unsigned workers = static_cast<unsigned>(std::min<size_t>(std::max(threads, 1u), count));
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto loop = [&](unsigned worker) {
    while (!failed.load(std::memory_order_relaxed)) {
      size_t item = next.fetch_add(1, std::memory_order_relaxed);
      if (item >= count) return;
      try {
        work(item, worker);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed.store(true, std::memory_order_relaxed);
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  try {
    for (unsigned w = 1; w < workers; ++w) pool.emplace_back(loop, w);
  } catch (...) {
    // Could not start a thread (resource limits): the ones running plus the caller finish.
  }
  loop(0);
  for (std::thread& t : pool) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

unsigned default_io_threads(unsigned requested) noexcept {
  if (requested != 0) return requested;
  return std::max(4u, std::thread::hardware_concurrency());
}

void ProgressTracker::add(uint64_t bytes) {
  if (!fn_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  done_ += bytes;
  if (done_ >= total_) finished_ = true;
  fn_(std::min(done_, total_), total_);
}

void ProgressTracker::finish() {
  if (!fn_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (finished_) return;
  finished_ = true;
  fn_(total_, total_);
}

}  // namespace tensorio::detail
