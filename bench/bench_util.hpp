// Shared by every Google Benchmark suite in bench/: the machine's own limits, measured in the
// same process that runs the benchmarks, and the counters that relate a result to them.
//
// Every suite reports bytes/s (or items/s) and, next to it, `x_<limit>`: the ratio of its
// throughput to the limit that bounds it on this machine (1.0 = as fast as the hardware allows).
//   memory_sum_bps()  reading RAM: summing an in-memory buffer with the touch kernel
//   memcpy_bps()      copying RAM to RAM
// The limits are measured once per process, on a 1 GiB buffer (beyond any last-level cache; this
// machine has 300 MiB of L3), as the best of a few passes. Files a suite needs go to scratch_dir(),
// removed at exit.
#pragma once

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/byte_sum.hpp"

namespace tensorio::bench {

inline constexpr size_t kLimitBufferBytes = size_t{1} << 30;

// Best-of-5 bytes/s of `pass`, a function that processes kLimitBufferBytes.
template <typename Pass>
double best_bps(Pass pass) {
  double best = 0;
  for (int i = 0; i < 5; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    pass();
    std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
    best = std::max(best, static_cast<double>(kLimitBufferBytes) / dt.count());
  }
  return best;
}

inline std::vector<std::byte>& limit_source() {
  // Filled with non-zero bytes so no page is the shared zero page.
  static std::vector<std::byte> buf(kLimitBufferBytes, std::byte{0x5a});
  return buf;
}

inline double memory_sum_bps() {
  static const double bps =
      best_bps([] { benchmark::DoNotOptimize(detail::sum_words(limit_source())); });
  return bps;
}

inline double memcpy_bps() {
  static const double bps = [] {
    std::vector<std::byte> dst(kLimitBufferBytes, std::byte{1});
    return best_bps([&] {
      std::memcpy(dst.data(), limit_source().data(), dst.size());
      benchmark::ClobberMemory();
    });
  }();
  return bps;
}

// Sets bytes/s and `x_<limit_name>` (throughput / limit) for `bytes_per_iteration`.
inline void report_bytes(benchmark::State& state, uint64_t bytes_per_iteration, double limit_bps,
                         const char* limit_name) {
  double total = static_cast<double>(bytes_per_iteration) * static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(total));
  state.counters[std::string("x_") + limit_name] =
      benchmark::Counter(total / limit_bps, benchmark::Counter::kIsRate);
}

// A private directory for the suite's files, removed when the process exits.
inline const std::filesystem::path& scratch_dir() {
  struct Dir {
    std::filesystem::path path;
    Dir() {
      path =
          std::filesystem::temp_directory_path() / ("tensorio-bench-" + std::to_string(::getpid()));
      std::filesystem::create_directories(path);
    }
    ~Dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const Dir dir;
  return dir.path;
}

// Deterministic non-zero bytes (a payload of zeros could be special-cased by someone).
inline std::vector<std::byte> pattern_bytes(size_t n, uint32_t seed = 1) {
  std::vector<std::byte> out(n);
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    out[i] = static_cast<std::byte>(x >> 24);
  }
  return out;
}

}  // namespace tensorio::bench
