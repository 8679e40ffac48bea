// Sharded checkpoints: writing with max_shard_size, opening the index as one archive, and the
// cross-shard rules (names in their shard, no tensor in two shards, unreferenced shards noted).
#include <gtest/gtest.h>

#include "safetensors_test_util.hpp"
#include "tensorio/safetensors.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {
namespace {

using namespace tensorio::testing;

struct Model {
  std::vector<std::vector<std::byte>> data;
  std::vector<TensorRef> refs;
};

// Tensors of 40, 40, 100, 30, 10 bytes.
Model model() {
  Model m;
  std::vector<std::pair<std::string, uint64_t>> sizes = {
      {"embed", 40}, {"layer.0", 40}, {"huge", 100}, {"layer.1", 30}, {"head", 10}};
  for (size_t i = 0; i < sizes.size(); ++i) m.data.push_back(pattern(i, sizes[i].second));
  for (size_t i = 0; i < sizes.size(); ++i) {
    m.refs.push_back({sizes[i].first, DType::uint8, {sizes[i].second}, m.data[i]});
  }
  return m;
}

std::string text_of(const fs::path& p) {
  auto b = read_file(p);
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

TEST(SafetensorsSharded, PacksGreedilyAndGivesOversizeTensorsTheirOwnShard) {
  TempDir dir;
  Model m = model();
  SaveOptions opts;
  opts.max_shard_size = 80;
  opts.metadata = {{"format", "pt"}};
  auto shards = save_safetensors_sharded(dir / "model.safetensors.index.json", m.refs, opts);
  // As huggingface_hub packs: huge (> 80) is emitted as a shard of its own at once, before the
  // open shard [embed, layer.0] (= 80) is closed by the next tensor; [layer.1, head] = 40.
  ASSERT_EQ(shards.size(), 3u);
  EXPECT_EQ(shards[0].filename(), "model-00001-of-00003.safetensors");
  EXPECT_EQ(shards[1].filename(), "model-00002-of-00003.safetensors");
  EXPECT_EQ(shards[2].filename(), "model-00003-of-00003.safetensors");
  EXPECT_EQ(load(shards[0]).size(), 1u);
  EXPECT_NE(load(shards[0]).find("huge"), nullptr);
  EXPECT_EQ(load(shards[1]).size(), 2u);
  EXPECT_EQ(load(shards[2]).size(), 2u);
  EXPECT_EQ(text_of(dir / "model.safetensors.index.json"),
            "{\n"
            "  \"metadata\": {\n"
            "    \"total_size\": 220\n"
            "  },\n"
            "  \"weight_map\": {\n"
            "    \"embed\": \"model-00002-of-00003.safetensors\",\n"
            "    \"head\": \"model-00003-of-00003.safetensors\",\n"
            "    \"huge\": \"model-00001-of-00003.safetensors\",\n"
            "    \"layer.0\": \"model-00002-of-00003.safetensors\",\n"
            "    \"layer.1\": \"model-00003-of-00003.safetensors\"\n"
            "  }\n"
            "}\n");

  Archive a = load(dir / "model.safetensors.index.json");
  EXPECT_EQ(a.format(), Format::safetensors);
  ASSERT_EQ(a.size(), 5u);
  EXPECT_TRUE(a.notes().empty());
  EXPECT_EQ(a.string_metadata(), opts.metadata);
  for (const TensorRef& r : m.refs) {
    auto d = a.at(r.name).data();
    EXPECT_TRUE(std::equal(d.begin(), d.end(), r.data.begin(), r.data.end())) << r.name;
  }
  uint64_t total = 0;
  for (const auto& s : shards) total += fs::file_size(s);
  EXPECT_EQ(a.file_size(), total);
  EXPECT_TRUE(verify(a).empty());
}

TEST(SafetensorsSharded, SaveDispatchAndDefaultLimitGiveOneShard) {
  TempDir dir;
  Model m = model();
  save(dir / "ckpt.safetensors.index.json", m.refs);
  EXPECT_TRUE(fs::exists(dir / "ckpt-00001-of-00001.safetensors"));
  EXPECT_EQ(load(dir / "ckpt.safetensors.index.json").size(), 5u);
}

class ShardedIndexRules : public ::testing::Test {
 protected:
  void SetUp() override {
    Model m = model();
    SaveOptions opts;
    opts.max_shard_size = 80;
    save_safetensors_sharded(dir_ / "model.safetensors.index.json", m.refs, opts);
  }
  void write_index(const std::string& json) {
    write_file(dir_ / "model.safetensors.index.json", json);
  }
  ErrorCode open_code(std::string* msg = nullptr) {
    return error_code_of([&] { (void)load(dir_ / "model.safetensors.index.json"); }, msg);
  }
  TempDir dir_;
};

TEST_F(ShardedIndexRules, NameMissingFromItsShardIsNotFound) {
  write_index(R"({"metadata":{},"weight_map":{"embed":"model-00002-of-00003.safetensors",
    "layer.0":"model-00002-of-00003.safetensors","huge":"model-00001-of-00003.safetensors",
    "layer.1":"model-00003-of-00003.safetensors","head":"model-00003-of-00003.safetensors",
    "ghost":"model-00002-of-00003.safetensors"}})");
  std::string msg;
  EXPECT_EQ(open_code(&msg), ErrorCode::not_found);
  EXPECT_NE(msg.find("ghost"), std::string::npos) << msg;
}

TEST_F(ShardedIndexRules, NameMappedToTheWrongShardIsNotFound) {
  write_index(R"({"weight_map":{"embed":"model-00001-of-00003.safetensors",
    "layer.0":"model-00002-of-00003.safetensors","huge":"model-00001-of-00003.safetensors",
    "layer.1":"model-00003-of-00003.safetensors","head":"model-00003-of-00003.safetensors"}})");
  EXPECT_EQ(open_code(), ErrorCode::not_found);
}

TEST_F(ShardedIndexRules, TensorInTwoShardsIsADuplicate) {
  std::vector<std::byte> b(10);
  TensorRef t{"head", DType::uint8, {10}, b};
  save_safetensors(dir_ / "model-00001-of-00003.safetensors", std::span(&t, 1));
  std::string msg;
  EXPECT_EQ(open_code(&msg), ErrorCode::duplicate_name);
  EXPECT_NE(msg.find("'head'"), std::string::npos) << msg;
}

TEST_F(ShardedIndexRules, UnreferencedShardsAndUnlistedTensorsAreNoted) {
  std::vector<std::byte> b(4);
  TensorRef t{"stale", DType::uint8, {4}, b};
  save_safetensors(dir_ / "model-00001-of-00004.safetensors", std::span(&t, 1));
  write_index(R"({"metadata":{"total_size":220},"weight_map":{
    "embed":"model-00002-of-00003.safetensors","huge":"model-00001-of-00003.safetensors",
    "layer.1":"model-00003-of-00003.safetensors","head":"model-00003-of-00003.safetensors"},
    "extra":1})");
  Archive a = load(dir_ / "model.safetensors.index.json");
  EXPECT_EQ(a.size(), 5u);  // layer.0 is in shard 2 although the weight_map omits it
  std::string notes;
  for (const auto& n : a.notes()) notes += n + "\n";
  EXPECT_NE(notes.find("model-00001-of-00004.safetensors"), std::string::npos) << notes;
  EXPECT_NE(notes.find("'layer.0'"), std::string::npos) << notes;
  EXPECT_NE(notes.find("'extra'"), std::string::npos) << notes;
}

TEST_F(ShardedIndexRules, MalformedIndexesAreRefused) {
  write_index("[]");
  EXPECT_EQ(open_code(), ErrorCode::bad_header);
  write_index(R"({"metadata":{}})");
  EXPECT_EQ(open_code(), ErrorCode::bad_header);
  write_index(R"({"weight_map":{"a":{"file":"x.safetensors","offset":0}}})");
  EXPECT_EQ(open_code(), ErrorCode::bad_header);
  write_index(R"({"weight_map":{"a":"../outside.safetensors"}})");
  EXPECT_EQ(open_code(), ErrorCode::bad_header);
  write_index(R"({"weight_map":{"a":"/etc/passwd"}})");
  EXPECT_EQ(open_code(), ErrorCode::bad_header);
  write_index(R"({"weight_map":{"a":"m.safetensors","a":"m.safetensors"}})");
  EXPECT_EQ(open_code(), ErrorCode::duplicate_name);
  write_index(R"({"weight_map":{"a":"missing.safetensors"}})");
  EXPECT_EQ(open_code(), ErrorCode::file_not_found);
  write_index(R"({"weight_map":{}} x)");
  EXPECT_EQ(open_code(), ErrorCode::bad_json);
  write_index(R"({"metadata":3,"weight_map":{}})");
  EXPECT_EQ(open_code(), ErrorCode::bad_header);
}

TEST_F(ShardedIndexRules, ABadShardFailsWithItsOwnError) {
  write_file(dir_ / "model-00002-of-00003.safetensors", st_image("{}", "x"));
  std::string msg;
  EXPECT_EQ(open_code(&msg), ErrorCode::trailing_bytes);
  EXPECT_NE(msg.find("model-00002-of-00003.safetensors"), std::string::npos) << msg;
}

TEST(SafetensorsSharded, RefusesBadArgumentsBeforeWritingAnything) {
  TempDir dir;
  Model m = model();
  m.refs.push_back(m.refs[0]);  // a duplicate name
  EXPECT_EQ(
      error_code_of([&] { save_safetensors_sharded(dir / "m.safetensors.index.json", m.refs); }),
      ErrorCode::invalid_argument);
  EXPECT_EQ(error_code_of([&] { save_safetensors_sharded(dir / "m.json", {}); }),
            ErrorCode::invalid_argument);
  SaveOptions zero;
  zero.max_shard_size = 0;
  EXPECT_EQ(
      error_code_of([&] { save_safetensors_sharded(dir / "m.safetensors.index.json", {}, zero); }),
      ErrorCode::invalid_argument);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

}  // namespace
}  // namespace tensorio
