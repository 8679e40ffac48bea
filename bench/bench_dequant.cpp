// Dequantization throughput per ggml type: float32 values produced per second, reported as
// output bytes/s (4 bytes per value) with `x_memcpy`, the ratio to this machine's RAM-to-RAM
// copy rate measured in the same run. Inputs are 4 Mi elements (16 MiB of float32 out, more
// than L2), so both the block reads and the float writes stream through the cache hierarchy.
//
//   build/bench/bench_dequant                       every type, float32 out
//   build/bench/bench_dequant --benchmark_filter=q4_k
#include <cstring>
#include <vector>

#include "bench/bench_util.hpp"
#include "tensorio/dequantize.hpp"

namespace tensorio::bench {
namespace {

constexpr size_t kElements = size_t{4} << 20;

// Random blocks with realistic scales: the scale fields are overwritten with moderate values so
// that no block produces float32 subnormals (which run at microcode speed on x86 and would
// measure the FPU's slow path rather than the kernel).
std::vector<std::byte> bench_blocks(DType t) {
  const DTypeInfo& info = dtype_info(t);
  const size_t blocks = kElements / info.block_elements;
  std::vector<std::byte> data = pattern_bytes(blocks * info.block_bytes, info.ggml_type + 7);
  auto fix = [&](size_t field, uint16_t half) {
    for (size_t b = 0; b < blocks; ++b) std::memcpy(&data[b * info.block_bytes + field], &half, 2);
  };
  constexpr uint16_t kScale = 0x2E66;  // ≈ 0.1 in fp16
  switch (t) {
    case DType::q4_0:
    case DType::q5_0:
    case DType::q8_0:
    case DType::iq4_nl:
    case DType::q4_1:
    case DType::q5_1:
    case DType::q1_0:
    case DType::q2_0:
    case DType::iq4_xs:
      fix(0, kScale);
      if (t == DType::q4_1 || t == DType::q5_1) fix(2, kScale);
      break;
    case DType::q4_k:
    case DType::q5_k:
      fix(0, kScale);
      fix(2, kScale);
      break;
    case DType::q2_k:
      fix(80, kScale);
      fix(82, kScale);
      break;
    case DType::q3_k: fix(108, kScale); break;
    case DType::q6_k: fix(208, kScale); break;
    case DType::tq1_0: fix(52, kScale); break;
    case DType::tq2_0: fix(64, kScale); break;
    case DType::mxfp4:
      for (size_t b = 0; b < blocks; ++b) data[b * info.block_bytes] = std::byte{120};
      break;
    case DType::q8_k:
      for (size_t b = 0; b < blocks; ++b) {
        const float d = 0.01f;
        std::memcpy(&data[b * info.block_bytes], &d, 4);
      }
      break;
    case DType::float16:  // keep every element a normal half
      for (size_t i = 0; i < data.size(); i += 2) data[i + 1] = std::byte{0x3C};
      break;
    default: break;
  }
  return data;
}

void BM_Dequantize(benchmark::State& state, DType t, DType out_type) {
  const std::vector<std::byte> in = bench_blocks(t);
  std::vector<std::byte> out(kElements * item_size(out_type));
  dequantize(t, in, out_type, out);  // fault the output pages in before timing
  for (auto _ : state) {
    dequantize(t, in, out_type, out);
    benchmark::ClobberMemory();
  }
  report_bytes(state, kElements * item_size(out_type), memcpy_bps(), "memcpy");
  state.counters["in_bytes_per_second"] =
      benchmark::Counter(static_cast<double>(in.size()) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.SetItemsProcessed(static_cast<int64_t>(kElements * state.iterations()));
}

void register_all() {
  for (DType t :
       {DType::float16, DType::bfloat16, DType::q4_0,   DType::q4_1,  DType::q5_0,  DType::q5_1,
        DType::q8_0,    DType::q2_k,     DType::q3_k,   DType::q4_k,  DType::q5_k,  DType::q6_k,
        DType::q8_k,    DType::iq4_nl,   DType::iq4_xs, DType::mxfp4, DType::nvfp4, DType::tq1_0,
        DType::tq2_0,   DType::q1_0,     DType::q2_0}) {
    std::string name = "BM_Dequantize/" + std::string(dtype_name(t));
    benchmark::RegisterBenchmark(name.c_str(), BM_Dequantize, t, DType::float32)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  // The 16-bit output stage, on two representative types.
  for (DType t : {DType::q4_k, DType::q8_0}) {
    std::string name = "BM_Dequantize/" + std::string(dtype_name(t)) + "_to_float16";
    benchmark::RegisterBenchmark(name.c_str(), BM_Dequantize, t, DType::float16)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
}

const int kRegistered = (register_all(), 0);

}  // namespace
}  // namespace tensorio::bench
