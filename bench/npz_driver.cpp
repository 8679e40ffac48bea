// npz_bench_driver — the tensorio side of bench/npz_vs_numpy.py, timed in-process so that the
// comparison with NumPy (also timed in-process) excludes interpreter and process start-up.
//
//   npz_bench_driver save SRC.npz OUT.npz RUNS [LEVEL THREADS]   stored, or compressed at LEVEL
//   npz_bench_driver load FILE.npz RUNS
//   npz_bench_driver open FILE.npz RUNS
//
// `save` opens SRC (any archive; its arrays are the inputs), makes them resident, then times RUNS
// saves of all of them to OUT (stored without LEVEL; savez_compressed at LEVEL on THREADS
// workers, 0 = all cores). `load` times RUNS of: open FILE, prefetch() (inflating deflated
// members on all cores; zero-copy stored members are mapped), then read every byte of every
// tensor. `open` times RUNS opens alone (load() up to its return; the close is not timed), for
// bench/npz_open_vs_numpy.py. Prints one JSON object: {"seconds": [...], "cpu_seconds": [...],
// "bytes": payload bytes (`open`: the tensor count), "file_bytes": N}; cpu_seconds is user + system
// time of all threads (getrusage), which a loaded machine inflates far less than wall time.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/byte_sum.hpp"
#include "tensorio/npz.hpp"
#include "tensorio/read.hpp"
#include "tensorio/tensorio.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double cpu_now() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

uint64_t touch_all(const tensorio::Archive& a) {
  uint64_t acc = 0;
  for (const tensorio::TensorView& v : a.tensors()) acc += tensorio::detail::sum_words(v.data());
  return acc;
}

void print(const std::vector<double>& secs, const std::vector<double>& cpu, uint64_t bytes,
           uint64_t file_bytes) {
  std::printf("{\"seconds\": [");
  for (size_t i = 0; i < secs.size(); ++i) std::printf("%s%.6f", i ? ", " : "", secs[i]);
  std::printf("], \"cpu_seconds\": [");
  for (size_t i = 0; i < cpu.size(); ++i) std::printf("%s%.6f", i ? ", " : "", cpu[i]);
  std::printf("], \"bytes\": %llu, \"file_bytes\": %llu}\n", static_cast<unsigned long long>(bytes),
              static_cast<unsigned long long>(file_bytes));
}

int usage() {
  std::fprintf(stderr,
               "usage: npz_bench_driver save SRC OUT RUNS [LEVEL THREADS] | load FILE RUNS |"
               " open FILE RUNS\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 4) return usage();
    std::string cmd = argv[1];
    volatile uint64_t sink = 0;
    std::vector<double> secs, cpu;
    if (cmd == "save" && (argc == 5 || argc == 7)) {
      tensorio::Archive src = tensorio::load(argv[2]);
      sink = sink + touch_all(src);
      std::vector<tensorio::TensorRef> refs;
      uint64_t bytes = 0;
      for (const auto& v : src.tensors()) {
        refs.push_back(tensorio::TensorRef::from_view(v));
        bytes += v.nbytes();
      }
      tensorio::SaveOptions o;
      if (argc == 7) {
        o.compress = true;
        o.compression_level = std::atoi(argv[5]);
        o.threads = static_cast<unsigned>(std::atoi(argv[6]));
      }
      int runs = std::atoi(argv[4]);
      for (int i = 0; i < runs; ++i) {
        double c0 = cpu_now();
        auto t0 = Clock::now();
        tensorio::save_npz(argv[3], refs, o);
        secs.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
        cpu.push_back(cpu_now() - c0);
      }
      print(secs, cpu, bytes, std::filesystem::file_size(argv[3]));
      return 0;
    }
    if (cmd == "load" && argc == 4) {
      int runs = std::atoi(argv[3]);
      uint64_t bytes = 0;
      for (int i = 0; i < runs; ++i) {
        double c0 = cpu_now();
        auto t0 = Clock::now();
        tensorio::Archive a = tensorio::load(argv[2]);
        tensorio::prefetch(a);
        sink = sink + touch_all(a);
        secs.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
        cpu.push_back(cpu_now() - c0);
        bytes = 0;
        for (const auto& v : a.tensors()) bytes += v.nbytes();
      }
      print(secs, cpu, bytes, std::filesystem::file_size(argv[2]));
      return 0;
    }
    if (cmd == "open" && argc == 4) {
      int runs = std::atoi(argv[3]);
      uint64_t tensors = 0;
      for (int i = 0; i < runs; ++i) {
        double c0 = cpu_now();
        auto t0 = Clock::now();
        tensorio::Archive a = tensorio::load(argv[2]);
        secs.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
        cpu.push_back(cpu_now() - c0);
        tensors = a.size();
      }
      print(secs, cpu, tensors, std::filesystem::file_size(argv[2]));
      return 0;
    }
    return usage();
  } catch (const tensorio::Error& e) {
    std::fprintf(stderr, "npz_bench_driver: %s\n", e.what());
    return 1;
  }
}
