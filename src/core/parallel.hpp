// parallel_for — runs independent work items on a few threads, for the read paths.
//
// The caller's thread is one of the workers, so a single-threaded run spawns nothing. Items are
// handed out in index order from one atomic counter (a block queue: a slow item never holds up
// the rest). The first exception thrown by any item stops the hand-out and is rethrown on the
// caller's thread once every worker has stopped; later exceptions are dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>

#include "tensorio/read.hpp"

namespace tensorio::detail {

// Calls work(item, worker) for item in [0, count) on min(threads, count) workers; `worker` is
// 0..workers-1, so callers can keep per-worker state (buffers, counters) without locks.
void parallel_for(size_t count, unsigned threads,
                  const std::function<void(size_t item, unsigned worker)>& work);

// max(4, hardware concurrency) when `requested` is 0: I/O wants several requests in flight.
unsigned default_io_threads(unsigned requested) noexcept;

// Serializes ProgressFn calls and accumulates the bytes done.
class ProgressTracker {
 public:
  ProgressTracker(const ProgressFn& fn, uint64_t total) : fn_(fn), total_(total) {}
  void add(uint64_t bytes);
  // The final call (done == total), made once even when nothing was added.
  void finish();

 private:
  const ProgressFn& fn_;
  uint64_t total_;
  uint64_t done_ = 0;
  bool finished_ = false;
  std::mutex mutex_;
};

}  // namespace tensorio::detail
