// The helper thread pool and the parallel loops the readers split work with.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/executor.hpp"
#include "io/parallel.hpp"

// The helper pool's threads do not exist in a fork()ed child: there the pool refuses every
// job and parallel_for starts threads of its own, and still does every item once.
TEST(Executor, ForkedChildFallsBackToItsOwnThreads) {
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TENSORIO_SANITIZED_ALLOCATOR 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || \
    defined(TENSORIO_SANITIZED_ALLOCATOR)
  // glibc's malloc is usable in the child of a multi-threaded fork (it has fork handlers); the
  // sanitizers' allocators are not (a lock another thread held at the fork stays held).
  GTEST_SKIP() << "allocating after a multi-threaded fork needs glibc's allocator";
#endif
  tensorio::detail::Executor& pool =
      tensorio::detail::Executor::instance();  // started in the parent
  std::atomic<int> parent_items{0};
  tensorio::detail::parallel_for(100, 3, [&](size_t, unsigned) { parent_items.fetch_add(1); });
  ASSERT_EQ(parent_items.load(), 100);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    bool refused = !pool.try_fork_join(1, [](unsigned) {});
    std::atomic<int> items{0};
    tensorio::detail::parallel_for(100, 3, [&](size_t, unsigned) { items.fetch_add(1); });
    ::_exit(refused && items.load() == 100 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(pool.try_fork_join(1, [](unsigned) {})) << "the parent's pool still works";
}

// Header decoding on several threads must raise the error a sequential loop would: the one of
// the lowest failing item, however the items were scheduled.
TEST(ParallelForInOrder, RaisesTheLowestFailingItemsError) {
  for (unsigned threads : {1u, 2u, 4u, 8u}) {
    for (size_t batch : {1u, 3u, 64u}) {
      std::vector<std::atomic<int>> ran(500);
      try {
        tensorio::detail::parallel_for_in_order(500, threads, batch,
                                                [&](size_t i, unsigned worker) {
                                                  EXPECT_LT(worker, threads);
                                                  ran[i].fetch_add(1);
                                                  // Items 137, 138 and every item from 300 on fail;
                                                  // later ones fail faster.
                                                  if (i == 137 || i == 138 || i >= 300)
                                                    throw std::runtime_error(std::to_string(i));
                                                });
        ADD_FAILURE() << "no error raised";
      } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "137") << threads << " threads, batch " << batch;
      }
      for (size_t i = 0; i <= 137; ++i) EXPECT_EQ(ran[i].load(), 1) << i;  // each at most once
      for (size_t i = 138; i < 500; ++i) EXPECT_LE(ran[i].load(), 1) << i;
    }
  }
  // Without failures every item runs exactly once.
  std::vector<std::atomic<int>> ran(1000);
  tensorio::detail::parallel_for_in_order(1000, 4, 7,
                                          [&](size_t i, unsigned) { ran[i].fetch_add(1); });
  for (size_t i = 0; i < 1000; ++i) EXPECT_EQ(ran[i].load(), 1) << i;
  constexpr size_t kWork = tensorio::detail::kHeaderWorkPerThread;
  EXPECT_EQ(tensorio::detail::header_threads(0, kWork - 1), 1u);
  EXPECT_GE(tensorio::detail::header_threads(0, kWork), 1u);
  EXPECT_LE(tensorio::detail::header_threads(0, kWork), 4u);
  EXPECT_EQ(tensorio::detail::header_threads(3, 10), 3u);
}
