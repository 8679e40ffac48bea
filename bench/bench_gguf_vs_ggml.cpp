// Opening a llama-sized gguf header: 150,000 vocabulary strings (+ scores and token types),
// 50,000 merges and 300 tensor infos — tensorio's open (mmap + full validation, strings left
// in place) against ggml's gguf_init_from_file with no_alloc (metadata only), on the same file
// in the same run. ggml comes from the prebuilt libggml-base.so (scripts/fetch-ggml), dlopen'ed
// through the interop harness's declarations; without it the ggml rows report an error and the
// tensorio rows still run.
//
//   build/bench/bench_gguf_vs_ggml
//   build/bench/bench_gguf_vs_ggml --benchmark_repetitions=5 --benchmark_report_aggregates_only
//
// BM_GgufOpenPair alternates the two readers in one loop and reports their median wall times
// and `speedup` = ggml median / tensorio median, so machine noise hits both alike; `*_cpu_ms`
// and `cpu_speedup` are the same from the thread's CPU clock (user + system, page faults
// included), which stays meaningful when other processes compete for the cores.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench_util.hpp"
#include "ggml_api.hpp"
#include "tensorio/gguf.hpp"
#include "tensorio/tensorio.hpp"

#ifndef TENSORIO_GGML_DEFAULT_LIB
#define TENSORIO_GGML_DEFAULT_LIB "third_party/ggml/libggml-base.so"
#endif

namespace tensorio::bench {
namespace {

constexpr size_t kTokens = 150'000;
constexpr size_t kMerges = 50'000;
constexpr size_t kTensors = 300;

// Token-like strings: 1-12 bytes, some with the SentencePiece word marker.
std::string token(size_t i) {
  std::string s = (i % 3 == 0) ? "\xe2\x96\x81" : "";
  const size_t len = 1 + (i * 2654435761u) % 10;
  for (size_t k = 0; k < len; ++k) s += static_cast<char>('a' + (i / (k + 1) + k * 7) % 26);
  return s;
}

const std::filesystem::path& vocab_file() {
  static const std::filesystem::path path = [] {
    std::filesystem::path p = scratch_dir() / "vocab150k.gguf";
    std::vector<std::string> tokens, merges;
    tokens.reserve(kTokens);
    for (size_t i = 0; i < kTokens; ++i) tokens.push_back(token(i));
    merges.reserve(kMerges);
    for (size_t i = 0; i < kMerges; ++i) merges.push_back(token(i) + " " + token(i * 7 + 1));
    std::vector<float> scores(kTokens);
    std::vector<int32_t> types(kTokens, 1);
    for (size_t i = 0; i < kTokens; ++i) scores[i] = -static_cast<float>(i);
    std::vector<GgufKeyValue> md;
    md.push_back({"general.architecture", GgufValue("llama")});
    md.push_back({"general.name", GgufValue("bench-150k")});
    md.push_back({"llama.context_length", GgufValue(uint32_t{8192})});
    md.push_back({"llama.embedding_length", GgufValue(uint32_t{4096})});
    md.push_back({"llama.block_count", GgufValue(uint32_t{32})});
    md.push_back({"llama.rope.freq_base", GgufValue(500000.0f)});
    md.push_back({"tokenizer.ggml.model", GgufValue("gpt2")});
    md.push_back({"tokenizer.ggml.tokens", GgufValue::string_array(std::move(tokens))});
    md.push_back({"tokenizer.ggml.scores", GgufValue::array(scores)});
    md.push_back({"tokenizer.ggml.token_type", GgufValue::array(types)});
    md.push_back({"tokenizer.ggml.merges", GgufValue::string_array(std::move(merges))});
    // 300 small tensors (the header is what is measured; the data stays small).
    std::vector<std::byte> payload = pattern_bytes(18 * 8 * 4);  // q4_0 [4, 256]
    std::vector<TensorRef> refs;
    for (size_t i = 0; i < kTensors; ++i) {
      refs.push_back({"blk." + std::to_string(i / 9) + ".attn_" + std::to_string(i % 9) + ".weight",
                      DType::q4_0,
                      {4, 256},
                      payload});
    }
    save_gguf(p, refs, md);
    return p;
  }();
  return path;
}

const ggml_peer::Api* ggml() {
  static ggml_peer::Api api;
  static const bool ok = [] {
    const char* env = std::getenv("TENSORIO_GGML_LIB");
    std::string error;
    return api.load(env && *env ? env : TENSORIO_GGML_DEFAULT_LIB, error);
  }();
  return ok ? &api : nullptr;
}

void open_tensorio(const std::string& path) {
  Archive a = load(path);
  benchmark::DoNotOptimize(a.size());
}

bool open_ggml(const ggml_peer::Api& api, const std::string& path) {
  ggml_peer::gguf_context* ctx = api.gguf_init_from_file(path.c_str(), {true, nullptr});
  if (ctx == nullptr) return false;
  benchmark::DoNotOptimize(api.gguf_get_n_kv(ctx));
  api.gguf_free(ctx);
  return true;
}

void BM_GgufOpenTensorio(benchmark::State& state) {
  const std::string path = vocab_file().string();
  for (auto _ : state) open_tensorio(path);
  state.counters["file_MB"] = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
}
BENCHMARK(BM_GgufOpenTensorio)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_GgufOpenGgml(benchmark::State& state) {
  const ggml_peer::Api* api = ggml();
  if (api == nullptr) {
    state.SkipWithError("libggml-base.so not available (scripts/fetch-ggml)");
    return;
  }
  const std::string path = vocab_file().string();
  for (auto _ : state) {
    if (!open_ggml(*api, path)) state.SkipWithError("ggml rejected the file");
  }
}
BENCHMARK(BM_GgufOpenGgml)->Unit(benchmark::kMillisecond)->UseRealTime();

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

void BM_GgufOpenPair(benchmark::State& state) {
  const ggml_peer::Api* api = ggml();
  if (api == nullptr) {
    state.SkipWithError("libggml-base.so not available (scripts/fetch-ggml)");
    return;
  }
  const std::string path = vocab_file().string();
  std::vector<double> ours, theirs, ours_cpu, theirs_cpu;
  for (auto _ : state) {
    const double c0 = thread_cpu_ms();
    const auto t0 = std::chrono::steady_clock::now();
    open_tensorio(path);
    const auto t1 = std::chrono::steady_clock::now();
    const double c1 = thread_cpu_ms();
    open_ggml(*api, path);
    const auto t2 = std::chrono::steady_clock::now();
    const double c2 = thread_cpu_ms();
    ours.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    theirs.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    ours_cpu.push_back(c1 - c0);
    theirs_cpu.push_back(c2 - c1);
    state.SetIterationTime(std::chrono::duration<double>(t2 - t0).count());
  }
  const double m_ours = median(ours), m_theirs = median(theirs);
  const double c_ours = median(ours_cpu), c_theirs = median(theirs_cpu);
  state.counters["tensorio_ms"] = m_ours;
  state.counters["ggml_ms"] = m_theirs;
  state.counters["speedup"] = m_ours > 0 ? m_theirs / m_ours : 0;
  state.counters["tensorio_cpu_ms"] = c_ours;
  state.counters["ggml_cpu_ms"] = c_theirs;
  state.counters["cpu_speedup"] = c_ours > 0 ? c_theirs / c_ours : 0;
}
BENCHMARK(BM_GgufOpenPair)->Unit(benchmark::kMillisecond)->UseManualTime()->MinTime(2.0);

}  // namespace
}  // namespace tensorio::bench
