// tensorio::Error: every code has a name and a message, and what() reads file: offset: detail.
#include <gtest/gtest.h>

#include "tensorio/error.hpp"

namespace tensorio {
namespace {

TEST(Error, CodesHaveNamesAndMessages) {
  for (int i = 1; i < static_cast<int>(ErrorCode::count_); ++i) {
    auto code = static_cast<ErrorCode>(i);
    EXPECT_FALSE(error_code_name(code).empty()) << i;
    EXPECT_NE(error_code_name(code), "ok") << i;
    EXPECT_FALSE(error_code_message(code).empty()) << i;
  }
  Error e(ErrorCode::bad_shape, "x.npy", 42, "expected a, found b");
  EXPECT_STREQ(e.what(), "x.npy: offset 42: expected a, found b");
  Error no_off(ErrorCode::io_error, "x.npy", no_offset, "boom");
  EXPECT_STREQ(no_off.what(), "x.npy: boom");
}

}  // namespace
}  // namespace tensorio
