#include "core/helper_pool.hpp"

#include <pthread.h>

#include <atomic>
#include <semaphore>
#include <thread>

namespace tensorio::detail {

// Each helper sleeps on a semaphore of its own, so that a job wakes exactly the helpers it
// wants (a condition variable's notify_all woke every helper: a futex call and a vCPU wake-up
// each, about 7 us before the caller could begin its own share).
struct HelperPool::State {
  struct alignas(64) Helper {
    std::binary_semaphore go{0};
  };
  Helper helpers[kHelpers];
  std::atomic<unsigned> threads{0};  // helper threads started
  std::atomic<bool> busy{false};     // a caller holds the pool
  // The job: written by the caller before it releases the helpers' semaphores, read by the
  // helpers after acquiring them (the semaphore orders the two).
  const std::function<void(unsigned)>* body = nullptr;
  std::atomic<unsigned> running{0};  // helpers of the job still in the body
  std::binary_semaphore done{0};     // released by the job's last helper
};

namespace {

// Set in a fork()ed child: the parent's helper threads do not exist there, so the child never
// uses the pool.
std::atomic<bool> g_forked_child{false};

void helper_main(std::shared_ptr<HelperPool::State> state, unsigned index) {
  HelperPool::State& s = *state;
  for (;;) {
    s.helpers[index].go.acquire();
    (*s.body)(index + 1);
    if (s.running.fetch_sub(1, std::memory_order_acq_rel) == 1) s.done.release();
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
  for (unsigned i = s.threads.load(std::memory_order_relaxed); i < helpers; ++i) {
    try {
      std::thread(helper_main, state_, i).detach();
    } catch (...) {
      s.busy.store(false, std::memory_order_release);
      return false;  // the system refuses a thread: the caller starts (or does) without
    }
    s.threads.store(i + 1, std::memory_order_relaxed);
  }
  s.body = &body;
  s.running.store(helpers, std::memory_order_relaxed);
  for (unsigned i = 0; i < helpers; ++i) s.helpers[i].go.release();
  body(0);
  s.done.acquire();
  s.busy.store(false, std::memory_order_release);
  return true;
}

}  // namespace tensorio::detail
