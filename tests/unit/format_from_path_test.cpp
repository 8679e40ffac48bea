// format_from_path: the format a file name asks for, and the error for names it cannot place.
#include <gtest/gtest.h>

#include <string>

#include "tensorio/tensorio.hpp"

namespace tensorio {
namespace {

TEST(FormatFromPath, ByExtension) {
  EXPECT_EQ(format_from_path("a/b.npy"), Format::npy);
  EXPECT_EQ(format_from_path("b.NPZ"), Format::npz);
  EXPECT_EQ(format_from_path("m.safetensors"), Format::safetensors);
  EXPECT_EQ(format_from_path("model.safetensors.index.json"), Format::safetensors);
  EXPECT_EQ(format_from_path("m.gguf"), Format::gguf);
  try {
    (void)format_from_path("m.bin");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unknown_format);
    EXPECT_NE(std::string(e.what()).find(".bin"), std::string::npos);
  }
}

}  // namespace
}  // namespace tensorio
