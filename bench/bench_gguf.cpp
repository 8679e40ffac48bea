// .gguf: opening a llama-shaped file whose header holds a 150,000-string vocabulary, 50,000
// merges and 300 tensor infos (tests/tools/big_gguf.cpp writes it).
//
// Open decodes and validates every key/value and tensor info, walking each vocabulary string
// once without allocating. Its limit is summing the same header bytes already in memory
// (x_sum = 1.0 would mean validation costs no more than reading the header once). The lazy
// vocabulary index is measured separately, as the cost of the first random token lookup.
#include <benchmark/benchmark.h>

#include "bench/bench_util.hpp"
#include "core/archive_state.hpp"
#include "core/internals.hpp"
#include "tensorio/gguf.hpp"
#include "tests/tools/big_gguf.hpp"

namespace tensorio::bench {
namespace {

const std::filesystem::path& big_file() {
  static const std::filesystem::path path = [] {
    auto p = scratch_dir() / "llama_vocab150k.gguf";
    testing::write_big_gguf(p);
    return p;
  }();
  return path;
}

uint64_t header_bytes() {
  static const uint64_t n = gguf_file(open_gguf(big_file())).data_offset();
  return n;
}

void BM_GgufOpen(benchmark::State& state) {
  const auto& path = big_file();
  for (auto _ : state) benchmark::DoNotOptimize(open_gguf(path));
  state.SetItemsProcessed(state.iterations());
  report_bytes(state, header_bytes(), memory_sum_bps(), "sum");
  state.SetLabel("header " + std::to_string(header_bytes()) +
                 " B: 150k tokens, 50k merges, 300 tensors");
}
BENCHMARK(BM_GgufOpen)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_GgufOpenFirstTokenLookup(benchmark::State& state) {
  const auto& path = big_file();
  for (auto _ : state) {
    Archive a = open_gguf(path);
    auto tokens = gguf_file(a).metadata().array("tokenizer.ggml.tokens");
    benchmark::DoNotOptimize(tokens.at<std::string_view>(tokens.size() / 2));
  }
  report_bytes(state, header_bytes(), memory_sum_bps(), "sum");
}
BENCHMARK(BM_GgufOpenFirstTokenLookup)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_GgufHeaderSumLimit(benchmark::State& state) {
  // Reading the header bytes once, from the mapping, with nothing decoded: the floor for open.
  Archive a = open_gguf(big_file());
  auto bytes = Internals::state(a).files.front()->bytes().first(header_bytes());
  for (auto _ : state) benchmark::DoNotOptimize(detail::sum_words(bytes));
  report_bytes(state, bytes.size(), memory_sum_bps(), "sum");
}
BENCHMARK(BM_GgufHeaderSumLimit)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace tensorio::bench
