#include "io/parallel.hpp"

#include "io/executor.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
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
  if (workers == 1) {
    loop(0);
  } else if (!Executor::instance().try_fork_join(workers - 1, loop)) {
    // The pool is busy (another open, or parallel_for called from inside an item) or too
    // small: threads of this call's own.
    Executor::instance().run_dedicated(workers - 1, loop);
  }
  if (first_error) std::rethrow_exception(first_error);
}

void parallel_for_in_order(size_t count, unsigned threads, size_t batch,
                           const std::function<void(size_t item, unsigned worker)>& work) {
  if (count == 0) return;
  batch = std::max<size_t>(batch, 1);
  size_t batches = (count - 1) / batch + 1;
  std::atomic<size_t> lowest_failed{SIZE_MAX};
  std::vector<std::exception_ptr> errors(batches);  // one per batch: its first failure
  parallel_for(batches, threads, [&](size_t b, unsigned worker) {
    size_t end = std::min(count, (b + 1) * batch);
    for (size_t i = b * batch; i < end; ++i) {
      if (i > lowest_failed.load(std::memory_order_relaxed)) return;
      try {
        work(i, worker);
      } catch (...) {
        errors[b] = std::current_exception();
        size_t seen = lowest_failed.load(std::memory_order_relaxed);
        while (i < seen && !lowest_failed.compare_exchange_weak(seen, i)) {
        }
        return;
      }
    }
  });
  size_t failed = lowest_failed.load();
  if (failed != SIZE_MAX) std::rethrow_exception(errors[failed / batch]);
}

unsigned header_threads(unsigned requested, size_t work) noexcept {
  if (requested != 0) return requested;
  if (work < kHeaderWorkPerThread) return 1;
  return std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
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
