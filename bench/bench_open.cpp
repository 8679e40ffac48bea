// Opening a 1,000-tensor checkpoint in each multi-tensor format, with a 100 MiB and a 4 GiB
// payload: the open must cost the header only (well under 1 ms), the same for both sizes.
//
// The files are written once per process with tensorio::save (1,000 float16 tensors, one
// shared source buffer, so building them costs disk time but little memory) in a scratch
// directory under $TMPDIR, and removed at exit. A format this build cannot write is skipped.
// Reports opens/s (items_per_second) and the mean time per open (up to load()'s return; the
// close that follows is timed apart: the close_us counter), and the median open of the
// repetition (median_us), which a pause of the VM in a few of its opens does not move.
// BM_OpenPair opens the two sizes alternately and reports their medians and ratio.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <vector>

#include "bench/bench_util.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio::bench {
namespace {

constexpr size_t kTensors = 1000;

// Path of the checkpoint for (extension, payload MiB), written on first use; empty when this
// build cannot write the format.
std::filesystem::path checkpoint(const std::string& ext, uint64_t payload_mib) {
  static std::map<std::pair<std::string, uint64_t>, std::filesystem::path> made;
  auto key = std::make_pair(ext, payload_mib);
  if (auto it = made.find(key); it != made.end()) return it->second;
  uint64_t per_tensor = (payload_mib << 20) / kTensors / 2 * 2;
  std::vector<std::byte> source(per_tensor, std::byte{0x3c});
  std::vector<std::string> names;
  std::vector<TensorRef> refs;
  for (size_t i = 0; i < kTensors; ++i)
    names.push_back("model.layers." + std::to_string(i / 10) + ".w" + std::to_string(i % 10) +
                    ".weight");
  for (size_t i = 0; i < kTensors; ++i) {
    refs.push_back({names[i], DType::float16, {per_tensor / 2}, source});
  }
  auto path = scratch_dir() / ("open_" + std::to_string(payload_mib) + "mib" + ext);
  try {
    save(path, refs);
    // Write the file back now: a 4 GiB file still under writeback while the opens are timed
    // makes them swing by ±50 % (flusher threads and page locks), which is not the open's cost.
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd >= 0) {
      (void)::fsync(fd);
      ::close(fd);
    }
  } catch (const Error&) {
    path.clear();
  }
  made[key] = path;
  return path;
}

void BM_Open(benchmark::State& state, const std::string& ext) {
  auto path = checkpoint(ext, static_cast<uint64_t>(state.range(0)));
  if (path.empty()) {
    state.SkipWithError(("this build does not write " + ext).c_str());
    return;
  }
  OpenOptions options;
  options.open_threads = static_cast<unsigned>(state.range(1));  // 0: the library's choice
  Archive warm = load(path, options);  // page the header in: this measures decoding, not the disk
  // The open is timed up to load()'s return; closing (unmapping, freeing the records: a server
  // does it at another time, if ever) is timed apart and reported as close_us. Until session 4
  // the figure was open and close together.
  using clock = std::chrono::steady_clock;
  double close_seconds = 0;
  std::vector<double> open_us;  // each open, for the median (the VM's pauses skew the mean)
  for (auto _ : state) {
    auto start = clock::now();
    clock::time_point opened;
    {
      Archive a = load(path, options);
      opened = clock::now();
      benchmark::DoNotOptimize(a);
    }
    close_seconds += std::chrono::duration<double>(clock::now() - opened).count();
    double seconds = std::chrono::duration<double>(opened - start).count();
    state.SetIterationTime(seconds);
    open_us.push_back(seconds * 1e6);
  }
  if (!open_us.empty()) {
    auto mid = open_us.begin() + static_cast<std::ptrdiff_t>(open_us.size() / 2);
    std::nth_element(open_us.begin(), mid, open_us.end());
    state.counters["median_us"] = *mid;
  }
  state.counters["close_us"] =
      close_seconds * 1e6 /
      static_cast<double>(std::max<benchmark::IterationCount>(1, state.iterations()));
  state.SetItemsProcessed(state.iterations());
  state.counters["tensors"] = static_cast<double>(warm.size());
  state.counters["file_GiB"] = static_cast<double>(warm.file_size()) / (1 << 30);
}

// The two payload sizes opened alternately, one of each per iteration (the order flipped every
// time): on a VM whose host speeds up and slows down within minutes, two benchmarks run a
// minute apart can differ by ±50 % for the same file, while opens a millisecond apart see the
// same phase. Reports the median open of each size (small_us, large_us) and the median of the
// per-iteration ratios large/small (large_over_small), the payload-independence figure.
void BM_OpenPair(benchmark::State& state, const std::string& ext) {
  auto small = checkpoint(ext, 100);
  auto large = checkpoint(ext, 4096);
  if (small.empty() || large.empty()) {
    state.SkipWithError(("this build does not write " + ext).c_str());
    return;
  }
  Archive warm_small = load(small), warm_large = load(large);  // headers paged in
  using clock = std::chrono::steady_clock;
  auto time_open = [](const std::filesystem::path& path) {
    auto start = clock::now();
    Archive a = load(path);
    double us = std::chrono::duration<double, std::micro>(clock::now() - start).count();
    benchmark::DoNotOptimize(a);
    return us;
  };
  std::vector<double> small_us, large_us, ratios;
  bool small_first = true;
  for (auto _ : state) {
    double s = 0, l = 0;
    if (small_first) {
      s = time_open(small);
      l = time_open(large);
    } else {
      l = time_open(large);
      s = time_open(small);
    }
    small_first = !small_first;
    small_us.push_back(s);
    large_us.push_back(l);
    ratios.push_back(l / s);
    state.SetIterationTime((s + l) * 1e-6);
  }
  auto median = [](std::vector<double>& v) {
    if (v.empty()) return 0.0;
    auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
    std::nth_element(v.begin(), mid, v.end());
    return *mid;
  };
  state.counters["small_us"] = median(small_us);
  state.counters["large_us"] = median(large_us);
  state.counters["large_over_small"] = median(ratios);
  state.counters["tensors"] = static_cast<double>(warm_large.size());
}

// npz: also on one thread (the local headers are read and decoded on header_threads() workers).
BENCHMARK_CAPTURE(BM_Open, npz, std::string(".npz"))
    ->Args({100, 0})
    ->Args({4096, 0})
    ->Args({100, 1})
    ->Args({4096, 1})
    ->Args({100, 2})
    ->Unit(benchmark::kMicrosecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_Open, safetensors, std::string(".safetensors"))
    ->Args({100, 0})
    ->Args({4096, 0})
    ->Unit(benchmark::kMicrosecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_Open, gguf, std::string(".gguf"))
    ->Args({100, 0})
    ->Args({4096, 0})
    ->Unit(benchmark::kMicrosecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_OpenPair, npz, std::string(".npz"))
    ->Unit(benchmark::kMicrosecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_OpenPair, safetensors, std::string(".safetensors"))
    ->Unit(benchmark::kMicrosecond)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_OpenPair, gguf, std::string(".gguf"))
    ->Unit(benchmark::kMicrosecond)
    ->UseManualTime();

}  // namespace
}  // namespace tensorio::bench
