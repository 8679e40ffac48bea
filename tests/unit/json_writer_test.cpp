// The JSON writer behind safetensors headers and the CLI's output.
#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>

#include "core/json_writer.hpp"

namespace tensorio {
namespace {

TEST(JsonWriter, EscapesAndNests) {
  detail::JsonWriter w;
  w.begin_object();
  w.key("a\"b\\c").value(std::string_view("line\nnext\x01\xff"));
  w.key("n").begin_array().value(uint64_t{1}).value(int64_t{-2}).value(0.5).value(2.0).end_array();
  w.key("e").begin_object().end_object();
  w.key("t").value(true).key("z").null();
  w.end_object();
  EXPECT_EQ(w.str(),
            "{\"a\\\"b\\\\c\":\"line\\nnext\\u0001\xEF\xBF\xBD\",\"n\":[1,-2,0.5,2.0],\"e\":{},"
            "\"t\":true,\"z\":null}");
}

}  // namespace
}  // namespace tensorio
