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

// Control bytes (from names quoted out of files) never cut or break a message.
TEST(Error, ControlBytesInTheReasonArePrintedAsEscapes) {
  Error e(ErrorCode::bad_shape, "x.gguf", 7, std::string("tensor 'a\0b\n\x7f': bad", 19));
  EXPECT_STREQ(e.what(), "x.gguf: offset 7: tensor 'a\\x00b\\x0a\\x7f': bad");
  EXPECT_EQ(e.reason(), "tensor 'a\\x00b\\x0a\\x7f': bad");
  Error again(e.code(), e.file(), e.offset(), e.reason());  // re-wrapping changes nothing
  EXPECT_EQ(again.reason(), e.reason());
}

}  // namespace
}  // namespace tensorio
