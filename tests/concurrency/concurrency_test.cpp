// Concurrency (suite 'concurrency', also run under ThreadSanitizer in CI): 16 threads opening
// the same file and touching the same lazy views at the same moment. Each transform runs once
// per record, every thread sees the same bytes, and views outlive the archive they came from.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "core/internals.hpp"
#include "core/tensor_record.hpp"
#include "io/executor.hpp"
#include "io/parallel.hpp"
#include "support/sample_files.hpp"
#include "support/temp_dir.hpp"
#include "tensorio/dequantize.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {
namespace {

using testing::SampleFile;
using testing::TempDir;

constexpr int kThreads = 16;

std::vector<std::byte> copy(std::span<const std::byte> s) { return {s.begin(), s.end()}; }

// Runs `body(thread_index)` on kThreads threads released together by a barrier, so that first
// accesses really do race.
template <typename Body>
void race(Body body) {
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      body(t);
    });
  }
  for (auto& th : threads) th.join();
}

// Files whose views need a transform on first access (the interesting case) and plain ones.
std::vector<SampleFile> samples() {
  auto out = testing::sample_files();
  // A bigger big-endian payload makes the transform take long enough for real overlap.
  std::vector<std::byte> payload(1 << 20);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::byte>(i * 13);
  out.push_back({"npy_be_1MiB", ".npy", testing::make_npy(">i4", false, {1 << 18}, payload)});
  out.push_back({"npy_fortran_1MiB", ".npy", testing::make_npy("<f8", true, {256, 512}, payload)});
  return out;
}

class SharedFile : public ::testing::TestWithParam<SampleFile> {
 protected:
  void SetUp() override {
    path_ = dir_ / ("f" + GetParam().extension);
    testing::write_file(path_, GetParam().bytes);
    Archive a = load(path_);
    for (const auto& v : a.tensors()) expected_.push_back(copy(v.data()));
    ASSERT_FALSE(expected_.empty());
  }
  TempDir dir_;
  std::filesystem::path path_;
  std::vector<std::vector<std::byte>> expected_;
};

TEST_P(SharedFile, SixteenThreadsFirstTouchOneArchive) {
  for (AccessMode access : {AccessMode::mmap, AccessMode::pread}) {
    OpenOptions options;
    options.access = access;
    Archive a = load(path_, options);
    std::vector<std::vector<const std::byte*>> seen(kThreads);
    race([&](int t) {
      for (const auto& v : a.tensors()) seen[t].push_back(v.data().data());
    });
    for (size_t i = 0; i < a.size(); ++i) {
      const TensorView& v = a.tensors()[i];
      for (int t = 0; t < kThreads; ++t) EXPECT_EQ(seen[t][i], seen[0][i]) << v.name();
      EXPECT_EQ(copy(v.data()), expected_[i]) << v.name();
      // One run per record however many threads asked first (0 for a zero-copy mmap view).
      uint32_t runs = Internals::record(v)->transform_runs.load();
      EXPECT_EQ(runs, Internals::record(v)->lazy ? 1u : 0u) << v.name();
    }
  }
}

TEST_P(SharedFile, SixteenThreadsOpenTheSameFile) {
  std::vector<std::vector<std::vector<std::byte>>> got(kThreads);
  race([&](int t) {
    Archive a = load(path_);
    for (const auto& v : a.tensors()) got[t].push_back(copy(v.data()));
  });
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(got[t], expected_) << "thread " << t;
}

TEST_P(SharedFile, ViewsOutliveTheirArchiveAcrossThreads) {
  std::vector<TensorView> views;
  {
    Archive a = load(path_);
    views.assign(a.tensors().begin(), a.tensors().end());
  }  // the archive is gone; the views keep the mapping alive
  std::vector<std::vector<std::vector<std::byte>>> got(kThreads);
  race([&](int t) {
    // Each thread works on its own copies of the views, dropping them as it goes, so the last
    // reference to the mapping is released on some worker thread.
    std::vector<TensorView> mine = views;
    for (auto& v : mine) {
      got[t].push_back(copy(v.data()));
      v = TensorView();
    }
  });
  views.clear();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(got[t], expected_) << "thread " << t;
}

// gguf: one dequantized view of a quantized tensor, shared by 16 threads: dequantized once.
TEST(DequantizedGguf, SixteenThreadsShareOneDequantizedView) {
  TempDir dir;
  std::vector<std::byte> blocks(34 * 4096);
  for (size_t i = 0; i < blocks.size(); ++i) blocks[i] = static_cast<std::byte>(i * 29 % 251);
  for (size_t b = 0; b < 4096; ++b) {  // a finite f16 scale (0x3c00 = 1.0) in every block
    blocks[b * 34] = std::byte{0x00};
    blocks[b * 34 + 1] = std::byte{0x3c};
  }
  TensorRef q{"q", DType::q8_0, {32 * 4096}, blocks};
  std::vector<TensorRef> refs{q};
  save(dir / "q.gguf", refs);
  Archive a = load(dir / "q.gguf");
  TensorView deq = dequantized(a.at("q"), DType::float32);
  std::vector<std::byte> expected = copy(dequantized(a.at("q"), DType::float32).data());
  std::vector<const std::byte*> seen(kThreads);
  race([&](int t) { seen[t] = deq.data().data(); });
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(seen[t], seen[0]);
  EXPECT_EQ(copy(deq.data()), expected);
  EXPECT_EQ(Internals::record(deq)->transform_runs.load(), 1u);
}

// Large uncompressed saves run a helper thread that maps the source ahead of write() and
// computes stored npz CRCs: four threads saving views of one archive at once, each save with its
// own helper, must write files that read back identical and pass their CRC checks.
TEST(LargeSaves, FourThreadsSaveViewsOfOneArchive) {
  TempDir dir;
  std::vector<std::byte> bytes(size_t{20} << 20);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::byte>(i * 131 % 253);
  std::vector<TensorRef> refs{{"w", DType::uint8, {bytes.size()}, bytes}};
  save(dir / "src.npy", refs);
  Archive a = load(dir / "src.npy");
  const char* outs[] = {"a.npz", "b.npz", "c.safetensors", "d.npy"};
  std::vector<std::thread> threads;
  for (const char* out : outs) {
    threads.emplace_back([&, out] {
      std::vector<TensorRef> again{TensorRef::from_view(a.tensors()[0])};
      save(dir / out, again);
    });
  }
  for (auto& t : threads) t.join();
  for (const char* out : outs) {
    Archive back = load(dir / out);
    EXPECT_TRUE(verify(back).empty()) << out;
    EXPECT_EQ(copy(back.tensors()[0].data()), bytes) << out;
  }
}

// Views of 2 MiB and more are mapped ahead on the background thread (OpenOptions::map_next_view)
// while callers reach them: 16 threads first-touching the views in different orders race it for
// every record (taken back from the queue, waited for while mapped, or found mapped).
TEST(MapAhead, SixteenThreadsRaceTheBackgroundThread) {
  TempDir dir;
  std::vector<std::vector<std::byte>> payloads;
  std::vector<TensorRef> refs;
  for (int i = 0; i < 8; ++i) payloads.emplace_back(size_t{2} << 20, std::byte(0x20 + i));
  for (int i = 0; i < 8; ++i) {
    refs.push_back({"t" + std::to_string(i), DType::uint8, {payloads[i].size()}, payloads[i]});
  }
  save(dir / "m.safetensors", refs);
  for (int round = 0; round < 3; ++round) {
    Archive a = load(dir / "m.safetensors");
    std::vector<int> bad(kThreads, 0);
    race([&](int t) {
      for (int k = 0; k < 8; ++k) {
        int i = (t % 2 == 0) ? k : 7 - k;  // half the threads walk backwards
        auto d = a.tensors()[i].data();
        if (d.size() != payloads[i].size() || d[0] != payloads[i][0] ||
            d[d.size() - 1] != payloads[i][0]) {
          ++bad[t];
        }
      }
    });
    for (int t = 0; t < kThreads; ++t) EXPECT_EQ(bad[t], 0) << "thread " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(AllFormats, SharedFile, ::testing::ValuesIn(samples()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace tensorio

namespace tensorio {
namespace {

// The helper pool. A job wakes the helpers it wants, and each takes part under its own index
// (never two bodies with one index at once, though one woken late for an earlier job may run
// twice in turn); the caller waits only for helpers that entered
// before it finished its share — here the caller's share waits until every helper is in, so
// all must take part. Items that call parallel_for themselves find the pool busy and get
// threads of their own; sixteen threads using parallel_for at once get every item done once.
TEST(Executor, EveryWorkerOnceNestedAndConcurrentCallers) {
  detail::Executor& pool = detail::Executor::instance();
  for (unsigned helpers = 1; helpers <= detail::Executor::kPoolHelpers; ++helpers) {
    std::vector<std::atomic<int>> runs(helpers + 1), inside(helpers + 1);
    std::atomic<unsigned> entered{0};
    std::atomic<int> nested_refused{0}, overlapped{0};
    bool ran = pool.try_fork_join(helpers, [&](unsigned worker) {
      if (inside[worker].fetch_add(1) != 0) overlapped.fetch_add(1);
      runs[worker].fetch_add(1);
      if (!pool.try_fork_join(1, [](unsigned) {})) nested_refused.fetch_add(1);
      if (worker == 0) {  // the caller's share: wait (up to 10 s) for every helper to be in
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (entered.load() < helpers && std::chrono::steady_clock::now() < until) {
          std::this_thread::yield();
        }
      } else {
        entered.fetch_add(1);
      }
      inside[worker].fetch_sub(1);
    });
    if (!ran) GTEST_SKIP() << "the system refused the pool its threads";
    // A helper woken late for an earlier job may take part twice, one after the other.
    EXPECT_EQ(runs[0].load(), 1);
    int total = runs[0].load();
    for (unsigned w = 1; w <= helpers; ++w) {
      EXPECT_GE(runs[w].load(), 1) << "worker " << w;
      total += runs[w].load();
    }
    EXPECT_EQ(nested_refused.load(), total);
    EXPECT_EQ(overlapped.load(), 0);
  }
  EXPECT_FALSE(pool.try_fork_join(detail::Executor::kPoolHelpers + 1, [](unsigned) {}));

  std::vector<std::atomic<int>> done(kThreads * 1000);
  race([&](int t) {
    detail::parallel_for(1000, 3, [&](size_t item, unsigned) {
      // Every 100th item nests a parallel_for of its own.
      if (item % 100 == 0) {
        std::atomic<int> inner{0};
        detail::parallel_for(10, 2, [&](size_t, unsigned) { inner.fetch_add(1); });
        EXPECT_EQ(inner.load(), 10);
      }
      done[static_cast<size_t>(t) * 1000 + item].fetch_add(1);
    });
  });
  for (size_t i = 0; i < done.size(); ++i) ASSERT_EQ(done[i].load(), 1) << i;
}

}  // namespace
}  // namespace tensorio
