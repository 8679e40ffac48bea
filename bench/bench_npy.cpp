// .npy: header parsing, open latency, and open + first touch of every payload byte.
//
// Open+touch maps the file afresh each iteration (as a restarting server would), so it pays the
// page-table work of the first touch; the file itself is warm in the page cache. Its limit is
// the in-memory sum of a buffer already in RAM (x_sum = 1.0 means the mapping costs nothing).
#include <benchmark/benchmark.h>

#include "bench/bench_util.hpp"
#include "tensorio/npy.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio::bench {
namespace {

std::filesystem::path npy_file(uint64_t mib) {
  auto path = scratch_dir() / ("payload_" + std::to_string(mib) + "mib.npy");
  if (!std::filesystem::exists(path)) {
    auto bytes = pattern_bytes(mib << 20);
    TensorRef t{"w", DType::float32, {mib << 18}, bytes};
    save(path, std::span(&t, 1));
  }
  // Warm the page cache once so every iteration measures the same (warm) thing.
  Archive a = load(path);
  benchmark::DoNotOptimize(detail::sum_words(a.tensors()[0].data()));
  return path;
}

void BM_NpyHeaderParse(benchmark::State& state) {
  std::vector<uint64_t> shape = {32, 4096, 11008};
  std::string header = serialize_npy_header(DType::bfloat16, shape);
  auto bytes = std::as_bytes(std::span(header));
  for (auto _ : state) benchmark::DoNotOptimize(parse_npy_header(bytes, "bench.npy"));
  state.SetItemsProcessed(state.iterations());
  report_bytes(state, header.size(), memory_sum_bps(), "sum");
}
BENCHMARK(BM_NpyHeaderParse);

void BM_NpyOpen(benchmark::State& state) {
  auto path = npy_file(static_cast<uint64_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(load(path));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("opens/s; payload " + std::to_string(state.range(0)) + " MiB");
}
// Same header, payloads 16x apart: open time must not depend on the payload.
BENCHMARK(BM_NpyOpen)->Arg(16)->Arg(256)->UseRealTime();

void BM_NpyOpenTouch(benchmark::State& state) {
  auto mib = static_cast<uint64_t>(state.range(0));
  auto path = npy_file(mib);
  for (auto _ : state) {
    Archive a = load(path);
    benchmark::DoNotOptimize(detail::sum_words(a.tensors()[0].data()));
  }
  report_bytes(state, mib << 20, memory_sum_bps(), "sum");
}
BENCHMARK(BM_NpyOpenTouch)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MemorySumLimit(benchmark::State& state) {
  // The limit itself as a benchmark row, for comparison in the same report.
  for (auto _ : state) benchmark::DoNotOptimize(detail::sum_words(limit_source()));
  report_bytes(state, kLimitBufferBytes, memory_sum_bps(), "sum");
}
BENCHMARK(BM_MemorySumLimit)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace tensorio::bench
