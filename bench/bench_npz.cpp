// .npz: stored save / zero-copy open + touch, and compressed save / open + parallel inflation.
//
// The dataset is 8 tensors of 4 MiB int32 values in 0..15 (low entropy, like quantized indices:
// DEFLATE reaches about 0.19 on it) or of random bytes (incompressible). Stored paths are
// bounded by memory: save against memcpy (x_memcpy), open + touch against the in-memory sum
// (x_sum). Compressed paths report payload bytes/s, the archive ratio (`ratio`, lower is
// better) and x_memcpy for scale. Comparisons with NumPy on the same arrays are made by
// bench/npz_vs_numpy.py (the `npz_vs_numpy` benchmark).
#include <benchmark/benchmark.h>

#include <random>

#include "bench/bench_util.hpp"
#include "tensorio/npz.hpp"
#include "tensorio/read.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio::bench {
namespace {

constexpr size_t kTensors = 8;
constexpr size_t kTensorBytes = size_t{4} << 20;

struct Dataset {
  std::vector<std::vector<std::byte>> storage;
  std::vector<TensorRef> refs;
  uint64_t bytes = 0;
};

// kind 0: int32 in 0..15; kind 1: random bytes.
const Dataset& dataset(int kind) {
  static Dataset sets[2];
  Dataset& d = sets[kind];
  if (!d.refs.empty()) return d;
  std::mt19937 rng(42 + kind);
  for (size_t t = 0; t < kTensors; ++t) {
    if (kind == 0) {
      std::vector<std::byte> b(kTensorBytes);
      for (size_t i = 0; i < b.size(); i += 4) {
        uint32_t v = rng() & 15;
        std::memcpy(b.data() + i, &v, 4);
      }
      d.storage.push_back(std::move(b));
    } else {
      d.storage.push_back(pattern_bytes(kTensorBytes, static_cast<uint32_t>(t + 1)));
    }
    d.refs.push_back({"t" + std::to_string(t), DType::int32, {kTensorBytes / 4}, d.storage.back()});
    d.bytes += kTensorBytes;
  }
  return d;
}

const char* kind_label(int kind) { return kind == 0 ? "int32 0..15" : "random bytes"; }

void BM_NpzSaveStored(benchmark::State& state) {
  const Dataset& d = dataset(1);
  auto path = scratch_dir() / "stored.npz";
  for (auto _ : state) save_npz(path, d.refs);
  report_bytes(state, d.bytes, memcpy_bps(), "memcpy");
}
BENCHMARK(BM_NpzSaveStored)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_NpzOpenTouchStored(benchmark::State& state) {
  const Dataset& d = dataset(1);
  auto path = scratch_dir() / "stored_read.npz";
  save_npz(path, d.refs);
  for (auto _ : state) {
    Archive a = open_npz(path);
    uint64_t acc = 0;
    for (const TensorView& v : a.tensors()) acc += detail::sum_words(v.data());
    benchmark::DoNotOptimize(acc);
  }
  report_bytes(state, d.bytes, memory_sum_bps(), "sum");
}
BENCHMARK(BM_NpzOpenTouchStored)->Unit(benchmark::kMillisecond)->UseRealTime();

// Args: data kind, level.
void BM_NpzSaveCompressed(benchmark::State& state) {
  int kind = static_cast<int>(state.range(0));
  const Dataset& d = dataset(kind);
  SaveOptions o;
  o.compress = true;
  o.compression_level = static_cast<int>(state.range(1));
  auto path = scratch_dir() / "compressed.npz";
  for (auto _ : state) save_npz(path, d.refs, o);
  report_bytes(state, d.bytes, memcpy_bps(), "memcpy");
  state.counters["ratio"] =
      static_cast<double>(std::filesystem::file_size(path)) / static_cast<double>(d.bytes);
  state.SetLabel(kind_label(kind));
}
BENCHMARK(BM_NpzSaveCompressed)
    ->Args({0, 1})
    ->Args({0, 6})
    ->Args({1, 6})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_NpzOpenInflate(benchmark::State& state) {
  int kind = static_cast<int>(state.range(0));
  const Dataset& d = dataset(kind);
  SaveOptions o;
  o.compress = true;
  auto path = scratch_dir() / ("inflate_" + std::to_string(kind) + ".npz");
  save_npz(path, d.refs, o);
  for (auto _ : state) {
    Archive a = open_npz(path);
    prefetch(a);
    uint64_t acc = 0;
    for (const TensorView& v : a.tensors()) acc += detail::sum_words(v.data());
    benchmark::DoNotOptimize(acc);
  }
  report_bytes(state, d.bytes, memcpy_bps(), "memcpy");
  state.SetLabel(kind_label(kind));
}
BENCHMARK(BM_NpzOpenInflate)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace tensorio::bench
