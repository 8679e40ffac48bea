// Executor — the one owner of tensorio's threads. Everything that runs in the background
// (parallel open, read_into, prefetch and verify; mapping views ahead; mapping a save's sources
// ahead of its writes; parallel deflate) submits its work here, so thread creation, fork
// handling and shutdown are decided in one place.
//
// Four ways to run work:
//   * fork_join(): a job split over the caller and a few helpers from a small warm pool, for
//     short bursts where starting threads would cost more than the work (opening a file). The
//     pool's helpers sleep between jobs with their stacks and allocator caches warm.
//   * run_dedicated(): the same shape on threads started for the call, for long or blocking
//     work whose every share must run (deflate workers that the caller waits on), and where the
//     pool is busy.
//   * post(): a best-effort FIFO lane served by one long-lived thread, for work nobody waits on
//     (mapping views ahead of a loop over them).
//   * start(): one task beside the caller until it is joined (mapping a save's sources ahead).
//
// Fork: in a fork()ed child the parent's threads do not exist. The child never uses the
// parent's pool (fork_join() falls back to threads of its own) and starts its own lane thread.
// Shutdown: the pool and lane threads are detached and sleep through exit; they hold no lock
// across work, so a process may exit at any time. A shared build of tensorio must therefore not
// be unloaded with dlclose() once it has run background work.
#pragma once

#include <functional>
#include <memory>
#include <thread>

namespace tensorio::detail {

class Executor {
 public:
  // The process's executor.
  static Executor& instance();
  // Pool threads, started by the first job that wants each.
  static constexpr unsigned kPoolHelpers = 3;

  // Runs body(0) on the caller and offers body(1) .. body(helpers) to pool threads; returns
  // when body(0) has returned and so have the helpers that started theirs by then. A helper the
  // scheduler had not run by then does not run its body at all, so body(0) must only return
  // once the work is done (hand items out dynamically: whoever runs does it all). Never two
  // bodies with one index at once. False, having run nothing, when the pool is busy (another
  // job, or a job's item calling this), `helpers` is over kPoolHelpers, in a fork()ed child,
  // or when the system refuses a thread. `body` must not throw.
  [[nodiscard]] bool try_fork_join(unsigned helpers,
                                   const std::function<void(unsigned worker)>& body);

  // Runs body(1) .. body(helpers) on threads started for this call and body(0) on the caller,
  // and joins them all. Every body runs, except those whose thread the system refused (the
  // count of helpers that ran is returned; body(0) always runs). `body` must not throw.
  unsigned run_dedicated(unsigned helpers, const std::function<void(unsigned worker)>& body);

  // Queues `task` on the background lane. Tasks run one at a time in the order posted; nothing
  // waits for them, so each must keep alive what it uses and must not throw.
  void post(std::function<void()> task);

  // A task running beside the caller. join() waits for it; the destructor joins too.
  class Task {
   public:
    Task() = default;
    Task(Task&&) noexcept = default;
    Task& operator=(Task&& other) noexcept {
      join();
      thread_ = std::move(other.thread_);
      return *this;
    }
    ~Task() { join(); }
    bool running() const noexcept { return thread_.joinable(); }
    void join() {
      if (thread_.joinable()) thread_.join();
    }

   private:
    friend class Executor;
    std::thread thread_;
  };
  // Starts `fn` on a thread of its own; a Task that is not running when the system refuses a
  // thread (the caller then does the work itself). `fn` must not throw.
  [[nodiscard]] Task start(std::function<void()> fn);

  struct Pool;
  struct Lane;

 private:
  Executor();
  std::shared_ptr<Pool> pool_;
  std::shared_ptr<Lane> lane_;
};

}  // namespace tensorio::detail
