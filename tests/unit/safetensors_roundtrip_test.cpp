// Round-trip property: random tensors over all 22 dtypes, ranks 0-8 (zero dims included) and
// names with unicode, quotes, backslashes and control characters survive save -> load with
// identical names, dtypes, shapes, bytes and metadata; re-saving what was loaded reproduces the
// file byte for byte.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "safetensors_test_util.hpp"
#include "tensorio/safetensors.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {
namespace {

using namespace tensorio::testing;

std::vector<DType> safetensors_dtypes() {
  std::vector<DType> out;
  for (const DTypeInfo& i : all_dtypes()) {
    if (!i.safetensors.empty()) out.push_back(i.dtype);
  }
  return out;
}

std::string random_name(std::mt19937& rng, size_t i) {
  static const char* pieces[] = {"w", "layer.", "\"", "\\", "é", "😀",    "\n", "\t", "\x01",
                                 "/", " ",      "{",  "}",  "€", "\x7f", "__", "ü",  "a.b"};
  std::uniform_int_distribution<size_t> pick(0, std::size(pieces) - 1), len(0, 5);
  std::string name = std::to_string(i);  // unique
  for (size_t k = len(rng); k > 0; --k) name += pieces[pick(rng)];
  return name;
}

TEST(SafetensorsRoundTrip, RandomTensorsSurviveByteForByte) {
  TempDir dir;
  auto dtypes = safetensors_dtypes();
  ASSERT_EQ(dtypes.size(), 22u);
  std::mt19937 rng(20261126);
  std::set<DType> dtypes_seen;
  std::set<size_t> ranks_seen;
  for (int round = 0; round < 40; ++round) {
    size_t count = std::uniform_int_distribution<size_t>(0, 12)(rng);
    std::vector<std::vector<std::byte>> data(count);
    std::vector<TensorRef> refs;
    for (size_t i = 0; i < count; ++i) {
      DType dt = dtypes[(round * 7 + i) % dtypes.size()];
      size_t rank = (round + i) % 9;
      std::vector<uint64_t> shape(rank);
      for (auto& d : shape) d = std::uniform_int_distribution<uint64_t>(0, 3)(rng);
      // Sub-byte dtypes need whole bytes: make the element count a multiple of 4.
      uint32_t block = dtype_info(dt).block_elements;
      if (block > 1) {
        if (shape.empty())
          shape.push_back(block);
        else
          shape.back() = shape.back() * block;
      }
      uint64_t n = *byte_size(dt, *element_count(shape));
      data[i].resize(n);
      for (auto& b : data[i]) b = static_cast<std::byte>(rng());
      refs.push_back({random_name(rng, i), dt, shape, data[i]});
      dtypes_seen.insert(dt);
      ranks_seen.insert(shape.size());
    }
    StringPairs meta;
    if (round % 2) meta = {{"format", "pt"}, {random_name(rng, 99), random_name(rng, 98)}};

    fs::path p = dir / "rt.safetensors";
    save_safetensors(p, refs, meta);
    Archive a = load(p);
    ASSERT_EQ(a.size(), refs.size());
    EXPECT_EQ(a.string_metadata(), meta);
    for (const TensorRef& r : refs) {
      const TensorView* v = a.find(r.name);
      ASSERT_NE(v, nullptr) << r.name;
      EXPECT_EQ(v->dtype(), r.dtype);
      EXPECT_EQ(std::vector<uint64_t>(v->shape().begin(), v->shape().end()), r.shape);
      ASSERT_EQ(v->nbytes(), r.data.size());
      EXPECT_TRUE(std::equal(r.data.begin(), r.data.end(), v->data().begin())) << r.name;
      EXPECT_TRUE(v->aligned()) << r.name;
    }
    // Re-saving the loaded views (in file order) gives the same file.
    std::vector<TensorRef> again;
    for (const TensorView& v : a.tensors()) again.push_back(TensorRef::from_view(v));
    save_safetensors(dir / "rt2.safetensors", again, a.string_metadata());
    EXPECT_EQ(read_file(dir / "rt2.safetensors"), read_file(p)) << "round " << round;
  }
  EXPECT_EQ(dtypes_seen.size(), 22u);
  EXPECT_EQ(ranks_seen.size(), 9u);  // every rank 0..8
}

}  // namespace
}  // namespace tensorio
