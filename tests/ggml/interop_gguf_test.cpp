// gguf interop with ggml's own reader and writer (libggml-base, driven by ggml_harness in a
// child process):
//   * files ggml writes (every metadata type, a tensor of every ggml type) read by tensorio
//     with identical keys, value types, values, tensor names, types, ne[], offsets, sizes and
//     bytes;
//   * files tensorio writes read by ggml — metadata-only and with its data loader, which also
//     checks the padding after the last tensor — with identical results;
//   * a ggml file rewritten by tensorio comes out byte for byte identical.
// Both sides render their view with tests/ggml/dump_format.hpp; the texts must be equal.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "dump_format.hpp"
#include "harness_client.hpp"
#include "tensorio/gguf.hpp"
#include "tensorio/tensorio.hpp"
#include "tensorio_dump.hpp"

namespace fs = std::filesystem;
namespace df = dump_format;
using ggml_peer::tensorio_dump;
using tensorio::DType;
using tensorio::GgufKeyValue;
using tensorio::GgufType;
using tensorio::GgufValue;

namespace {

// "" when equal, else the first differing line of each side.
std::string first_line_difference(const std::string& ours, const std::string& theirs) {
  std::istringstream a(ours), b(theirs);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ha = static_cast<bool>(std::getline(a, la));
    const bool hb = static_cast<bool>(std::getline(b, lb));
    if (!ha && !hb) return "";
    if (!ha || !hb || la != lb) {
      return "line " + std::to_string(line) + ":\n  tensorio: " + (ha ? la : "<end>") +
             "\n  ggml:     " + (hb ? lb : "<end>");
    }
  }
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

fs::path scratch(const std::string& name) { return fs::path(ggml_peer::scratch_dir()) / name; }

class GgmlWritten : public ::testing::TestWithParam<std::string> {};

TEST_P(GgmlWritten, TensorioReadsWhatGgmlReads) {
  const fs::path file = scratch("ggml_" + GetParam() + ".gguf");
  ASSERT_EQ(ggml_peer::run_harness({"write", GetParam(), file.string()}).exit_code, 0);
  auto theirs = ggml_peer::run_harness({"dump", file.string()});
  ASSERT_EQ(theirs.exit_code, 0);
  const std::string ours = tensorio_dump(file);
  EXPECT_EQ(first_line_difference(ours, theirs.out), "");
  if (GetParam() == "all") {
    // The spec really covers everything: 13 value types, arrays of 12, and a tensor of each
    // of the 35 ggml types that have a block size (43 enum values less 8 removed ones).
    EXPECT_NE(ours.find("\"type\":\"f64\""), std::string::npos);
    EXPECT_NE(ours.find("\"elem\":\"str\""), std::string::npos);
    const auto a = tensorio::load(file);
    EXPECT_EQ(a.size(), 35u);
  }
}

INSTANTIATE_TEST_SUITE_P(Specs, GgmlWritten, ::testing::Values("all", "kv-only", "tensors-only"),
                         [](const auto& p) {
                           std::string n = p.param;
                           for (char& c : n) c = c == '-' ? '_' : c;
                           return n;
                         });

TEST(GgmlWritten, TensorioRewritesThemByteForByte) {
  const fs::path in = scratch("ggml_rewrite_in.gguf");
  const fs::path out = scratch("ggml_rewrite_out.gguf");
  ASSERT_EQ(ggml_peer::run_harness({"write", "all", in.string()}).exit_code, 0);
  {
    const auto a = tensorio::load(in);
    std::vector<tensorio::TensorRef> refs;
    for (const auto& v : a.tensors()) refs.push_back(tensorio::TensorRef::from_view(v));
    const auto md = tensorio::copy_gguf_metadata(tensorio::gguf_file(a).metadata());
    tensorio::save_gguf(out, refs, md);
  }
  EXPECT_TRUE(slurp(in) == slurp(out)) << "tensorio's rewrite of a ggml file differs from it";
}

// Every metadata type tensorio can write that ggml can read (no nested arrays).
std::vector<GgufKeyValue> all_metadata() {
  std::vector<GgufKeyValue> kv;
  kv.push_back({"general.architecture", GgufValue("llama")});
  kv.push_back({"t.u8", GgufValue(uint8_t{200})});
  kv.push_back({"t.i8", GgufValue(int8_t{-7})});
  kv.push_back({"t.u16", GgufValue(uint16_t{65535})});
  kv.push_back({"t.i16", GgufValue(int16_t{-32768})});
  kv.push_back({"t.u32", GgufValue(uint32_t{4096})});
  kv.push_back({"t.i32", GgufValue(int32_t{-1})});
  kv.push_back({"t.f32", GgufValue(1e-5f)});
  kv.push_back({"t.bool", GgufValue(true)});
  kv.push_back({"t.str", GgufValue("tok\xc3\xa9n \"quoted\"")});
  kv.push_back({"t.u64", GgufValue(uint64_t{1} << 63)});
  kv.push_back({"t.i64", GgufValue(int64_t{-5})});
  kv.push_back({"t.f64", GgufValue(0.1)});
  kv.push_back({"a.u8", GgufValue::array(std::vector<uint8_t>{1, 2, 255})});
  kv.push_back({"a.i8", GgufValue::array(std::vector<int8_t>{-1, 0, 1})});
  kv.push_back({"a.u16", GgufValue::array(std::vector<uint16_t>{7})});
  kv.push_back({"a.i16", GgufValue::array(std::vector<int16_t>{-300, 300})});
  kv.push_back({"a.u32", GgufValue::array(std::vector<uint32_t>{})});
  kv.push_back({"a.i32", GgufValue::array(std::vector<int32_t>{1, -2, 3, -4})});
  kv.push_back({"a.f32", GgufValue::array(std::vector<float>{0.5f, -0.0f, 1e38f})});
  kv.push_back({"a.bool", GgufValue::array(std::vector<bool>{true, false})});
  kv.push_back({"a.u64", GgufValue::array(std::vector<uint64_t>{UINT64_MAX})});
  kv.push_back({"a.i64", GgufValue::array(std::vector<int64_t>{INT64_MIN, 0})});
  kv.push_back({"a.f64", GgufValue::array(std::vector<double>{1e-310, 2.0})});
  std::vector<std::string> tokens;
  for (int i = 0; i < 300; ++i) tokens.push_back("tok" + std::to_string(i));
  tokens.push_back("");
  tokens.push_back(
      "\xe2\x96\x81"
      "the");
  kv.push_back({"tokenizer.ggml.tokens", GgufValue::string_array(tokens)});
  return kv;
}

// A tensor of every dtype gguf can store, with 1-4 dimensions and random bytes.
struct OurTensors {
  std::vector<std::vector<std::byte>> payloads;
  std::vector<tensorio::TensorRef> refs;
  OurTensors() {
    std::mt19937 rng(42);
    int index = 0;
    payloads.reserve(64);
    for (const auto& info : tensorio::all_dtypes()) {
      if (info.ggml_type < 0) continue;
      std::vector<uint64_t> shape;
      const int dims = 1 + index % 4;
      for (int d = 1; d < dims; ++d) shape.push_back(static_cast<uint64_t>(1 + (index + d) % 3));
      shape.push_back(uint64_t{info.block_elements} * (1 + index % 2));
      const uint64_t n = *tensorio::element_count(shape);
      std::vector<std::byte> bytes(*tensorio::byte_size(info.dtype, n));
      for (auto& b : bytes) b = static_cast<std::byte>(rng() & 0xFF);
      payloads.push_back(std::move(bytes));
      refs.push_back({"t" + std::to_string(index) + "." + std::string(info.name), info.dtype, shape,
                      payloads.back()});
      ++index;
    }
  }
};

void expect_ggml_reads_like_us(const fs::path& file) {
  const std::string ours = tensorio_dump(file);
  auto meta = ggml_peer::run_harness({"dump", file.string()});
  ASSERT_EQ(meta.exit_code, 0) << "ggml rejected " << file;
  EXPECT_EQ(first_line_difference(ours, meta.out), "");
  // With its data loader ggml also reads the padded data section in full.
  auto loaded = ggml_peer::run_harness({"dump", file.string(), "--load-data"});
  ASSERT_EQ(loaded.exit_code, 0) << "ggml's data loader rejected " << file;
  EXPECT_EQ(first_line_difference(ours, loaded.out), "");
}

TEST(TensorioWritten, GgmlReadsWhatTensorioWrote) {
  const OurTensors t;
  const fs::path file = scratch("ours.gguf");
  tensorio::save_gguf(file, t.refs, all_metadata());
  expect_ggml_reads_like_us(file);
  // And what both read is what was written.
  const auto a = tensorio::load(file);
  ASSERT_EQ(a.size(), t.refs.size());
  for (size_t i = 0; i < t.refs.size(); ++i) {
    const auto d = a.tensors()[i].data();
    EXPECT_TRUE(d.size() == t.refs[i].data.size() &&
                std::memcmp(d.data(), t.refs[i].data.data(), d.size()) == 0)
        << t.refs[i].name;
  }
}

TEST(TensorioWritten, GgmlHonoursOurAlignment) {
  const OurTensors t;
  auto md = all_metadata();
  md.push_back({"general.alignment", GgufValue(uint32_t{256})});
  const fs::path file = scratch("ours_aligned.gguf");
  tensorio::save_gguf(file, t.refs, md);
  expect_ggml_reads_like_us(file);
  EXPECT_EQ(tensorio::gguf_file(tensorio::load(file)).alignment(), 256u);
}

TEST(TensorioWritten, GgmlReadsMetadataOnlyAndEmptyFiles) {
  const fs::path kv_only = scratch("ours_kv_only.gguf");
  tensorio::save_gguf(kv_only, {}, all_metadata());
  expect_ggml_reads_like_us(kv_only);
  const fs::path empty = scratch("ours_empty.gguf");
  tensorio::save_gguf(empty, {}, {});
  expect_ggml_reads_like_us(empty);
}

}  // namespace
