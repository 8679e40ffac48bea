// CRC-32 and DEFLATE through libdeflate, the codec the npz reader and writer use, on bytes
// shaped like real weights (bfloat16 of a bell-shaped distribution: high bytes repeat, low bytes
// are noise, so they compress a little, as real checkpoints do). Throughput is of the
// uncompressed bytes; x_sum is the ratio to summing the same amount of RAM. BM_HeaderPrefix is
// what opening a compressed npz pays per member: the first 128 bytes (an npy preamble) of a
// member compressed like np.savez_compressed's, decoded by the prefix decoder.
#include <benchmark/benchmark.h>
#include <libdeflate.h>

#include <cmath>
#include <cstring>
#include <string>

#include "bench/bench_util.hpp"
#include "zip/deflate_prefix.hpp"

namespace tensorio::bench {
namespace {

constexpr size_t kPayload = size_t{16} << 20;

const std::vector<std::byte>& weights() {
  static const std::vector<std::byte> bytes = [] {
    std::vector<std::byte> out(kPayload);
    uint32_t x = 12345;
    for (size_t i = 0; i + 1 < out.size(); i += 2) {
      // Sum of four uniforms: roughly normal, scaled like initialized weights.
      float v = 0;
      for (int k = 0; k < 4; ++k) {
        x = x * 1664525u + 1013904223u;
        v += static_cast<float>(x >> 8) / 16777216.0f - 0.5f;
      }
      v *= 0.02f;
      uint32_t bits;
      std::memcpy(&bits, &v, 4);
      uint16_t bf16 = static_cast<uint16_t>(bits >> 16);
      std::memcpy(&out[i], &bf16, 2);
    }
    return out;
  }();
  return bytes;
}

void BM_Crc32(benchmark::State& state) {
  const auto& in = weights();
  for (auto _ : state) benchmark::DoNotOptimize(libdeflate_crc32(0, in.data(), in.size()));
  report_bytes(state, in.size(), memory_sum_bps(), "sum");
}
BENCHMARK(BM_Crc32)->Unit(benchmark::kMillisecond)->UseRealTime();

std::vector<std::byte> compressed(int level) {
  const auto& in = weights();
  libdeflate_compressor* c = libdeflate_alloc_compressor(level);
  std::vector<std::byte> out(libdeflate_deflate_compress_bound(c, in.size()));
  size_t n = libdeflate_deflate_compress(c, in.data(), in.size(), out.data(), out.size());
  libdeflate_free_compressor(c);
  out.resize(n);
  return out;
}

void BM_Deflate(benchmark::State& state) {
  int level = static_cast<int>(state.range(0));
  const auto& in = weights();
  libdeflate_compressor* c = libdeflate_alloc_compressor(level);
  std::vector<std::byte> out(libdeflate_deflate_compress_bound(c, in.size()));
  size_t n = 0;
  for (auto _ : state) {
    n = libdeflate_deflate_compress(c, in.data(), in.size(), out.data(), out.size());
    benchmark::DoNotOptimize(n);
  }
  libdeflate_free_compressor(c);
  report_bytes(state, in.size(), memory_sum_bps(), "sum");
  state.counters["ratio"] = static_cast<double>(n) / static_cast<double>(in.size());
}
BENCHMARK(BM_Deflate)->Arg(1)->Arg(6)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Inflate(benchmark::State& state) {
  const auto& in = weights();
  auto packed = compressed(static_cast<int>(state.range(0)));
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  std::vector<std::byte> out(in.size());
  for (auto _ : state) {
    size_t got = 0;
    auto r = libdeflate_deflate_decompress(d, packed.data(), packed.size(), out.data(), out.size(),
                                           &got);
    if (r != LIBDEFLATE_SUCCESS || got != in.size()) state.SkipWithError("inflate failed");
  }
  libdeflate_free_decompressor(d);
  report_bytes(state, in.size(), memory_sum_bps(), "sum");
}
BENCHMARK(BM_Inflate)->Arg(1)->Arg(6)->Unit(benchmark::kMillisecond)->UseRealTime();

// 64 members, each a 128-byte npy preamble and 256 KiB of the weights (a different window per
// member), at zlib's default level; one iteration decodes the first 128 bytes of every member.
// Reports members per second (items_per_second) and the CPU time per member (per_member).
void BM_HeaderPrefix(benchmark::State& state) {
  constexpr size_t kMembers = 64;
  constexpr size_t kMemberPayload = size_t{256} << 10;
  const auto& w = weights();
  std::vector<std::vector<std::byte>> members;
  libdeflate_compressor* c = libdeflate_alloc_compressor(6);
  for (size_t m = 0; m < kMembers; ++m) {
    std::string dict = "{'descr': '<f2', 'fortran_order': False, 'shape': (" +
                       std::to_string(128 + m) + ", 1024), }";
    std::string pre = "\x93NUMPY\x01";
    pre += '\0';
    pre += static_cast<char>(118);
    pre += '\0';
    pre += dict + std::string(117 - dict.size(), ' ') + "\n";
    std::vector<std::byte> in(pre.size() + kMemberPayload);
    std::memcpy(in.data(), pre.data(), pre.size());
    std::memcpy(in.data() + pre.size(), w.data() + m * (w.size() - kMemberPayload) / kMembers,
                kMemberPayload);
    std::vector<std::byte> out(libdeflate_deflate_compress_bound(c, in.size()));
    out.resize(libdeflate_deflate_compress(c, in.data(), in.size(), out.data(), out.size()));
    members.push_back(std::move(out));
  }
  libdeflate_free_compressor(c);
  zip::DeflateSource source{"bench", 0, {}};
  std::byte head[128];
  for (auto _ : state) {
    for (const auto& z : members) {
      auto p = zip::inflate_prefix_into(z, head, source);
      benchmark::DoNotOptimize(p.produced);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kMembers));
  state.counters["per_member"] =
      benchmark::Counter(static_cast<double>(state.iterations() * kMembers),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_HeaderPrefix)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tensorio::bench
