// load_from_memory(): a file image in caller memory opens with load()'s validation and gives
// load()'s tensors, borrowing or sharing the caller's bytes. (Every corpus file is also replayed
// through it by corpus_replay.)
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "tensorio/tensorio.hpp"
#include "test_util.hpp"

namespace tensorio {
namespace {

using test::read_file;
using test::write_file;
using testing::TempDir;

std::vector<std::byte> file_bytes(const std::filesystem::path& p) {
  std::string s = read_file(p);
  std::vector<std::byte> out(s.size());
  if (!s.empty()) std::memcpy(out.data(), s.data(), s.size());
  return out;
}

// Two tensors (one for .npy) saved in `ext`'s format.
std::filesystem::path saved(const TempDir& dir, const std::string& ext) {
  static const std::vector<float> a = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f};
  static const std::vector<int32_t> b = {1, 2, 3};
  std::vector<TensorRef> refs = {
      {"a", DType::float32, {2, 3}, std::as_bytes(std::span(a))},
      {"b", DType::int32, {3}, std::as_bytes(std::span(b))},
  };
  if (ext == ".npy") refs.resize(1);
  auto path = dir.path() / ("t" + ext);
  (void)save(path, refs);
  return path;
}

void expect_same(const Archive& from_file, const Archive& from_memory) {
  ASSERT_EQ(from_file.size(), from_memory.size());
  for (size_t i = 0; i < from_file.size(); ++i) {
    const TensorView& f = from_file.tensors()[i];
    const TensorView& m = from_memory.tensors()[i];
    EXPECT_EQ(f.dtype(), m.dtype()) << f.name();
    EXPECT_TRUE(std::equal(f.shape().begin(), f.shape().end(), m.shape().begin(), m.shape().end()));
    auto fd = f.data(), md = m.data();
    ASSERT_EQ(fd.size(), md.size());
    EXPECT_EQ(std::memcmp(fd.data(), md.data(), fd.size()), 0) << f.name();
  }
  EXPECT_EQ(from_file.string_metadata(), from_memory.string_metadata());
}

TEST(LoadFromMemory, EveryFormatGivesLoadsTensorsZeroCopyIntoTheCallersBytes) {
  TempDir dir;
  for (std::string ext : {".npy", ".npz", ".safetensors", ".gguf"}) {
    SCOPED_TRACE(ext);
    auto path = saved(dir, ext);
    auto bytes = file_bytes(path);
    Archive m = load_from_memory(bytes, format_from_path(path));
    expect_same(load(path), m);
    EXPECT_EQ(m.format(), format_from_path(path));
    EXPECT_EQ(m.file_size(), bytes.size());
    // Zero-copy views point into the caller's buffer, not into a copy.
    const TensorView& v = m.tensors()[0];
    if (v.zero_copy()) {
      auto d = v.data();
      EXPECT_GE(d.data(), bytes.data());
      EXPECT_LE(d.data() + d.size(), bytes.data() + bytes.size());
    }
  }
}

TEST(LoadFromMemory, SharedOwnershipKeepsTheBytesAliveAfterTheCallerLetsGo) {
  TempDir dir;
  auto path = saved(dir, ".safetensors");
  auto owner = std::make_shared<std::vector<std::byte>>(file_bytes(path));
  std::span<const std::byte> bytes = *owner;
  TensorView view;
  {
    Archive a = load_from_memory(owner, bytes, Format::safetensors);
    owner.reset();  // the archive is now the only owner
    view = a.at("a");
  }
  // Under ASan a freed buffer here would be a heap-use-after-free.
  ASSERT_EQ(view.nbytes(), 24u);
  float first;
  std::memcpy(&first, view.data().data(), sizeof first);
  EXPECT_EQ(first, 1.5f);
}

TEST(LoadFromMemory, AMalformedImageFailsWithLoadsCodeAndNamesTheBuffer) {
  TempDir dir;
  auto path = saved(dir, ".gguf");
  auto bytes = file_bytes(path);
  bytes.resize(bytes.size() - 40);  // into the data of the last tensor (past its padding)
  write_file(dir.path() / "cut.gguf",
             std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  ErrorCode from_file{}, from_memory{};
  std::string message;
  try {
    (void)load(dir.path() / "cut.gguf");
  } catch (const Error& e) {
    from_file = e.code();
  }
  try {
    (void)load_from_memory(bytes, Format::gguf);
    ADD_FAILURE() << "a truncated image opened";
  } catch (const Error& e) {
    from_memory = e.code();
    message = e.what();
  }
  EXPECT_EQ(from_memory, from_file);
  EXPECT_NE(from_file, ErrorCode{});
  EXPECT_NE(message.find("memory:"), std::string::npos) << message;
}

TEST(LoadFromMemory, TheWrongFormatIsBadMagic) {
  TempDir dir;
  auto bytes = file_bytes(saved(dir, ".npz"));
  try {
    (void)load_from_memory(bytes, Format::npy);
    ADD_FAILURE() << "an npz image opened as npy";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_magic) << e.what();
  }
}

TEST(LoadFromMemory, AnEmptyBufferIsAnErrorNotACrash) {
  for (Format f : {Format::npy, Format::npz, Format::safetensors, Format::gguf}) {
    EXPECT_THROW((void)load_from_memory(std::span<const std::byte>{}, f), Error) << format_name(f);
  }
}

}  // namespace
}  // namespace tensorio
