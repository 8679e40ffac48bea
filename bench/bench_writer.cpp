// The aligned atomic writer against plain write() of the same bytes into the same directory.
//
// Both write 256 MiB from memory into a new file (no fsync: the page cache is what a save
// hits first) and remove it; each iteration first writes back the filesystem's dirty pages so
// neither inherits the other's writeback. x_write is the ratio to the best plain write() seen.
// Rows: one big span (the usual save: header + payload), many 1 MiB spans (one per tensor,
// through the buffer), and 4 KiB spans (small tensors, all through the buffer).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include "bench/bench_util.hpp"
#include "io/atomic_writer.hpp"

namespace tensorio::bench {
namespace {

constexpr size_t kBytes = size_t{256} << 20;

const std::vector<std::byte>& payload() {
  static const std::vector<std::byte> bytes = pattern_bytes(kBytes);
  return bytes;
}

void flush_scratch() {
  int fd = ::open(scratch_dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)::syncfs(fd);
    ::close(fd);
  }
}

double plain_write_once() {
  const auto& in = payload();
  auto path = scratch_dir() / "plain.bin";
  auto t0 = std::chrono::steady_clock::now();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  for (size_t at = 0; at < in.size();) {
    ssize_t n = ::write(fd, in.data() + at, std::min<size_t>(in.size() - at, size_t{64} << 20));
    if (n <= 0) break;
    at += static_cast<size_t>(n);
  }
  ::close(fd);
  std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
  ::unlink(path.c_str());
  return static_cast<double>(in.size()) / dt.count();
}

double plain_write_bps() {
  static double best = 0;
  if (best == 0) {
    for (int i = 0; i < 3; ++i) {
      flush_scratch();
      best = std::max(best, plain_write_once());
    }
  }
  return best;
}

void BM_PlainWrite(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    flush_scratch();
    state.ResumeTiming();
    benchmark::DoNotOptimize(plain_write_once());
  }
  report_bytes(state, kBytes, plain_write_bps(), "write");
}
BENCHMARK(BM_PlainWrite)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

void BM_AtomicWriter(benchmark::State& state) {
  const auto& in = payload();
  size_t span = static_cast<size_t>(state.range(0));
  auto target = scratch_dir() / "atomic.bin";
  for (auto _ : state) {
    state.PauseTiming();
    flush_scratch();
    state.ResumeTiming();
    detail::AtomicWriter out(target, SaveOptions{});
    for (size_t at = 0; at < in.size(); at += span) {
      out.write(std::span(in).subspan(at, std::min(span, in.size() - at)));
    }
    out.commit();
    state.PauseTiming();
    std::filesystem::remove(target);
    state.ResumeTiming();
  }
  report_bytes(state, kBytes, plain_write_bps(), "write");
}
BENCHMARK(BM_AtomicWriter)
    ->Arg(kBytes)
    ->Arg(1 << 20)
    ->Arg(4 << 10)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(5);

}  // namespace
}  // namespace tensorio::bench
