// The atomic writer: complete new file or untouched old file, never anything in between.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "io/atomic_writer.hpp"
#include "support/temp_dir.hpp"
#include "tensorio/npy.hpp"
#include "tensorio/tensorio.hpp"
#include "test_util.hpp"

namespace tensorio {
namespace {

size_t count_temp_files(const std::filesystem::path& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    n += e.path().filename().string().find(".tensorio-tmp-") != std::string::npos;
  }
  return n;
}

struct HookReset {
  ~HookReset() { detail::set_write_fault_hook(nullptr); }
};

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 31 + 7);
  return s;
}

TEST(AtomicWriter, WritesBufferedAndDirectSpansInOrder) {
  testing::TempDir dir;
  SaveOptions opts;
  opts.buffer_bytes = 4096;
  std::string a = pattern(100), b = pattern(20000), c = pattern(5000);
  {
    detail::AtomicWriter w(dir / "out.bin", opts);
    w.write(test::as_bytes(a));
    w.write(test::as_bytes(b));  // crosses several buffers
    w.write_zeros(3);
    w.write(test::as_bytes(c));
    EXPECT_EQ(w.position(), 100u + 20000 + 3 + 5000);
    std::string patch = "PATCH";
    w.overwrite(50, test::as_bytes(patch));
    EXPECT_THROW(w.overwrite(w.position() - 2, test::as_bytes(patch)), Error);
    EXPECT_FALSE(std::filesystem::exists(dir / "out.bin")) << "nothing visible before commit";
    w.commit();
  }
  std::string expect = a + b + std::string(3, '\0') + c;
  expect.replace(50, 5, "PATCH");
  EXPECT_EQ(test::read_file(dir / "out.bin"), expect);
  EXPECT_EQ(count_temp_files(dir.path()), 0u);
}

TEST(AtomicWriter, UncommittedWriterLeavesNoTrace) {
  testing::TempDir dir;
  test::write_file(dir / "keep.bin", "old contents");
  {
    detail::AtomicWriter w(dir / "keep.bin", {});
    w.write(test::as_bytes(pattern(10000)));
  }
  EXPECT_EQ(test::read_file(dir / "keep.bin"), "old contents");
  EXPECT_EQ(count_temp_files(dir.path()), 0u);
}

TEST(AtomicWriter, FailingWriteAtEveryBoundaryKeepsOldFile) {
  testing::TempDir dir;
  HookReset reset;
  std::vector<uint8_t> data(64 * 1024);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  TensorRef ref{"x", DType::uint8, {data.size()}, std::as_bytes(std::span(data))};
  SaveOptions opts;
  opts.buffer_bytes = 4096;
  save_npy(dir / "x.npy", ref, opts);
  std::string old = test::read_file(dir / "x.npy");
  std::vector<uint8_t> other(data.size(), 0xAB);
  TensorRef ref2{"x", DType::uint8, {other.size()}, std::as_bytes(std::span(other))};
  // Count the write calls of one successful save: every one of them gets a fault below.
  uint64_t calls = 0;
  detail::set_write_fault_hook([&calls](uint64_t, size_t) {
    ++calls;
    return 0;
  });
  save_npy(dir / "count.npy", ref2, opts);
  detail::set_write_fault_hook(nullptr);
  ASSERT_GE(calls, 2u) << "flush of the buffered header, direct write of the payload";
  int failures = 0;
  for (uint64_t fail_at = 0;; ++fail_at) {
    for (int err : {ENOSPC, EIO}) {
      detail::set_write_fault_hook(
          [fail_at, err](uint64_t call, size_t) { return call == fail_at ? err : 0; });
      try {
        save_npy(dir / "x.npy", ref2, opts);
        detail::set_write_fault_hook(nullptr);
        // The fault was past the last write: the save succeeded completely.
        EXPECT_EQ(test::read_file(dir / "x.npy").size(), old.size());
        save_npy(dir / "x.npy", ref, opts);  // restore the old contents for the next round
        goto done;
      } catch (const Error& e) {
        ++failures;
        EXPECT_EQ(e.code(), ErrorCode::io_error);
        EXPECT_NE(std::string(e.what()).find(std::strerror(err)), std::string::npos) << e.what();
      }
      detail::set_write_fault_hook(nullptr);
      EXPECT_EQ(test::read_file(dir / "x.npy"), old) << "fault at write " << fail_at;
      EXPECT_EQ(count_temp_files(dir.path()), 0u);
    }
  }
done:
  EXPECT_EQ(failures, static_cast<int>(2 * calls)) << "each write call failed once per errno";
}

TEST(AtomicWriter, KeepsTheModeOfTheReplacedFile) {
  testing::TempDir dir;
  test::write_file(dir / "m.bin", "x");
  ::chmod((dir / "m.bin").c_str(), 0640);
  detail::AtomicWriter w(dir / "m.bin", {});
  w.write(test::as_bytes(std::string("y")));
  w.commit();
  struct stat st {};
  ASSERT_EQ(::stat((dir / "m.bin").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(AtomicWriter, RemovesStaleTempFilesOfDeadProcesses) {
  testing::TempDir dir;
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);  // now a pid that belongs to no process
  std::string stale = ".t.npy.tensorio-tmp-" + std::to_string(child) + "-0";
  std::string live = ".t.npy.tensorio-tmp-" + std::to_string(::getpid()) + "-99";
  std::string other = ".u.npy.tensorio-tmp-" + std::to_string(child) + "-0";
  test::write_file(dir / stale, "junk");
  test::write_file(dir / live, "in progress");
  test::write_file(dir / other, "another target");
  detail::AtomicWriter w(dir / "t.npy", {});
  w.commit();
  EXPECT_FALSE(std::filesystem::exists(dir / stale));
  EXPECT_TRUE(std::filesystem::exists(dir / live)) << "a live process's save is left alone";
  EXPECT_TRUE(std::filesystem::exists(dir / other)) << "other targets' temps are left alone";
}

TEST(AtomicWriter, MissingDirectoryIsAnError) {
  testing::TempDir dir;
  try {
    detail::AtomicWriter w(dir / "no" / "such" / "x.npy", {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io_error);
  }
}

}  // namespace
}  // namespace tensorio
