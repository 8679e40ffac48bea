#include "io/executor.hpp"

#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <semaphore>
#include <thread>
#include <vector>

namespace tensorio::detail {

// A job's life in one atomic word: the count of helpers inside it (low bits) and whether the
// caller has closed it (kClosed). A helper enters only an open job, so once the caller has
// done its own share and closed the job, it waits only for helpers that already entered — not
// for ones the scheduler has not run yet. On a loaded machine a woken helper can wait several
// milliseconds for a core, longer than a whole open takes.
//
// Each helper sleeps on a semaphore of its own, so that a job wakes exactly the helpers it
// wants (a condition variable's notify_all woke every helper: a futex call and a vCPU wake-up
// each). A helper released for a job that closed before it ran wakes later, finds that job
// closed (or a later job, which it may join as any helper would), and sleeps again: a
// counting semaphore keeps such stale releases from being lost or overflowing.
struct Executor::Pool {
  static constexpr uint64_t kClosed = uint64_t{1} << 63;

  struct alignas(64) Helper {
    std::counting_semaphore<> go{0};
  };
  Helper helpers[kPoolHelpers];
  unsigned threads = 0;           // helper threads started (changed only by the busy caller)
  std::atomic<bool> busy{false};  // a caller holds the pool
  // The job: written by the caller before it opens the job, read by a helper after entering.
  const std::function<void(unsigned)>* body = nullptr;
  unsigned helpers_wanted = 0;
  alignas(64) std::atomic<uint64_t> job{kClosed};  // kClosed | helpers inside
  std::binary_semaphore done{0};  // released by the last helper to leave a closed job

  // Enters the job if it is open; false if it is closed.
  bool enter() {
    uint64_t word = job.load(std::memory_order_acquire);
    while ((word & kClosed) == 0) {
      if (job.compare_exchange_weak(word, word + 1, std::memory_order_acquire)) return true;
    }
    return false;
  }
  void leave() {
    if (job.fetch_sub(1, std::memory_order_acq_rel) == (kClosed | 1)) done.release();
  }
};

// The background lane: one thread, started on first use, serving a FIFO of tasks.
struct Executor::Lane {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> queue;
  bool started = false;
};

namespace {

// Set in a fork()ed child: the parent's pool threads do not exist there, so the child never
// uses the pool.
std::atomic<bool> g_forked_child{false};

void helper_main(std::shared_ptr<Executor::Pool> pool, unsigned index) {
  Executor::Pool& s = *pool;
  for (;;) {
    s.helpers[index].go.acquire();
    if (!s.enter()) continue;  // released for a job that closed before this thread ran
    if (index < s.helpers_wanted) (*s.body)(index + 1);
    s.leave();
  }
}

void lane_main(std::shared_ptr<Executor::Lane> lane) {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(lane->mutex);
      lane->wake.wait(lock, [&] { return !lane->queue.empty(); });
      task = std::move(lane->queue.front());
      lane->queue.pop_front();
    }
    task();
  }
}

// The lane's mutex is held across fork() so that the child finds it in a known state; the
// child then forgets the parent's thread and queue and starts a thread of its own on its first
// post().
Executor::Lane* g_lane = nullptr;
void lane_before_fork() { g_lane->mutex.lock(); }
void lane_after_fork_parent() { g_lane->mutex.unlock(); }
void lane_after_fork_child() {
  g_forked_child.store(true);
  g_lane->started = false;
  // The tasks' captures are released with the lane's thread gone: each is a mapping-ahead
  // task, which nobody waits for.
  g_lane->queue.clear();
  g_lane->mutex.unlock();
}

}  // namespace

Executor::Executor() : pool_(std::make_shared<Pool>()), lane_(std::make_shared<Lane>()) {
  g_lane = lane_.get();
  ::pthread_atfork(lane_before_fork, lane_after_fork_parent, lane_after_fork_child);
}

Executor& Executor::instance() {
  // Never destroyed: the pool's helpers and the lane's thread sleep on its state through exit.
  static Executor* executor = new Executor();
  return *executor;
}

bool Executor::try_fork_join(unsigned helpers, const std::function<void(unsigned worker)>& body) {
  if (helpers == 0 || helpers > kPoolHelpers || g_forked_child.load(std::memory_order_relaxed)) {
    return false;
  }
  Pool& s = *pool_;
  bool expected = false;
  if (!s.busy.compare_exchange_strong(expected, true, std::memory_order_acquire)) return false;
  // Helpers are started when a job first wants them (only the caller holding `busy` does), so
  // a process that opens one archive starts one thread.
  for (unsigned i = s.threads; i < helpers; ++i) {
    try {
      std::thread(helper_main, pool_, i).detach();
    } catch (...) {
      s.busy.store(false, std::memory_order_release);
      return false;  // the system refuses a thread: the caller starts (or does) without
    }
    s.threads = i + 1;
  }
  s.body = &body;
  s.helpers_wanted = helpers;
  s.job.store(0, std::memory_order_release);  // open, no helper inside
  for (unsigned i = 0; i < helpers; ++i) s.helpers[i].go.release();
  body(0);
  // The caller's share is done when body(0) returns (the items are handed out dynamically):
  // close the job and wait only for the helpers inside it.
  if ((s.job.fetch_or(Pool::kClosed, std::memory_order_acq_rel) & ~Pool::kClosed) != 0) {
    s.done.acquire();
  }
  s.busy.store(false, std::memory_order_release);
  return true;
}

unsigned Executor::run_dedicated(unsigned helpers,
                                 const std::function<void(unsigned worker)>& body) {
  std::vector<std::thread> threads;
  threads.reserve(helpers);
  try {
    for (unsigned w = 1; w <= helpers; ++w) threads.emplace_back(body, w);
  } catch (...) {
    // Could not start a thread (resource limits): the ones running plus the caller go on.
  }
  body(0);
  for (std::thread& t : threads) t.join();
  return static_cast<unsigned>(threads.size());
}

void Executor::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(lane_->mutex);
    lane_->queue.push_back(std::move(task));
    if (!lane_->started) {
      try {
        std::thread(lane_main, lane_).detach();
        lane_->started = true;
      } catch (...) {
        // No thread to be had: drop the queue, whose work is only ever ahead of need.
        lane_->queue.clear();
        return;
      }
    }
  }
  lane_->wake.notify_one();
}

Executor::Task Executor::start(std::function<void()> fn) {
  Task task;
  try {
    task.thread_ = std::thread(std::move(fn));
  } catch (...) {
    // Not running: the caller does the work itself.
  }
  return task;
}

}  // namespace tensorio::detail
