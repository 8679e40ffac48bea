// parallel_for — runs independent work items on a few threads, for the read paths.
//
// The caller's thread is one of the workers, so a single-threaded run uses no other thread;
// the others come from the Executor's pool when it is free and large enough, and are started
// for the call (by the Executor) otherwise. Items are handed out in index order from one atomic
// counter (a block queue: a slow item never holds up the rest). The first exception thrown by any
// item stops the hand-out and is rethrown on the caller's thread once every worker has stopped;
// later exceptions are dropped.
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

// Like parallel_for, for work whose errors must not depend on timing (parsers): items are
// handed out in batches of `batch`, and when items fail, the exception rethrown is the one of
// the lowest failing item — the error a sequential loop would have raised. Items above a known
// failure are skipped, so a file whose every record is bad costs one exception per worker,
// not one per record.
void parallel_for_in_order(size_t count, unsigned threads, size_t batch,
                           const std::function<void(size_t item, unsigned worker)>& work);

// Threads for decoding header records at open (OpenOptions::open_threads) worth `work` units
// (a unit is the cost of a stored npz member: one small pread and an npy header, well under a
// microsecond): `requested` when not 0; else 1 below kHeaderWorkPerThread units, and
// min(4, hardware concurrency) from there. Below that threshold a helper's wake-up and the
// cross-core traffic of gathering its records cost what it saves (bench/RESULTS.md, "Open").
inline constexpr size_t kHeaderWorkPerThread = 256;
unsigned header_threads(unsigned requested, size_t work) noexcept;

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
