// What each kind of C++ failure becomes at the C boundary (api/c_status.hpp). The C test
// program reaches the codes a file or the machine can cause; the one only a defect in tensorio
// could cause, TIO_ERR_INTERNAL, is provoked here with bodies that throw what the library never
// throws on purpose.
#include "api/c_status.hpp"

#include <gtest/gtest.h>

#include <new>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

namespace {

using tensorio::capi::guarded;

std::string last_message() { return tio_last_error_message(); }

TEST(CStatus, SuccessClearsTheLastError) {
  guarded([] { throw std::runtime_error("before"); });
  EXPECT_EQ(guarded([] {}), TIO_OK);
  EXPECT_EQ(tio_last_error_code(), TIO_OK);
  EXPECT_EQ(last_message(), "");
}

TEST(CStatus, ErrorKeepsItsCodeAndMessage) {
  tio_status s = guarded([] {
    throw tensorio::Error(tensorio::ErrorCode::bad_header, "f.npy", 12, "expected x, found y");
  });
  EXPECT_EQ(s, TIO_ERR_BAD_HEADER);
  EXPECT_EQ(tio_last_error_code(), TIO_ERR_BAD_HEADER);
  EXPECT_NE(last_message().find("f.npy"), std::string::npos);
  EXPECT_NE(last_message().find("expected x, found y"), std::string::npos);
}

TEST(CStatus, BadAllocIsOutOfMemoryWithAFixedMessage) {
  EXPECT_EQ(guarded([] { throw std::bad_alloc(); }), TIO_ERR_OUT_OF_MEMORY);
  EXPECT_EQ(tio_last_error_code(), TIO_ERR_OUT_OF_MEMORY);
  EXPECT_EQ(last_message(), "tensorio: out of memory");
  // A derived allocation failure is the same failure.
  EXPECT_EQ(guarded([] { throw std::bad_array_new_length(); }), TIO_ERR_OUT_OF_MEMORY);
}

TEST(CStatus, AnyOtherStandardExceptionIsInternalWithItsText) {
  EXPECT_EQ(guarded([] { throw std::logic_error("vector::at"); }), TIO_ERR_INTERNAL);
  EXPECT_EQ(tio_last_error_code(), TIO_ERR_INTERNAL);
  EXPECT_EQ(last_message(), "tensorio: internal error: vector::at");
  tio_status s = guarded([] {
    throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again),
                            "thread");
  });
  EXPECT_EQ(s, TIO_ERR_INTERNAL);
  EXPECT_EQ(last_message().rfind("tensorio: internal error: thread", 0), 0u);
}

TEST(CStatus, AnythingElseIsInternal) {
  EXPECT_EQ(guarded([] { throw 42; }), TIO_ERR_INTERNAL);
  EXPECT_EQ(last_message(), "tensorio: internal error: an unknown exception");
}

TEST(CStatus, EachThreadHasItsOwnLastError) {
  guarded([] { throw std::bad_alloc(); });
  std::thread([] {
    EXPECT_EQ(tio_last_error_code(), TIO_OK);
    guarded([] { throw 1; });
    EXPECT_EQ(tio_last_error_code(), TIO_ERR_INTERNAL);
  }).join();
  EXPECT_EQ(tio_last_error_code(), TIO_ERR_OUT_OF_MEMORY);
}

}  // namespace
