#include "core/helper_pool.hpp"

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <semaphore>
#include <thread>

namespace tensorio::detail {

// A job's life in one atomic word: the count of helpers inside it (low bits) and whether the
// caller has closed it (kClosed). A helper enters only an open job, so once the caller has
// done its own share and closed the job, it waits only for helpers that already entered — not
// for ones the scheduler has not run yet. On a loaded machine a woken helper can wait several
// milliseconds for a core; waiting for it to start turned a 0.8 ms open into 3-4 ms.
//
// Each helper sleeps on a semaphore of its own, so that a job wakes exactly the helpers it
// wants (a condition variable's notify_all woke every helper: a futex call and a vCPU wake-up
// each). A helper released for a job that closed before it ran wakes later, finds that job
// closed (or a later job, which it may join as any helper would), and sleeps again: a
// counting semaphore keeps such stale releases from being lost or overflowing.
struct HelperPool::State {
  static constexpr uint64_t kClosed = uint64_t{1} << 63;

  struct alignas(64) Helper {
    std::counting_semaphore<> go{0};
  };
  Helper helpers[kHelpers];
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

namespace {

// Set in a fork()ed child: the parent's helper threads do not exist there, so the child never
// uses the pool.
std::atomic<bool> g_forked_child{false};

void helper_main(std::shared_ptr<HelperPool::State> state, unsigned index) {
  HelperPool::State& s = *state;
  for (;;) {
    s.helpers[index].go.acquire();
    if (!s.enter()) continue;  // released for a job that closed before this thread ran
    if (index < s.helpers_wanted) (*s.body)(index + 1);
    s.leave();
  }
}

}  // namespace

HelperPool::HelperPool() : state_(std::make_shared<State>()) {
  ::pthread_atfork(nullptr, nullptr, [] { g_forked_child.store(true); });
}

HelperPool& HelperPool::instance() {
  // Never destroyed: the helpers sleep on its state through exit.
  static HelperPool* pool = new HelperPool();
  return *pool;
}

bool HelperPool::run(unsigned helpers, const std::function<void(unsigned worker)>& body) {
  if (helpers == 0 || g_forked_child.load(std::memory_order_relaxed)) return false;
  State& s = *state_;
  if (helpers > kHelpers) return false;
  bool expected = false;
  if (!s.busy.compare_exchange_strong(expected, true, std::memory_order_acquire)) return false;
  // Helpers are started when a job first wants them (only the caller holding `busy` does), so
  // a process that opens one archive starts one thread, as it did before there was a pool.
  for (unsigned i = s.threads; i < helpers; ++i) {
    try {
      std::thread(helper_main, state_, i).detach();
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
  if ((s.job.fetch_or(State::kClosed, std::memory_order_acq_rel) & ~State::kClosed) != 0) {
    s.done.acquire();
  }
  s.busy.store(false, std::memory_order_release);
  return true;
}

}  // namespace tensorio::detail
