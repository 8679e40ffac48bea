// Tensors of NumPy dtypes tensorio stores but does not interpret (DType::opaque): what a view
// offers (descr, element size, bytes as stored, rows and slices), what it refuses (numeric
// access, formats other than .npy/.npz), and saving them back with their descr.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "tensorio/dequantize.hpp"
#include "tensorio/npz.hpp"
#include "tensorio/safetensors.hpp"
#include "tensorio/slice.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {
namespace {

using testing::TempDir;

const std::filesystem::path kCorpus = std::filesystem::path(TENSORIO_SOURCE_ROOT) / "tests/corpus";

ErrorCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::count_;
}

TEST(Opaque, ViewDescribesItsElements) {
  Archive a = load(kCorpus / "npy/good/opaque_record_nested.npy");
  const TensorView& v = a.tensors()[0];
  EXPECT_TRUE(v.opaque());
  EXPECT_EQ(v.dtype(), DType::opaque);
  EXPECT_EQ(v.descr(),
            "[('pos', [('x', '<f4'), ('y', '<f4')]), ('ids', '<i4', (3,)), ('tag', '<U1')]");
  EXPECT_EQ(v.item_bytes(), 24u);
  EXPECT_EQ(v.nbytes(), 2 * 24u);
  EXPECT_TRUE(v.zero_copy());
  EXPECT_EQ(v.data().data(), v.stored_bytes().data());
  float x = 0;
  std::memcpy(&x, v.data().data() + 24, 4);  // the second record's pos.x
  EXPECT_EQ(x, 3.0f);
  // Numeric views have neither.
  Archive f = load(kCorpus / "npy/good/f32_2d.npy");
  EXPECT_FALSE(f.tensors()[0].opaque());
  EXPECT_EQ(f.tensors()[0].descr(), "");
  EXPECT_EQ(f.tensors()[0].item_bytes(), 4u);
}

TEST(Opaque, BigEndianBytesStayAsStoredFortranBecomesCOrder) {
  Archive be = load(kCorpus / "npy/good/opaque_unicode_be.npy");
  const TensorView& v = be.tensors()[0];
  EXPECT_FALSE(v.stored_big_endian());
  EXPECT_TRUE(v.zero_copy());
  EXPECT_EQ(static_cast<uint8_t>(v.data()[3]), 'b');  // '>U4' "big": 00 00 00 62
  Archive fo = load(kCorpus / "npy/good/opaque_unicode_fortran.npy");
  const TensorView& w = fo.tensors()[0];
  EXPECT_TRUE(w.stored_fortran_order());
  EXPECT_FALSE(w.zero_copy());
  ASSERT_EQ(w.item_bytes(), 12u);
  // C order: row 0 is "a", "bb", "ccc"; the second element's first code unit is 'b'.
  EXPECT_EQ(static_cast<uint8_t>(w.data()[12]), 'b');
  EXPECT_EQ(static_cast<uint8_t>(w.data()[3 * 12]), 'd');
}

TEST(Opaque, NumericAccessIsRefusedWithItsOwnCode) {
  Archive a = load(kCorpus / "npy/good/opaque_long_double.npy");
  const TensorView& v = a.tensors()[0];
  EXPECT_EQ(code_of([&] { (void)v.as<uint8_t>(); }), ErrorCode::opaque_dtype);
  EXPECT_EQ(code_of([&] { (void)v.as<long double>(); }), ErrorCode::opaque_dtype);
  EXPECT_EQ(code_of([&] { (void)dequantized(v); }), ErrorCode::opaque_dtype);
  EXPECT_EQ(code_of([&] { (void)mlx_affine_views(v); }), ErrorCode::opaque_dtype);
  try {
    (void)v.as<uint8_t>();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'<f16'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("opaque_long_double.npy"), std::string::npos);
  }
}

TEST(Opaque, RowsAndSlicesCutWholeElements) {
  Archive a = load(kCorpus / "npy/good/opaque_unicode.npy");  // '<U3', shape (2, 2)
  const TensorView& v = a.tensors()[0];
  TensorView row = v.rows(1, 2);
  EXPECT_TRUE(row.opaque());
  EXPECT_EQ(row.descr(), "<U3");
  EXPECT_EQ(row.nbytes(), 2 * 12u);
  EXPECT_EQ(row.data().data(), v.data().data() + 24);
  SliceRange ranges[] = {{0, 2}, {1, 2}};  // the second column
  EXPECT_EQ(slice_nbytes(v, ranges), 2 * 12u);
  std::vector<std::byte> out(24);
  copy_slice(v, ranges, out);
  EXPECT_EQ(std::memcmp(out.data(), v.data().data() + 12, 12), 0);
  EXPECT_EQ(std::memcmp(out.data() + 12, v.data().data() + 36, 12), 0);
}

TEST(Opaque, SavedBackWithItsDescrOnlyToNumpyFormats) {
  Archive a = load(kCorpus / "npz/good/opaque_mixed.npz");
  std::vector<TensorRef> refs;
  for (const TensorView& v : a.tensors()) refs.push_back(TensorRef::from_view(v));
  TempDir dir;
  save_npz(dir.path() / "copy.npz", refs);
  Archive b = load(dir.path() / "copy.npz");
  ASSERT_EQ(b.size(), a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const TensorView &x = a.tensors()[i], &y = b.tensors()[i];
    EXPECT_EQ(x.dtype(), y.dtype()) << x.name();
    EXPECT_EQ(x.descr(), y.descr()) << x.name();
    ASSERT_EQ(x.nbytes(), y.nbytes()) << x.name();
    EXPECT_EQ(std::memcmp(x.data().data(), y.data().data(), x.nbytes()), 0) << x.name();
  }
  // Other formats refuse them by name.
  const TensorRef* labels = nullptr;
  for (const TensorRef& r : refs) labels = r.name == "labels" ? &r : labels;
  ASSERT_NE(labels, nullptr);
  try {
    save_safetensors(dir.path() / "x.safetensors", std::span(labels, 1));
    ADD_FAILURE() << "safetensors accepted an opaque tensor";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unrepresentable);
    EXPECT_NE(std::string(e.what()).find("'labels'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'<U4'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(code_of([&] { save(dir.path() / "x.gguf", std::span(labels, 1)); }),
            ErrorCode::unrepresentable);
}

TEST(Opaque, ADescrToSaveIsValidatedLikeAFilesHeader) {
  TempDir dir;
  const char bytes[6] = {'a', 'b', 'c', 'd', 'e', 'f'};
  auto save_with = [&](DType dtype, const std::string& descr, std::vector<uint64_t> shape) {
    TensorRef r{"s", dtype, std::move(shape), std::as_bytes(std::span(bytes)), descr};
    return code_of([&] { save(dir.path() / "s.npy", std::span(&r, 1)); });
  };
  EXPECT_EQ(save_with(DType::opaque, "|S3", {2}), ErrorCode::count_);  // saved
  Archive back = load(dir.path() / "s.npy");
  EXPECT_EQ(back.tensors()[0].descr(), "|S3");
  EXPECT_EQ(save_with(DType::opaque, "[('a', '|S2'), ('b', '|u1')]", {2}), ErrorCode::count_);
  EXPECT_EQ(save_with(DType::opaque, "|S4", {2}), ErrorCode::invalid_argument);  // 8 bytes
  EXPECT_EQ(save_with(DType::opaque, "<f4", {2}), ErrorCode::invalid_argument);  // numeric
  EXPECT_EQ(save_with(DType::opaque, "", {2}), ErrorCode::unknown_dtype);
  EXPECT_EQ(save_with(DType::opaque, "|O", {2}), ErrorCode::object_dtype);
  EXPECT_EQ(save_with(DType::opaque, "[('a', '|S3')] x", {2}), ErrorCode::invalid_argument);
  EXPECT_EQ(save_with(DType::opaque, "[('a', '|S3'", {2}), ErrorCode::bad_header);
  EXPECT_EQ(save_with(DType::opaque, "|S3', 'x': '", {2}), ErrorCode::unsupported_dtype);
}

}  // namespace
}  // namespace tensorio
