// Dims, a tensor record's shape with inline storage for the common ranks.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "core/dims.hpp"
#include "support/temp_dir.hpp"
#include "tensorio/npy.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {
namespace {

// A record's shape: in place up to Dims::kInline dimensions, on the heap beyond, and back
// again; copies and moves keep their own storage (no pointer into the source survives).
TEST(Dims, InlineAndHeapShapesCopyAndShrink) {
  std::vector<uint64_t> long_shape;
  for (uint64_t i = 1; i <= detail::Dims::kInline + 4; ++i) long_shape.push_back(i);
  detail::Dims d;
  EXPECT_TRUE(d.empty());
  d = {3, 4};
  EXPECT_EQ(std::vector<uint64_t>(d.begin(), d.end()), (std::vector<uint64_t>{3, 4}));
  d = long_shape;
  ASSERT_EQ(d.size(), long_shape.size());
  EXPECT_EQ(std::vector<uint64_t>(d.begin(), d.end()), long_shape);
  detail::Dims copy = d;
  d.back() = 99;
  EXPECT_EQ(copy.back(), long_shape.back()) << "a copy has its own heap storage";
  detail::Dims moved = std::move(copy);
  std::span<const uint64_t> view = moved;
  EXPECT_EQ(std::vector<uint64_t>(view.begin(), view.end()), long_shape);
  d.assign(long_shape.begin(), long_shape.begin() + 2);  // back to inline storage
  EXPECT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0], 1u);
  EXPECT_EQ(d[1], 2u);
  detail::Dims inline_copy = d;
  d[0] = 7;
  EXPECT_EQ(inline_copy[0], 1u);
  std::vector<uint64_t> exact(long_shape.begin(), long_shape.begin() + detail::Dims::kInline);
  d = exact;
  EXPECT_EQ(std::vector<uint64_t>(d.begin(), d.end()), exact);
}

// Through the npy reader: a shape longer than the inline storage comes back whole.
TEST(Dims, LongNpyShapeOpens) {
  std::vector<uint64_t> shape(detail::Dims::kInline + 3, 1);
  shape[0] = 2;
  shape.back() = 3;
  std::string npy = serialize_npy_header(DType::uint8, shape);
  npy.append(6, '\x05');
  testing::TempDir dir;
  auto path = dir / "dims.npy";
  {
    std::ofstream f(path, std::ios::binary);
    f.write(npy.data(), static_cast<std::streamsize>(npy.size()));
  }
  Archive a = open_npy(path);
  auto got = a.tensors()[0].shape();
  EXPECT_EQ(std::vector<uint64_t>(got.begin(), got.end()), shape);
  EXPECT_EQ(a.tensors()[0].nbytes(), 6u);
}

}  // namespace
}  // namespace tensorio
