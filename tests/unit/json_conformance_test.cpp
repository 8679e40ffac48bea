// RFC 8259 conformance of the safetensors JSON parsers, on tests/corpus/json (written by
// tests/tools/make_json_corpus.py): strings, escapes, surrogates, control bytes, numbers,
// literals, nesting, duplicate keys, whitespace, byte order marks.
//
//   value/y_*.json     must parse standalone (the DOM parser of index files) and as an ignored
//                      field of a tensor entry (the header's SAX pass, where serde_json skips
//                      the value without converting its numbers);
//   value/n_CODE__*    must fail both ways with ErrorCode CODE;
//   document/y_*.json  must open as a whole safetensors header;
//   document/n_CODE__* must fail as a header with CODE.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "safetensors/strict_json.hpp"
#include "safetensors_test_util.hpp"
#include "tensorio/safetensors.hpp"

namespace tensorio {
namespace {

using namespace tensorio::testing;

struct Case {
  std::string name;
  std::string text;
  bool must_parse = false;
  ErrorCode code = ErrorCode::count_;  // when it must fail
};

std::vector<Case> cases(const std::string& kind) {
  std::vector<Case> out;
  for (const auto& e : fs::directory_iterator(tests_dir() / "corpus" / "json" / kind)) {
    Case c;
    c.name = e.path().stem().string();
    auto bytes = read_file(e.path());
    c.text.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    c.must_parse = c.name.starts_with("y_");
    if (!c.must_parse) {
      std::string code = c.name.substr(2, c.name.find("__") - 2);
      c.code = code_named(code);
      EXPECT_NE(c.code, ErrorCode::count_) << c.name << ": no ErrorCode named " << code;
    }
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return out;
}

ErrorCode header_code(const std::string& header, const std::string& data) {
  std::string image = st_image(header, data);
  return error_code_of(
      [&] { (void)parse_safetensors_header(std::as_bytes(std::span(image)), "case"); });
}

ErrorCode dom_code(const std::string& text) {
  return error_code_of([&] {
    rapidjson::Document doc;
    detail::parse_strict_json(text, doc, "case", 0, "value");
  });
}

TEST(JsonConformance, Values) {
  auto all = cases("value");
  ASSERT_GE(all.size(), 80u);
  size_t yes = 0;
  for (const Case& c : all) {
    std::string header =
        "{\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"v\":" + c.text + "}}";
    ErrorCode want = c.must_parse ? ErrorCode::count_ : c.code;
    EXPECT_EQ(header_code(header, "\x01"), want) << c.name << " in a header";
    EXPECT_EQ(dom_code(c.text), want) << c.name << " standalone";
    yes += c.must_parse;
  }
  EXPECT_GE(yes, 30u);
}

TEST(JsonConformance, Documents) {
  auto all = cases("document");
  ASSERT_GE(all.size(), 15u);
  for (const Case& c : all) {
    EXPECT_EQ(header_code(c.text, ""), c.must_parse ? ErrorCode::count_ : c.code) << c.name;
  }
}

// The decoded values are right, not merely accepted: escapes, pairs and NULs reach the caller.
TEST(JsonConformance, DecodedStrings) {
  std::string image =
      st_image("{\"__metadata__\":{\"k\\u00e9\":\"\\ud83d\\ude00 \\u0000 \\\\ \\\\udc00\"}}", "");
  SafetensorsHeader h = parse_safetensors_header(std::as_bytes(std::span(image)), "case");
  ASSERT_EQ(h.metadata.size(), 1u);
  EXPECT_EQ(h.metadata[0].first, "k\xc3\xa9");
  EXPECT_EQ(h.metadata[0].second, std::string("\xf0\x9f\x98\x80 \0 \\ \\udc00", 15));
}

}  // namespace
}  // namespace tensorio
