// .safetensors: header validation cost per tensor, open latency, and zero-copy touch of a 1 GiB
// file against plain read() of the same file and against summing an in-memory buffer.
//
//   build/bench/bench_safetensors --benchmark_repetitions=5 --benchmark_report_aggregates_only
//
// - ParseValidate/N: parse_safetensors_header on an in-memory image of N tensors (JSON parse,
//   schema, sort, offset rules); `per_tensor` is seconds per tensor.
// - Open/N: load() of the file (map + validate + build the archive's views), warm page cache.
// - TouchMapped: sum every byte of every tensor through a warm archive's zero-copy views;
//   TouchOpenMapped: the same with a fresh open each iteration (pays the page-table work);
//   ReadSyscall: read() the same file in 1 MiB chunks and sum them. All report x_sum, the ratio
//   to summing an in-memory 1 GiB buffer measured in the same process (BM_MemorySumLimit).
// Rows use CPU time (page faults and read() are the process's own system time): on a shared
// machine wall time mostly measures the neighbours; x_sum is relative to the in-memory sum
// measured in CPU time too.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_util.hpp"
#include "tensorio/safetensors.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio::bench {
namespace {

// The in-memory sum limit in the rows' own clock: bytes per second of this thread's CPU time,
// best of 5 over the shared 1 GiB buffer (bench_util's memory_sum_bps() is wall-clock).
double memory_sum_cpu_bps() {
  static const double bps = [] {
    auto cpu_now = [] {
      timespec ts{};
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
      return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
    };
    double best = 0;
    for (int i = 0; i < 5; ++i) {
      double t0 = cpu_now();
      benchmark::DoNotOptimize(detail::sum_words(limit_source()));
      best = std::max(best, static_cast<double>(kLimitBufferBytes) / (cpu_now() - t0));
    }
    return best;
  }();
  return bps;
}

constexpr uint64_t kTouchTensors = 16;
constexpr uint64_t kTouchTensorBytes = 64ull << 20;  // 16 x 64 MiB = 1 GiB of data

// N tensors of 16 bytes each, with LLM-like names.
std::filesystem::path many_tensor_file(uint64_t n) {
  auto path = scratch_dir() / ("many_" + std::to_string(n) + ".safetensors");
  if (!std::filesystem::exists(path)) {
    auto bytes = pattern_bytes(16 * n);
    std::vector<TensorRef> refs;
    refs.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      refs.push_back({"model.layers." + std::to_string(i / 10) + ".mlp.proj_" +
                          std::to_string(i % 10) + ".weight",
                      DType::float32,
                      {2, 2},
                      std::span(bytes).subspan(16 * i, 16)});
    }
    save_safetensors(path, refs, {{"format", "pt"}});
  }
  return path;
}

std::filesystem::path gib_file() {
  auto path = scratch_dir() / "touch_1gib.safetensors";
  if (!std::filesystem::exists(path)) {
    auto bytes = pattern_bytes(kTouchTensorBytes);
    std::vector<TensorRef> refs;
    for (uint64_t i = 0; i < kTouchTensors; ++i) {
      refs.push_back({"w" + std::to_string(i), DType::bfloat16, {kTouchTensorBytes / 2}, bytes});
    }
    save_safetensors(path, refs);
  }
  // Warm the page cache so every variant measures the same (cached) file.
  Archive a = load(path);
  for (const TensorView& v : a.tensors()) benchmark::DoNotOptimize(detail::sum_words(v.data()));
  return path;
}

void BM_SafetensorsParseValidate(benchmark::State& state) {
  auto n = static_cast<uint64_t>(state.range(0));
  auto path = many_tensor_file(n);
  auto image = [&] {
    std::vector<std::byte> all(std::filesystem::file_size(path));
    int fd = ::open(path.c_str(), O_RDONLY);
    size_t got = 0;
    while (got < all.size()) {
      ssize_t r = ::read(fd, all.data() + got, all.size() - got);
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
    ::close(fd);
    return all;
  }();
  for (auto _ : state) benchmark::DoNotOptimize(parse_safetensors_header(image, "bench"));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  state.counters["per_tensor"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kInvert);
  state.SetLabel("header " + std::to_string(image.size() >> 10) + " KiB");
}
BENCHMARK(BM_SafetensorsParseValidate)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

void BM_SafetensorsOpen(benchmark::State& state) {
  auto n = static_cast<uint64_t>(state.range(0));
  auto path = many_tensor_file(n);
  for (auto _ : state) benchmark::DoNotOptimize(load(path));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
  state.counters["per_tensor"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kInvert);
}
BENCHMARK(BM_SafetensorsOpen)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

void BM_SafetensorsTouchMapped(benchmark::State& state) {
  Archive a = load(gib_file());
  for (auto _ : state) {
    uint64_t acc = 0;
    for (const TensorView& v : a.tensors()) acc += detail::sum_words(v.data());
    benchmark::DoNotOptimize(acc);
  }
  report_bytes(state, kTouchTensors * kTouchTensorBytes, memory_sum_cpu_bps(), "sum");
}
BENCHMARK(BM_SafetensorsTouchMapped)->Unit(benchmark::kMillisecond);

void BM_SafetensorsTouchOpenMapped(benchmark::State& state) {
  auto path = gib_file();
  for (auto _ : state) {
    Archive a = load(path);
    uint64_t acc = 0;
    for (const TensorView& v : a.tensors()) acc += detail::sum_words(v.data());
    benchmark::DoNotOptimize(acc);
  }
  report_bytes(state, kTouchTensors * kTouchTensorBytes, memory_sum_cpu_bps(), "sum");
}
BENCHMARK(BM_SafetensorsTouchOpenMapped)->Unit(benchmark::kMillisecond);

void BM_SafetensorsReadSyscall(benchmark::State& state) {
  auto path = gib_file();
  std::vector<std::byte> chunk(1u << 20);
  uint64_t file_bytes = std::filesystem::file_size(path);
  for (auto _ : state) {
    int fd = ::open(path.c_str(), O_RDONLY);
    uint64_t acc = 0;
    ssize_t r;
    while ((r = ::read(fd, chunk.data(), chunk.size())) > 0) {
      acc += detail::sum_words(std::span(chunk).first(static_cast<size_t>(r)));
    }
    ::close(fd);
    benchmark::DoNotOptimize(acc);
  }
  report_bytes(state, file_bytes, memory_sum_cpu_bps(), "sum");
}
BENCHMARK(BM_SafetensorsReadSyscall)->Unit(benchmark::kMillisecond);

void BM_MemorySumLimit(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(detail::sum_words(limit_source()));
  report_bytes(state, kLimitBufferBytes, memory_sum_cpu_bps(), "sum");
}
BENCHMARK(BM_MemorySumLimit)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tensorio::bench
