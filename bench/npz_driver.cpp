// npz_bench_driver — the tensorio side of bench/npz_vs_numpy.py, timed in-process so that the
// comparison with NumPy (also timed in-process) excludes interpreter and process start-up.
//
//   npz_bench_driver save SRC.npz OUT.npz RUNS [LEVEL THREADS]   stored, or compressed at LEVEL
//   npz_bench_driver load FILE.npz RUNS
//   npz_bench_driver open FILE.npz RUNS
//   npz_bench_driver serve                   then "open FILE RUNS" lines on stdin
//   npz_bench_driver verify FILE RUNS
//
// `save` opens SRC (any archive; its arrays are the inputs), makes them resident, then times RUNS
// saves of all of them to OUT (stored without LEVEL; savez_compressed at LEVEL on THREADS
// workers, 0 = all cores). `load` times RUNS of: open FILE, prefetch() (inflating deflated
// members on all cores; zero-copy stored members are mapped), then read every byte of every
// tensor. `open` times RUNS opens alone (load() up to its return; the close is not timed), for
// bench/npz_open_vs_numpy.py. `serve` answers `open` requests read from stdin, one JSON line
// each, in one process that stays warm between them, as the NumPy side's interpreter does.
// `verify` times, alternately, verify() and read_all() into one reused, already touched buffer per
// tensor, each on an archive just opened (the open is not timed): both inflate every deflated
// member on all cores; verify() keeps nothing, read_all() copies into the caller's buffers.
// It prints {"verify_seconds": [...], "read_all_seconds": [...], "bytes": payload bytes}.
// The other commands print one JSON object: {"seconds": [...], "cpu_seconds": [...],
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

// `runs` opens of `path`, each timed from the call to load() to its return (the close is not
// timed).
void time_opens(const char* path, int runs) {
  std::vector<double> secs, cpu;
  uint64_t tensors = 0;
  for (int i = 0; i < runs; ++i) {
    double c0 = cpu_now();
    auto t0 = Clock::now();
    tensorio::Archive a = tensorio::load(path);
    secs.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    cpu.push_back(cpu_now() - c0);
    tensors = a.size();
  }
  print(secs, cpu, tensors, std::filesystem::file_size(path));
}

// `runs` rounds of verify() and read_all() of `path`, alternating (see the top of the file).
int time_verify(const char* path, int runs) {
  std::vector<double> verify_secs, read_secs;
  std::vector<std::vector<std::byte>> buffers;
  uint64_t bytes = 0;
  {
    tensorio::Archive a = tensorio::load(path);
    for (const auto& v : a.tensors()) {
      buffers.emplace_back(v.nbytes(), std::byte{1});  // touched: no page faults in the timing
      bytes += v.nbytes();
    }
  }
  std::vector<std::span<std::byte>> dsts(buffers.begin(), buffers.end());
  size_t problems = 0;
  for (int i = 0; i < runs; ++i) {
    {
      tensorio::Archive a = tensorio::load(path);
      auto t0 = Clock::now();
      problems += tensorio::verify(a).size();
      verify_secs.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    {
      tensorio::Archive a = tensorio::load(path);
      auto t0 = Clock::now();
      (void)tensorio::read_all(a, dsts);
      read_secs.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
  }
  if (problems) {
    std::fprintf(stderr, "npz_bench_driver: verify found %zu problems in %s\n", problems, path);
    return 1;
  }
  auto list = [](const std::vector<double>& v) {
    for (size_t i = 0; i < v.size(); ++i) std::printf("%s%.6f", i ? ", " : "", v[i]);
  };
  std::printf("{\"verify_seconds\": [");
  list(verify_secs);
  std::printf("], \"read_all_seconds\": [");
  list(read_secs);
  std::printf("], \"bytes\": %llu}\n", static_cast<unsigned long long>(bytes));
  return 0;
}

// Answers "open PATH RUNS" lines until stdin ends; a failed open is reported on its own line
// as {"error": ...} and the loop goes on.
int serve() {
  char line[4096];
  while (std::fgets(line, sizeof line, stdin)) {
    char path[4000];
    int runs = 0;
    if (std::sscanf(line, "open %3999s %d", path, &runs) != 2 || runs <= 0) {
      std::printf("{\"error\": \"expected: open PATH RUNS\"}\n");
    } else {
      try {
        time_opens(path, runs);
      } catch (const tensorio::Error& e) {
        std::string_view name = tensorio::error_code_name(e.code());
        std::printf("{\"error\": \"%.*s\"}\n", static_cast<int>(name.size()), name.data());
      }
    }
    std::fflush(stdout);
  }
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: npz_bench_driver save SRC OUT RUNS [LEVEL THREADS] | load FILE RUNS |"
               " open FILE RUNS | serve | verify FILE RUNS\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 2 && std::string(argv[1]) == "serve") return serve();
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
    if (cmd == "verify" && argc == 4) return time_verify(argv[2], std::atoi(argv[3]));
    if (cmd == "open" && argc == 4) {
      time_opens(argv[2], std::atoi(argv[3]));
      return 0;
    }
    return usage();
  } catch (const tensorio::Error& e) {
    std::fprintf(stderr, "npz_bench_driver: %s\n", e.what());
    return 1;
  }
}
