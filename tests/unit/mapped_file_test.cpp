// MappedFile: whole-file maps, the errors of missing files and directories, and files that
// shrink after they were mapped.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/mapped_file.hpp"
#include "support/temp_dir.hpp"
#include "tensorio/error.hpp"
#include "test_util.hpp"

namespace tensorio {
namespace {

TEST(MappedFile, MapsWholeFileAndReportsMissing) {
  testing::TempDir dir;
  test::write_file(dir / "a.bin", "hello");
  auto f = detail::MappedFile::open((dir / "a.bin").string());
  EXPECT_EQ(f->size(), 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f->bytes().data()), 5), "hello");
  test::write_file(dir / "empty.bin", "");
  EXPECT_EQ(detail::MappedFile::open((dir / "empty.bin").string())->size(), 0u);
  try {
    detail::MappedFile::open((dir / "missing.bin").string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::file_not_found);
  }
  try {
    detail::MappedFile::open(dir.path().string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io_error);
  }
}

TEST(MappedFile, DetectsTruncationAfterOpen) {
  testing::TempDir dir;
  test::write_file(dir / "a.bin", std::string(8192, 'x'));
  auto f = detail::MappedFile::open((dir / "a.bin").string());
  EXPECT_NO_THROW(f->check_still_covers(8192));
  std::filesystem::resize_file(dir / "a.bin", 100);
  try {
    f->check_still_covers(8192);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::file_changed);
  }
}

}  // namespace
}  // namespace tensorio
