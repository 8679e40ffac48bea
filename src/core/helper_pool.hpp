// HelperPool — a few threads kept for parallel_for, so that opening a file does not start one.
//
// Starting a thread cost the opener 15-35 us on the 2-core machine before its own share of the
// work began, and the new thread's first allocations went through an empty allocator cache
// (each one taking its arena's lock) into memory last written by another core. A pool thread
// sleeps on a semaphore of its own between jobs and keeps its allocator cache and stack warm.
//
// One job at a time: a caller that finds the pool busy (another thread is opening a file, or a
// job's item itself calls parallel_for) or wanting more helpers than it has gets nothing and
// starts threads of its own, as before. After fork() the child never uses the pool (the
// parent's threads do not exist there) and starts threads of its own. The pool is never
// destroyed: its threads sleep through exit (so a build of tensorio as a shared library must
// not be unloaded with dlclose() once it has opened a large archive).
#pragma once

#include <functional>
#include <memory>

namespace tensorio::detail {

class HelperPool {
 public:
  // The process's pool. Its threads, at most kHelpers, are started by the first job that
  // wants each.
  static HelperPool& instance();
  static constexpr unsigned kHelpers = 3;

  // Runs body(0) on the caller and offers body(1) .. body(helpers) to that many pool threads;
  // returns when body(0) has returned and so have the helpers that started theirs by then. A
  // helper the scheduler had not run by then does not run its body at all: the caller's
  // body(0) must only return once the work is done (parallel_for's workers take items until
  // none is left, so whoever runs does it all). A helper woken late for an earlier job may run
  // its body twice in turn; never two bodies with one index at once. False, having run
  // nothing, when the pool is busy, `helpers` is over kHelpers, or the system refuses a thread
  // it needs. `body` must not throw.
  bool run(unsigned helpers, const std::function<void(unsigned worker)>& body);

  struct State;

 private:
  HelperPool();
  std::shared_ptr<State> state_;
};

}  // namespace tensorio::detail
