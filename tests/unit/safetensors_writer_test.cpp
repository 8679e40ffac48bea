// The writer: byte-identical to golden files computed from the reference writer's published
// rules (tests/tools/make_safetensors_golden.py), independent of input order, refusing what it
// cannot write, and atomic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <random>

#include "io/atomic_writer.hpp"
#include "safetensors_test_util.hpp"
#include "tensorio/safetensors.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {
namespace {

using namespace tensorio::testing;

struct Spec {
  std::string name;
  DType dtype;
  std::vector<uint64_t> shape;
};

struct GoldenCase {
  std::string file;
  std::vector<Spec> tensors;
  StringPairs metadata;
};

// Mirrors CASES in tests/tools/make_safetensors_golden.py (same names, order and data).
std::vector<GoldenCase> golden_cases() {
  using D = DType;
  return {
      {"reference_attn0", {{"attn.0", D::float32, {1, 2, 3}}}, {}},
      {"reference_fp4", {{"attn.0", D::float4_e2m1fn, {1, 2}}}, {}},
      {"reference_forced_alignment", {{"attn0", D::float32, {1, 1, 2, 3}}}, {}},
      {"reference_empty", {}, {}},
      {"reference_empty_with_metadata", {}, {{"framework", "pt"}}},
      {"numpy_i32_f16", {{"test2", D::float16, {2, 2}}, {"test", D::int32, {2, 2}}}, {}},
      {"all_dtypes_escaping",
       {{"z\"quote", D::bool_, {3}},
        {"a\\backslash", D::float4_e2m1fn, {2, 2}},
        {"ctl\x01\x1f\x7f", D::float6_e2m3fn, {4}},
        {"tab\tnl\ncr\r", D::float6_e3m2fn, {2, 4}},
        {"uni_é😀", D::uint8, {2, 1, 2}},
        {"slash/x", D::int8, {5}},
        {"f8a", D::float8_e5m2, {2}},
        {"f8b", D::float8_e4m3fn, {3}},
        {"f8c", D::float8_e8m0fnu, {1}},
        {"f8d", D::float8_e4m3fnuz, {2, 2}},
        {"f8e", D::float8_e5m2fnuz, {}},
        {"i16", D::int16, {3}},
        {"u16", D::uint16, {1, 3}},
        {"h", D::float16, {2}},
        {"bf", D::bfloat16, {3, 1}},
        {"B", D::int32, {2}},
        {"u32", D::uint32, {}},
        {"a32", D::float32, {2, 2}},
        {"c", D::complex64, {2}},
        {"d", D::float64, {1}},
        {"Z64", D::int64, {2}},
        {"u64", D::uint64, {1, 1, 1, 1, 1, 1, 1, 1}},
        {"empty", D::float32, {0, 4}},
        {"\b\f", D::uint8, {1}}},
       {{"format", "pt"}, {"note", std::string("quote\" backslash\\ nl\n \0 é", 26)}, {"a", ""}}},
  };
}

struct Built {
  std::vector<std::vector<std::byte>> data;
  std::vector<TensorRef> refs;
};

Built build(const std::vector<Spec>& specs) {
  Built b;
  b.data.reserve(specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    uint64_t n = *byte_size(specs[i].dtype, *element_count(specs[i].shape));
    b.data.push_back(pattern(i, n));
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    b.refs.push_back({specs[i].name, specs[i].dtype, specs[i].shape, b.data[i]});
  }
  return b;
}

fs::path golden(const std::string& name) {
  return tests_dir() / "golden" / "safetensors" / (name + ".safetensors");
}

TEST(SafetensorsWriter, MatchesGoldenFilesByteForByte) {
  TempDir dir;
  for (const GoldenCase& c : golden_cases()) {
    Built b = build(c.tensors);
    fs::path out = dir / (c.file + ".safetensors");
    save_safetensors(out, b.refs, c.metadata);
    auto want = read_file(golden(c.file));
    ASSERT_FALSE(want.empty()) << golden(c.file);
    EXPECT_EQ(read_file(out), want) << c.file;
  }
}

TEST(SafetensorsWriter, OutputDoesNotDependOnInputOrder) {
  TempDir dir;
  GoldenCase c = golden_cases().back();
  Built b = build(c.tensors);
  std::mt19937 rng(7);
  for (int round = 0; round < 5; ++round) {
    std::vector<TensorRef> shuffled = b.refs;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    save_safetensors(dir / "s.safetensors", shuffled, c.metadata);
    EXPECT_EQ(read_file(dir / "s.safetensors"), read_file(golden(c.file))) << round;
  }
}

TEST(SafetensorsWriter, ReferenceGoldenHeadersHaveTheDocumentedLengths) {
  // Values from the reference's own tests (tensor.rs): N = 64, 64, 72, 8 and 40.
  auto n_of = [](const std::string& name) {
    auto f = read_file(golden(name));
    uint64_t n = 0;
    std::memcpy(&n, f.data(), 8);
    return n;
  };
  EXPECT_EQ(n_of("reference_attn0"), 64u);
  EXPECT_EQ(n_of("reference_fp4"), 64u);
  EXPECT_EQ(n_of("reference_forced_alignment"), 72u);
  EXPECT_EQ(n_of("reference_empty"), 8u);
  EXPECT_EQ(read_file(golden("reference_empty")).size(), 16u);
  EXPECT_EQ(n_of("reference_empty_with_metadata"), 40u);
}

TEST(SafetensorsWriter, EveryTensorIsNaturallyAlignedInTheFile) {
  TempDir dir;
  Built b = build(golden_cases().back().tensors);
  save_safetensors(dir / "a.safetensors", b.refs);
  Archive a = load(dir / "a.safetensors");
  for (const TensorView& v : a.tensors()) {
    EXPECT_EQ(v.file_offset() % dtype_info(v.dtype()).alignment, 0u) << v.name();
    EXPECT_TRUE(v.aligned()) << v.name();
  }
}

TEST(SafetensorsWriter, ZeroTensorsAndEmptyMetadataIsAValidFile) {
  TempDir dir;
  save_safetensors(dir / "e.safetensors", {}, {});
  Archive a = load(dir / "e.safetensors");
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.file_size(), 16u);
  save(dir / "e2.safetensors", std::span<const TensorRef>{});
  EXPECT_EQ(read_file(dir / "e2.safetensors"), read_file(dir / "e.safetensors"));
}

TEST(SafetensorsWriter, SaveDispatchPassesMetadata) {
  TempDir dir;
  std::vector<std::byte> bytes(8, std::byte{1});
  TensorRef t{"w", DType::float32, {2}, bytes};
  SaveOptions opts;
  opts.metadata = {{"format", "pt"}};
  save(dir / "m.safetensors", std::span(&t, 1), opts);
  Archive a = load(dir / "m.safetensors");
  EXPECT_EQ(a.string_metadata(), opts.metadata);
}

TEST(SafetensorsWriter, RefusesWhatItCannotWrite) {
  TempDir dir;
  std::vector<std::byte> four(4), eighteen(18);
  auto code = [&](std::vector<TensorRef> refs, StringPairs meta = {}) {
    return error_code_of([&] { save_safetensors(dir / "x.safetensors", refs, meta); });
  };
  EXPECT_EQ(code({{"a", DType::float32, {1}, four}, {"a", DType::float32, {1}, four}}),
            ErrorCode::invalid_argument);
  // The reference reader multiplies dimensions left to right and refuses an overflow even
  // before a zero.
  const uint64_t huge = uint64_t{1} << 62;
  EXPECT_EQ(code({{"z", DType::uint8, {huge, 4, 0}, {}}}), ErrorCode::unrepresentable);
  EXPECT_EQ(code({{"__metadata__", DType::float32, {1}, four}}), ErrorCode::invalid_argument);
  EXPECT_EQ(code({{"bad\xff", DType::float32, {1}, four}}), ErrorCode::invalid_argument);
  EXPECT_EQ(code({{"a", DType::float32, {2}, four}}), ErrorCode::invalid_argument);
  EXPECT_EQ(code({{"q", DType::q4_0, {32}, eighteen}}), ErrorCode::unrepresentable);
  EXPECT_EQ(code({{"c", DType::complex128, {1}, std::vector<std::byte>(16)}}),
            ErrorCode::unrepresentable);
  EXPECT_EQ(code({}, {{"k", "1"}, {"k", "2"}}), ErrorCode::invalid_argument);
  EXPECT_EQ(code({}, {{"k", "\xc0\xaf"}}), ErrorCode::invalid_argument);
  EXPECT_FALSE(fs::exists(dir / "x.safetensors"));
  // The writer's header cap is the reference's.
  std::string big(Limits{}.max_header_bytes, 'x');
  EXPECT_EQ(code({}, {{"k", big}}), ErrorCode::header_too_large);
}

TEST(SafetensorsWriter, AFailedWriteLeavesTheOldFileUntouched) {
  TempDir dir;
  std::vector<std::byte> small(4, std::byte{9});
  TensorRef old{"old", DType::uint8, {4}, small};
  save_safetensors(dir / "t.safetensors", std::span(&old, 1));
  auto before = read_file(dir / "t.safetensors");
  std::vector<std::byte> big(16u << 20, std::byte{3});
  TensorRef t{"big", DType::uint8, {big.size()}, big};
  detail::set_write_fault_hook([](uint64_t call, size_t) { return call == 1 ? ENOSPC : 0; });
  EXPECT_EQ(error_code_of([&] { save_safetensors(dir / "t.safetensors", std::span(&t, 1)); }),
            ErrorCode::io_error);
  detail::set_write_fault_hook(nullptr);
  EXPECT_EQ(read_file(dir / "t.safetensors"), before);
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1u);  // no temp file left behind
}

TEST(SafetensorsWriter, LargeTensorsStreamInBoundedWrites) {
  // The header is computed first and the data follows straight from the caller's span: the
  // file reaches write() in several calls that add up to exactly the file.
  TempDir dir;
  std::vector<std::byte> big(64u << 20, std::byte{5});
  TensorRef t{"big", DType::uint8, {big.size()}, big};
  uint64_t written = 0, calls = 0;
  detail::set_write_fault_hook([&](uint64_t, size_t bytes) {
    written += bytes;
    ++calls;
    return 0;
  });
  SaveOptions opts;
  opts.buffer_bytes = 1u << 20;
  save_safetensors(dir / "big.safetensors", std::span(&t, 1), {}, opts);
  detail::set_write_fault_hook(nullptr);
  EXPECT_EQ(written, fs::file_size(dir / "big.safetensors"));
  EXPECT_GE(calls, 2u);
}

}  // namespace
}  // namespace tensorio
