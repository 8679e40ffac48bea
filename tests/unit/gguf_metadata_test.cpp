// Typed metadata access, JSON rendering, the lazy string-array index, and the writer: files we
// write read back with identical keys, values and tensors, and re-save byte for byte.
#include <gtest/gtest.h>

#include <algorithm>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "support/temp_dir.hpp"
#include "tensorio/gguf.hpp"
#include "tensorio/tensorio.hpp"

namespace fs = std::filesystem;
using tensorio::ErrorCode;
using tensorio::GgufKeyValue;
using tensorio::GgufType;
using tensorio::GgufValue;

namespace {

const fs::path kCorpus = fs::path(TENSORIO_SOURCE_ROOT) / "tests/corpus/gguf";

// The tests' files share one directory, removed when the program exits.
fs::path temp_path(const std::string& name) {
  static const tensorio::testing::TempDir dir;
  return dir / name;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

template <typename F>
ErrorCode error_of(F&& f) {
  try {
    f();
  } catch (const tensorio::Error& e) {
    return e.code();
  }
  return ErrorCode::count_;
}

TEST(GgufMetadata, TypedAccessorsReadEveryValueType) {
  auto a = tensorio::open_gguf(kCorpus / "good/all_value_types.gguf");
  auto m = tensorio::gguf_file(a).metadata();
  EXPECT_EQ(m.get<uint8_t>("u8"), 200);
  EXPECT_EQ(m.get<int8_t>("i8"), -100);
  EXPECT_EQ(m.get<uint16_t>("u16"), 60000);
  EXPECT_EQ(m.get<int16_t>("i16"), -30000);
  EXPECT_EQ(m.get<uint32_t>("u32"), 4000000000u);
  EXPECT_EQ(m.get<int32_t>("i32"), -2000000000);
  EXPECT_EQ(m.get<float>("f32"), 1.5f);
  EXPECT_TRUE(m.get<bool>("bool"));
  EXPECT_EQ(m.get<std::string_view>("str"), "h\xc3\xa9llo");
  EXPECT_EQ(m.get<uint64_t>("u64"), UINT64_MAX);
  EXPECT_EQ(m.get<int64_t>("i64"), INT64_MIN);
  EXPECT_EQ(m.get<double>("f64"), 2.5e-300);
  EXPECT_EQ(m.array("arr.u8").to_vector<uint8_t>(), (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(m.array("arr.i32").size(), 20u);
  EXPECT_EQ(m.array("arr.i32").at<int32_t>(19), 9);
  EXPECT_EQ(m.array("arr.bool").to_vector<bool>(), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(m.array("arr.str").to_vector<std::string>(),
            (std::vector<std::string>{"a", "", "ccc"}));
  EXPECT_EQ(m.array("arr.str").at<std::string_view>(2), "ccc");
  EXPECT_EQ(m.array("arr.f64").at<double>(0), 3.25);
  EXPECT_TRUE(m.array("arr.empty").empty());
  auto nested = m.array("arr.nested");
  ASSERT_EQ(nested.element_type(), GgufType::array);
  EXPECT_EQ(nested.array_at(0).to_vector<int32_t>(), (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(nested.array_at(1).at<std::string_view>(1), "yz");
  EXPECT_TRUE(nested.array_at(2).empty());
  EXPECT_EQ(m.get_or<uint32_t>("absent", 7u), 7u);
  auto g = tensorio::gguf_file(a);
  EXPECT_EQ(g.alignment(), 64u);
  EXPECT_EQ(g.data_offset() % 64, 0u);
  EXPECT_EQ(m.key(0), "u8");
  EXPECT_EQ(m.size(), 27u);
}

TEST(GgufMetadata, MismatchesAndAbsentKeysAreErrors) {
  auto a = tensorio::open_gguf(kCorpus / "good/all_value_types.gguf");
  auto m = tensorio::gguf_file(a).metadata();
  EXPECT_EQ(error_of([&] { m.get<uint64_t>("u32"); }), ErrorCode::type_mismatch);
  EXPECT_EQ(error_of([&] { m.get<std::string_view>("u32"); }), ErrorCode::type_mismatch);
  EXPECT_EQ(error_of([&] { m.array("str"); }), ErrorCode::type_mismatch);
  EXPECT_EQ(error_of([&] { m.array("arr.u8").to_vector<int8_t>(); }), ErrorCode::type_mismatch);
  EXPECT_EQ(error_of([&] { m.array("arr.u8").at<uint8_t>(3); }), ErrorCode::invalid_argument);
  EXPECT_EQ(error_of([&] { m.get<uint32_t>("nope"); }), ErrorCode::not_found);
  EXPECT_EQ(error_of([&] { m.get_or<uint64_t>("u32", 1); }), ErrorCode::type_mismatch);
  try {
    m.get<float>("u32");
  } catch (const tensorio::Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("key 'u32': expected a value of type float32, found uint32"),
        std::string::npos)
        << e.what();
  }
  auto npy_like = tensorio::Archive(a);
  EXPECT_NO_THROW(tensorio::gguf_file(npy_like));
}

TEST(GgufMetadata, JsonSummarizesLongArraysUnlessFull) {
  auto a = tensorio::open_gguf(kCorpus / "good/all_value_types.gguf");
  std::string brief = a.metadata_json(false);
  EXPECT_NE(brief.find(R"("arr.i32":{"type":"int32","count":20})"), std::string::npos) << brief;
  EXPECT_NE(brief.find(R"("u64":18446744073709551615)"), std::string::npos) << brief;
  EXPECT_NE(brief.find(R"("arr.nested":[[1,2],["x","yz"],[]])"), std::string::npos) << brief;
  EXPECT_NE(brief.find(R"("bool":true)"), std::string::npos) << brief;
  std::string full = a.metadata_json(true);
  EXPECT_NE(full.find(R"("arr.i32":[-10,-9,)"), std::string::npos) << full;
  bool found = false;
  for (const auto& [k, v] : a.string_metadata()) found |= (k == "str" && v == "h\xc3\xa9llo");
  EXPECT_TRUE(found);
}

TEST(GgufMetadata, StringArrayIndexIsBuiltOnceUnderConcurrency) {
  std::vector<std::string> tokens;
  for (int i = 0; i < 20000; ++i) tokens.push_back("tok" + std::to_string(i * 7));
  auto path = temp_path("vocab.gguf");
  std::vector<GgufKeyValue> kvs{{"tokenizer.ggml.tokens", GgufValue::string_array(tokens)}};
  tensorio::save_gguf(path, {}, kvs);
  auto a = tensorio::open_gguf(path);
  auto arr = tensorio::gguf_file(a).metadata().array("tokenizer.ggml.tokens");
  ASSERT_EQ(arr.size(), tokens.size());
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < tokens.size(); i += 97) {
        if (arr.at<std::string_view>(i) != tokens[i]) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
  fs::remove(path);
}

std::vector<GgufKeyValue> every_value_type() {
  std::vector<float> scores{0.5f, -1.0f, NAN};
  std::vector<int32_t> types{1, 2, 3};
  std::vector<bool> flags{true, false};
  return {
      {"general.architecture", GgufValue("llama")},
      {"general.alignment", GgufValue(uint32_t{64})},
      {"u8", GgufValue(uint8_t{1})},
      {"i8", GgufValue(int8_t{-2})},
      {"u16", GgufValue(uint16_t{3})},
      {"i16", GgufValue(int16_t{-4})},
      {"llama.context_length", GgufValue(uint32_t{4096})},
      {"i32", GgufValue(int32_t{-6})},
      {"f32", GgufValue(1e-5f)},
      {"bool", GgufValue(false)},
      {"u64", GgufValue(uint64_t{1} << 40)},
      {"i64", GgufValue(int64_t{-9})},
      {"f64", GgufValue(0.1)},
      {"tokenizer.ggml.scores", GgufValue::array(scores)},
      {"tokenizer.ggml.token_type", GgufValue::array(types)},
      {"flags", GgufValue::array(flags)},
      {"tokenizer.ggml.tokens", GgufValue::string_array({"<s>", "</s>", "hello", ""})},
      {"nested", GgufValue::array_of_arrays(
                     {GgufValue::string_array({"a"}), GgufValue::array(std::vector<double>{1.5})})},
  };
}

struct Blob {
  std::string name;
  tensorio::DType dtype;
  std::vector<uint64_t> shape;
  std::vector<std::byte> bytes;
};

std::vector<Blob> sample_tensors() {
  std::vector<Blob> out;
  auto add = [&](std::string name, tensorio::DType dt, std::vector<uint64_t> shape) {
    uint64_t n = *tensorio::element_count(shape);
    std::vector<std::byte> b(*tensorio::byte_size(dt, n));
    for (size_t i = 0; i < b.size(); ++i) b[i] = std::byte(static_cast<uint8_t>(i * 31 + 7));
    out.push_back({std::move(name), dt, std::move(shape), std::move(b)});
  };
  add("tok_embd.weight", tensorio::DType::float32, {5, 3});
  add("f16", tensorio::DType::float16, {7});
  add("bf16", tensorio::DType::bfloat16, {2, 2, 2});
  add("i8", tensorio::DType::int8, {3});
  add("i16", tensorio::DType::int16, {1, 1, 1, 3});
  add("i32", tensorio::DType::int32, {});
  add("i64", tensorio::DType::int64, {2});
  add("f64", tensorio::DType::float64, {0, 2});
  add("blk.0.attn_q.weight", tensorio::DType::q4_0, {2, 64});
  add("blk.0.ffn.weight", tensorio::DType::q4_k, {3, 256});
  add("mx", tensorio::DType::mxfp4, {32});
  return out;
}

std::vector<tensorio::TensorRef> refs_of(const std::vector<Blob>& blobs) {
  std::vector<tensorio::TensorRef> refs;
  for (const Blob& b : blobs) refs.push_back({b.name, b.dtype, b.shape, b.bytes});
  return refs;
}

TEST(GgufWriter, RoundTripKeepsKeysValuesAndTensors) {
  auto path = temp_path("roundtrip.gguf");
  auto kvs = every_value_type();
  auto blobs = sample_tensors();
  tensorio::save_gguf(path, refs_of(blobs), kvs);
  EXPECT_EQ(fs::file_size(path) % 64, 0u) << "padding after the last tensor";

  auto a = tensorio::open_gguf(path);
  auto g = tensorio::gguf_file(a);
  EXPECT_EQ(g.version(), 3u);
  EXPECT_EQ(g.alignment(), 64u);
  EXPECT_TRUE(g.ggml_contiguous_layout());
  auto m = g.metadata();
  ASSERT_EQ(m.size(), kvs.size());
  for (size_t i = 0; i < kvs.size(); ++i) {
    EXPECT_EQ(m.key(i), kvs[i].key);
    auto copy = GgufValue::from_view(m.value(i));
    EXPECT_EQ(copy.type(), kvs[i].value.type()) << kvs[i].key;
    EXPECT_EQ(copy.element_type(), kvs[i].value.element_type()) << kvs[i].key;
    EXPECT_EQ(copy.count(), kvs[i].value.count()) << kvs[i].key;
    EXPECT_EQ(copy.scalar_bytes(), kvs[i].value.scalar_bytes()) << kvs[i].key;
    EXPECT_EQ(copy.strings(), kvs[i].value.strings()) << kvs[i].key;
    EXPECT_EQ(copy.items().size(), kvs[i].value.items().size()) << kvs[i].key;
  }
  EXPECT_EQ(m.get<uint32_t>("llama.context_length"), 4096u);
  EXPECT_EQ(m.get<float>("f32"), 1e-5f);
  EXPECT_TRUE(std::isnan(m.array("tokenizer.ggml.scores").at<float>(2)));
  EXPECT_EQ(m.array("nested").array_at(1).at<double>(0), 1.5);

  ASSERT_EQ(a.size(), blobs.size());
  for (size_t i = 0; i < blobs.size(); ++i) {
    const auto& v = a.tensors()[i];
    EXPECT_EQ(v.name(), blobs[i].name);
    EXPECT_EQ(v.dtype(), blobs[i].dtype);
    EXPECT_EQ(std::vector<uint64_t>(v.shape().begin(), v.shape().end()), blobs[i].shape);
    auto d = v.data();
    ASSERT_EQ(d.size(), blobs[i].bytes.size());
    // std::equal, not memcmp: an empty tensor's data() may be null, which memcmp forbids.
    EXPECT_TRUE(std::equal(d.begin(), d.end(), blobs[i].bytes.begin())) << v.name();
    EXPECT_EQ(v.file_offset() % 64, 0u);
    EXPECT_EQ(g.tensor_infos()[i].ne, tensorio::ggml_ne(v));
  }

  // gguf -> gguf with the typed metadata copied reproduces the file byte for byte.
  auto again = temp_path("roundtrip2.gguf");
  std::vector<tensorio::TensorRef> refs;
  for (const auto& v : a.tensors()) refs.push_back(tensorio::TensorRef::from_view(v));
  tensorio::save_gguf(again, refs, tensorio::copy_gguf_metadata(m));
  EXPECT_EQ(slurp(path), slurp(again));
  fs::remove(path);
  fs::remove(again);
}

TEST(GgufWriter, RefusesWhatGgmlCannotRead) {
  auto path = temp_path("refuse.gguf");
  std::vector<std::byte> four(4);
  auto save_one = [&](tensorio::TensorRef t, std::vector<GgufKeyValue> kvs = {}) {
    return error_of([&] { tensorio::save_gguf(path, {&t, 1}, kvs); });
  };
  EXPECT_EQ(save_one({"u", tensorio::DType::uint32, {1}, four}), ErrorCode::unrepresentable);
  EXPECT_EQ(save_one({std::string(64, 'n'), tensorio::DType::float32, {1}, four}),
            ErrorCode::unrepresentable);
  EXPECT_EQ(save_one({"d5", tensorio::DType::float32, {1, 1, 1, 1, 1}, four}),
            ErrorCode::unrepresentable);
  EXPECT_EQ(save_one({"w", tensorio::DType::float32, {2}, four}), ErrorCode::invalid_argument);
  tensorio::TensorRef ok{"w", tensorio::DType::float32, {1}, four};
  EXPECT_EQ(save_one(ok, {{"general.alignment", GgufValue(uint32_t{48})}}),
            ErrorCode::invalid_argument);
  EXPECT_EQ(save_one(ok, {{"general.alignment", GgufValue(uint64_t{64})}}),
            ErrorCode::invalid_argument);
  EXPECT_EQ(save_one(ok, {{"k", GgufValue(1)}, {"k", GgufValue(2)}}), ErrorCode::invalid_argument);
  EXPECT_EQ(save_one(ok, {{"", GgufValue(1)}}), ErrorCode::invalid_argument);
  std::vector<std::byte> q(18 * 2);
  EXPECT_EQ(save_one({"q", tensorio::DType::q4_0, {32, 2}, q}), ErrorCode::invalid_argument)
      << "row of 2 elements is not whole q4_0 blocks";
  EXPECT_FALSE(fs::exists(path)) << "nothing written on failure";
}

TEST(GgufWriter, GenericSaveAndLoadDispatchByExtension) {
  auto path = temp_path("generic.gguf");
  std::vector<float> x{1, 2, 3};
  tensorio::TensorRef t{"x", tensorio::DType::float32, {3}, std::as_bytes(std::span(x))};
  tensorio::SaveOptions opts;
  opts.metadata = {{"general.name", "demo"}};
  tensorio::save(path, {&t, 1}, opts);
  auto a = tensorio::load(path);
  EXPECT_EQ(a.format(), tensorio::Format::gguf);
  EXPECT_EQ(a.at("x").as<float>()[1], 2.0f);
  ASSERT_EQ(a.string_metadata().size(), 1u);
  EXPECT_EQ(a.string_metadata()[0].second, "demo");
  fs::remove(path);
}

}  // namespace
