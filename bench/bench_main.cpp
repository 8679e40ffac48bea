// The main() every suite links: Google Benchmark's own, so suites only define benchmarks.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
