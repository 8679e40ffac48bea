// Lazy transforms: byte swap and transpose happen once, on first access, never at open — also
// when many threads ask at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/internals.hpp"
#include "core/tensor_record.hpp"
#include "support/temp_dir.hpp"
#include "tensorio/npy.hpp"
#include "tensorio/tensorio.hpp"
#include "test_util.hpp"

namespace tensorio {
namespace {

std::string npy_file(const std::string& descr, bool fortran, const std::string& shape,
                     const std::string& payload) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                     ", 'shape': " + shape + ", }";
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  out += static_cast<char>(dict.size() & 0xFF);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict + payload;
}

template <typename T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

template <typename T>
std::string big_endian(const std::vector<T>& v) {
  std::string s = raw(v);
  for (size_t i = 0; i < s.size(); i += sizeof(T))
    std::reverse(s.begin() + i, s.begin() + i + sizeof(T));
  return s;
}

TEST(LazyViews, BigEndianIsSwappedOnFirstAccessOnly) {
  testing::TempDir dir;
  std::vector<uint32_t> values{1, 0x01020304, 0xdeadbeef, 7};
  test::write_file(dir / "be.npy", npy_file(">u4", false, "(4,)", big_endian(values)));
  Archive a = load(dir / "be.npy");
  const TensorView& v = a.at("be");
  EXPECT_TRUE(v.stored_big_endian());
  EXPECT_FALSE(v.zero_copy());
  EXPECT_FALSE(v.materialized()) << "nothing is transformed at open";
  EXPECT_EQ(std::memcmp(v.stored_bytes().data(), big_endian(values).data(), 16), 0);
  auto data = v.as<uint32_t>();
  EXPECT_TRUE(v.materialized());
  EXPECT_EQ(std::vector<uint32_t>(data.begin(), data.end()), values);
  EXPECT_EQ(static_cast<const void*>(v.data().data()), static_cast<const void*>(data.data()))
      << "the transform ran once; later calls reuse it";
  EXPECT_TRUE(v.aligned());
}

TEST(LazyViews, ComplexSwapsEachComponent) {
  testing::TempDir dir;
  std::vector<float> parts{1.0f, -2.0f, 3.5f, 4.25f};  // two complex64 values
  test::write_file(dir / "c.npy", npy_file(">c8", false, "(2,)", big_endian(parts)));
  Archive a = load(dir / "c.npy");
  auto d = a.at("c").data();
  EXPECT_EQ(std::memcmp(d.data(), parts.data(), 16), 0);
}

TEST(LazyViews, FortranOrderIsTransposedToCOrder) {
  testing::TempDir dir;
  // C-order 2x3 [[0,1,2],[3,4,5]] is stored column-major as 0,3,1,4,2,5.
  std::vector<int16_t> fortran{0, 3, 1, 4, 2, 5};
  test::write_file(dir / "f.npy", npy_file("<i2", true, "(2, 3)", raw(fortran)));
  Archive a = load(dir / "f.npy");
  const TensorView& v = a.at("f");
  EXPECT_TRUE(v.stored_fortran_order());
  EXPECT_FALSE(v.materialized());
  auto c = v.as<int16_t>();
  EXPECT_EQ(std::vector<int16_t>(c.begin(), c.end()), (std::vector<int16_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(std::memcmp(v.stored_bytes().data(), fortran.data(), 12), 0)
      << "raw column-major bytes stay reachable";
}

TEST(LazyViews, FortranThreeDimensionalAndBigEndian) {
  testing::TempDir dir;
  const uint64_t d0 = 2, d1 = 3, d2 = 4;
  std::vector<uint64_t> c_order(d0 * d1 * d2), fortran(d0 * d1 * d2);
  for (uint64_t i = 0; i < d0; ++i)
    for (uint64_t j = 0; j < d1; ++j)
      for (uint64_t k = 0; k < d2; ++k) {
        uint64_t value = 100 * i + 10 * j + k;
        c_order[(i * d1 + j) * d2 + k] = value;
        fortran[i + d0 * (j + d1 * k)] = value;
      }
  test::write_file(dir / "f3.npy", npy_file(">u8", true, "(2, 3, 4)", big_endian(fortran)));
  Archive a = load(dir / "f3.npy");
  auto out = a.at("f3").as<uint64_t>();
  EXPECT_EQ(std::vector<uint64_t>(out.begin(), out.end()), c_order);
}

TEST(LazyViews, OneDimensionalFortranNeedsNoTransform) {
  testing::TempDir dir;
  std::vector<int32_t> v{1, 2, 3};
  test::write_file(dir / "f1.npy", npy_file("<i4", true, "(3,)", raw(v)));
  Archive a = load(dir / "f1.npy");
  EXPECT_TRUE(a.at("f1").zero_copy());
}

TEST(LazyViews, EightThreadsSeeOneTransform) {
  testing::TempDir dir;
  std::vector<uint64_t> values(1 << 16);
  for (size_t i = 0; i < values.size(); ++i) values[i] = i * 0x9E3779B97F4A7C15ull;
  test::write_file(dir / "big.npy", npy_file(">u8", false, "(65536,)", big_endian(values)));
  for (int round = 0; round < 20; ++round) {
    Archive a = load(dir / "big.npy");
    const TensorView& v = a.at("big");
    std::vector<const std::byte*> seen(8);
    std::atomic<int> go{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        while (go.load() == 0) {
        }
        seen[t] = v.data().data();
      });
    }
    go = 1;
    for (auto& th : threads) th.join();
    for (int t = 1; t < 8; ++t) EXPECT_EQ(seen[t], seen[0]);
    EXPECT_EQ(std::memcmp(seen[0], values.data(), values.size() * 8), 0);
  }
}

// A transform that counts its runs, to prove exactly-once under contention.
class CountingPayload : public detail::LazyPayload {
 public:
  explicit CountingPayload(std::atomic<int>& runs) : runs_(runs) {}
  std::span<const std::byte> materialize(std::span<const std::byte>) override {
    runs_.fetch_add(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    buf_.assign(64, std::byte{42});
    return buf_;
  }

 private:
  std::atomic<int>& runs_;
  std::vector<std::byte> buf_;
};

TEST(LazyViews, TransformRunsExactlyOnceUnderContention) {
  std::atomic<int> runs{0};
  auto rec = std::make_shared<detail::TensorRecord>();
  rec->name = "x";
  rec->dtype = DType::uint8;
  rec->shape = {64};
  rec->num_elements = 64;
  rec->nbytes = 64;
  rec->lazy = std::make_unique<CountingPayload>(runs);
  TensorView v = Internals::make_view(rec);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] { EXPECT_EQ(v.data()[63], std::byte{42}); });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(runs.load(), 1);
}

}  // namespace
}  // namespace tensorio
