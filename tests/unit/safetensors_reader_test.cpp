// The strict reader: every malformed corpus file fails with the ErrorCode its name states, the
// quirks in good/ load with the right content, and views are zero-copy into the mapping.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "safetensors_test_util.hpp"
#include "tensorio/safetensors.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {
namespace {

using namespace tensorio::testing;

fs::path corpus(const std::string& kind) { return tests_dir() / "corpus" / "safetensors" / kind; }

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SafetensorsCorpus, EveryBadFileFailsWithTheCodeInItsName) {
  auto files = files_in(corpus("bad"));
  ASSERT_GE(files.size(), 80u);
  for (const fs::path& p : files) {
    std::string stem = p.stem().string();
    std::string code_name = stem.substr(0, stem.find("__"));
    ErrorCode want = code_named(code_name);
    ASSERT_NE(want, ErrorCode::count_) << p << ": no ErrorCode named " << code_name;
    std::string msg;
    ErrorCode got = error_code_of([&] { (void)load(p); }, &msg);
    EXPECT_EQ(got, want) << p << " gave " << error_code_name(got) << ": " << msg;
  }
}

TEST(SafetensorsCorpus, EveryRuleHasABadFile) {
  std::vector<std::string> present;
  for (const fs::path& p : files_in(corpus("bad"))) {
    std::string stem = p.stem().string();
    present.push_back(stem.substr(0, stem.find("__")));
  }
  for (const char* code :
       {"file_too_small", "header_too_large", "out_of_bounds", "bad_magic",
        "bad_utf8",       "bad_json",         "bad_header",    "bad_metadata",
        "duplicate_name", "unknown_dtype",    "bad_offsets",   "bad_shape",
        "size_overflow",  "partial_byte",     "size_mismatch", "overlap",
        "offset_gap",     "trailing_bytes",   "truncated",     "limit_exceeded"}) {
    EXPECT_NE(std::find(present.begin(), present.end(), code), present.end()) << code;
  }
}

TEST(SafetensorsCorpus, EveryGoodFileLoadsAndVerifies) {
  for (const fs::path& p : files_in(corpus("good"))) {
    Archive a = load(p);
    EXPECT_TRUE(verify(a).empty()) << p;
    EXPECT_EQ(a.format(), Format::safetensors);
  }
}

TEST(SafetensorsCorpus, BadMessagesNameTheTensor) {
  std::string msg;
  error_code_of([&] { (void)load(corpus("bad") / "offset_gap__hole.safetensors"); }, &msg);
  EXPECT_NE(msg.find("tensor 'b'"), std::string::npos) << msg;
  error_code_of([&] { (void)load(corpus("bad") / "bad_shape__negative.safetensors"); }, &msg);
  EXPECT_NE(msg.find("tensor 'x'"), std::string::npos) << msg;
  error_code_of([&] { (void)load(corpus("bad") / "bad_magic__git_lfs_pointer.safetensors"); },
                &msg);
  EXPECT_NE(msg.find("git-lfs pointer"), std::string::npos) << msg;
  error_code_of([&] { (void)load(corpus("bad") / "bad_magic__html_page.safetensors"); }, &msg);
  EXPECT_NE(msg.find("HTML"), std::string::npos) << msg;
}

TEST(SafetensorsReader, ViewsAreZeroCopyAtAbsoluteOffsets) {
  Archive a = load(corpus("good") / "unaligned_tensors.safetensors");
  ASSERT_EQ(a.size(), 2u);
  const TensorView& w = a.at("w");
  auto file = read_file(corpus("good") / "unaligned_tensors.safetensors");
  uint64_t n = 0;
  std::memcpy(&n, file.data(), 8);
  EXPECT_EQ(n % 2, 1u);  // the data buffer starts at an odd offset
  EXPECT_EQ(w.file_offset(), 8 + n + 2);
  EXPECT_EQ(w.file_offset() % 2, 1u);
  EXPECT_TRUE(w.zero_copy());
  EXPECT_EQ(w.data().data(), w.stored_bytes().data());
  EXPECT_FALSE(w.aligned());  // float32 at an odd file offset (mappings are page-aligned)
  EXPECT_TRUE(a.at("a").aligned());
  EXPECT_EQ(std::memcmp(w.data().data(), file.data() + w.file_offset(), 8), 0);
  EXPECT_EQ(error_code_of([&] { (void)w.as<float>(); }), ErrorCode::bad_alignment);
}

TEST(SafetensorsReader, TensorsComeInDataOrderWithDecodedNames) {
  Archive a = load(corpus("good") / "out_of_order_entries.safetensors");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a.tensors()[0].name(), "a");
  EXPECT_EQ(a.tensors()[1].name(), "b");
  Archive n = load(corpus("good") / "names_unicode_escapes.safetensors");
  EXPECT_NE(n.find(""), nullptr);
  EXPECT_NE(n.find(std::string("nul\0in", 6)), nullptr);
  EXPECT_NE(n.find("q\"b\\s/t\t"), nullptr);
  EXPECT_NE(n.find("ünï€😀"), nullptr);
  Archive e = load(corpus("good") / "escaped_in_json.safetensors");
  EXPECT_NE(e.find("é😀"), nullptr);
}

TEST(SafetensorsReader, QuirksLoadWithTheirShapes) {
  Archive s = load(corpus("good") / "scalar_0d.safetensors");
  EXPECT_EQ(s.at("pi").ndim(), 0u);
  double pi = 0;
  std::memcpy(&pi, s.at("pi").data().data(), 8);  // the scalar is not 8-aligned in this file
  EXPECT_EQ(pi, 3.141592653589793);
  Archive r = load(corpus("good") / "rank_8.safetensors");
  EXPECT_EQ(r.at("r8").ndim(), 8u);
  EXPECT_EQ(r.at("r8").nbytes(), 16u);
  Archive z = load(corpus("good") / "zero_size_tensors.safetensors");
  EXPECT_EQ(z.at("empty").nbytes(), 0u);
  EXPECT_EQ(z.at("z2").num_elements(), 0u);
  EXPECT_EQ(z.at("x").nbytes(), 4u);
  Archive p = load(corpus("good") / "f4_f6_packed.safetensors");
  EXPECT_EQ(p.at("f4").dtype(), DType::float4_e2m1fn);
  EXPECT_EQ(p.at("f4").nbytes(), 6u);
  EXPECT_EQ(p.at("f6").dtype(), DType::float6_e2m3fn);
  EXPECT_EQ(p.at("f6b").dtype(), DType::float6_e3m2fn);
  EXPECT_EQ(p.at("f6b").nbytes(), 6u);
}

TEST(SafetensorsReader, MetadataIsTheMetadataMap) {
  EXPECT_TRUE(load(corpus("good") / "metadata_null.safetensors").string_metadata().empty());
  EXPECT_TRUE(load(corpus("good") / "metadata_empty.safetensors").string_metadata().empty());
  Archive m = load(corpus("good") / "metadata_strings.safetensors");
  ASSERT_EQ(m.string_metadata().size(), 2u);
  EXPECT_EQ(m.string_metadata()[0], (std::pair<std::string, std::string>{"format", "pt"}));
  EXPECT_EQ(m.string_metadata()[1].second, "{\"a\": [1, 2]}");
  EXPECT_EQ(m.metadata_json(), "{\"format\":\"pt\",\"json\":\"{\\\"a\\\": [1, 2]}\"}");
}

TEST(SafetensorsReader, AllTwentyTwoDtypesMapToTheirCanonicalNames) {
  Archive a = load(corpus("good") / "all_22_dtypes.safetensors");
  ASSERT_EQ(a.size(), 22u);
  const std::pair<const char*, const char*> expected[] = {
      {"t_bool", "bool"},
      {"t_f4", "float4_e2m1fn"},
      {"t_f6_e2m3", "float6_e2m3fn"},
      {"t_f6_e3m2", "float6_e3m2fn"},
      {"t_u8", "uint8"},
      {"t_i8", "int8"},
      {"t_f8_e5m2", "float8_e5m2"},
      {"t_f8_e4m3", "float8_e4m3fn"},
      {"t_f8_e8m0", "float8_e8m0fnu"},
      {"t_f8_e4m3fnuz", "float8_e4m3fnuz"},
      {"t_f8_e5m2fnuz", "float8_e5m2fnuz"},
      {"t_i16", "int16"},
      {"t_u16", "uint16"},
      {"t_f16", "float16"},
      {"t_bf16", "bfloat16"},
      {"t_i32", "int32"},
      {"t_u32", "uint32"},
      {"t_f32", "float32"},
      {"t_c64", "complex64"},
      {"t_f64", "float64"},
      {"t_i64", "int64"},
      {"t_u64", "uint64"},
  };
  for (size_t i = 0; i < 22; ++i) {
    const TensorView& v = a.tensors()[i];
    EXPECT_EQ(v.name(), expected[i].first);
    EXPECT_EQ(dtype_name(v.dtype()), expected[i].second);
    // The generator fills tensor i with (i * 37 + k) & 0xFF.
    auto d = v.data();
    for (size_t k = 0; k < d.size(); ++k) {
      ASSERT_EQ(static_cast<unsigned>(d[k]), (i * 37 + k) & 0xFF) << v.name();
    }
  }
}

TEST(SafetensorsReader, HeaderCapIsConfigurableAndInclusive) {
  TempDir dir;
  std::string header = "{\"x\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}";
  write_file(dir / "capped.safetensors", st_image(header, "ab"));
  OpenOptions opts;
  opts.limits.max_header_bytes = header.size();  // N == cap is allowed, as by the reference
  EXPECT_EQ(open_safetensors(dir / "capped.safetensors", opts).size(), 1u);
  opts.limits.max_header_bytes = header.size() - 1;
  EXPECT_EQ(error_code_of([&] { (void)open_safetensors(dir / "capped.safetensors", opts); }),
            ErrorCode::header_too_large);
}

TEST(SafetensorsReader, OtherLimitsApply) {
  TempDir dir;
  write_file(dir / "two.safetensors",
             st_image("{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1],\"data_offsets\":[0,1]},"
                      "\"b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}",
                      "ab"));
  OpenOptions opts;
  opts.limits.max_tensors = 1;
  EXPECT_EQ(error_code_of([&] { (void)open_safetensors(dir / "two.safetensors", opts); }),
            ErrorCode::limit_exceeded);
  opts = {};
  opts.limits.max_dims = 2;
  EXPECT_EQ(error_code_of([&] { (void)open_safetensors(dir / "two.safetensors", opts); }),
            ErrorCode::limit_exceeded);
}

// The JSON parser recurses per nesting level; the depth limit must end the parse before the
// stack can run out, however deep the input claims to go (a million levels here).
TEST(SafetensorsReader, MillionLevelNestingStopsAtTheDepthLimit) {
  TempDir dir;
  for (char open : {'[', '{'}) {
    std::string header = "{\"x\":" + std::string(1'000'000, open);
    if (open == '{') {
      header = "{\"x\":";
      for (int i = 0; i < 200'000; ++i) header += "{\"k\":";
    }
    write_file(dir / "deep.safetensors", st_image(header));
    std::string message;
    EXPECT_EQ(error_code_of([&] { (void)open_safetensors(dir / "deep.safetensors"); }, &message),
              ErrorCode::limit_exceeded)
        << message;
  }
}

TEST(SafetensorsReader, ParsesFromMemoryWithTheSameRules) {
  std::string image =
      st_image("{\"x\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", "abcd");
  auto bytes = std::as_bytes(std::span(image));
  SafetensorsHeader h = parse_safetensors_header(bytes, "mem");
  EXPECT_EQ(h.header_bytes, image.size() - 12);
  EXPECT_EQ(h.data_offset, image.size() - 4);
  ASSERT_EQ(h.tensors.size(), 1u);
  EXPECT_EQ(h.tensors[0].dtype, DType::float16);
  EXPECT_EQ(h.tensors[0].end, 4u);
  // Every strict prefix of a valid file is rejected with an Error, never accepted or crashed.
  for (size_t len = 0; len < image.size(); ++len) {
    EXPECT_NE(error_code_of([&] { (void)parse_safetensors_header(bytes.first(len), "mem"); }),
              ErrorCode::count_)
        << len;
  }
}

TEST(SafetensorsReader, ErrorsGiveTheAbsoluteOffset) {
  std::string msg;
  Error e(ErrorCode::io_error, "", 0, "");
  try {
    (void)load(corpus("bad") / "offset_gap__first_not_at_zero.safetensors");
  } catch (const Error& err) {
    e = err;
  }
  EXPECT_EQ(e.code(), ErrorCode::offset_gap);
  auto file = read_file(corpus("bad") / "offset_gap__first_not_at_zero.safetensors");
  uint64_t n = 0;
  std::memcpy(&n, file.data(), 8);
  EXPECT_EQ(e.offset(), 8 + n);  // the hole starts at the data buffer's start
}

// Schema errors point at the JSON token where they were found (the text starts at offset 8).
TEST(SafetensorsReader, SchemaErrorsGiveTheOffsetOfTheBadToken) {
  std::string header =
      "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
      "\"b\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[1,2]}}";
  std::string image = st_image(header, "ab");
  try {
    (void)parse_safetensors_header(std::as_bytes(std::span(image)), "mem");
    FAIL() << "accepted a negative dimension";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_shape);
    // At "-1", the token the check refused (the parser reports a number at its start, a
    // string or bracket just after it).
    EXPECT_GE(e.offset(), 8 + header.find("-1")) << e.what();
    EXPECT_LE(e.offset(), 8 + header.find("-1") + 2) << e.what();
    EXPECT_NE(std::string(e.what()).find("tensor 'b'"), std::string::npos) << e.what();
  }
}

// RapidJSON 1.1.0's gaps (json_lexical.hpp): each class is refused or accepted as serde_json
// does, wherever in the text it falls, and errors point at the offending byte or escape.
TEST(SafetensorsReader, LexicalRulesHoldAtEveryPosition) {
  auto parse = [](const std::string& header, uint64_t* offset = nullptr) {
    std::string image = st_image(header, "\x01");
    std::string msg;
    ErrorCode code = error_code_of(
        [&] {
          try {
            (void)parse_safetensors_header(std::as_bytes(std::span(image)), "mem");
          } catch (const Error& e) {
            if (offset) *offset = e.offset();
            throw;
          }
        },
        &msg);
    return code;
  };
  const std::string entry = "\"x\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}";
  // A raw 0x1A..0x1F (and every other control byte but tab, LF, CR between tokens) inside a
  // metadata string, at every position within the 16-byte blocks of RapidJSON's scan.
  for (int c = 0; c < 0x20; ++c) {
    for (size_t pos = 0; pos < 40; ++pos) {
      std::string value(40, 'v');
      value[pos] = static_cast<char>(c);
      std::string header = "{\"__metadata__\":{\"k\":\"" + value + "\"}," + entry + "}";
      uint64_t offset = 0;
      EXPECT_EQ(parse(header, &offset), ErrorCode::bad_json) << c << " at " << pos;
      EXPECT_EQ(offset, 8 + header.find(static_cast<char>(c))) << c << " at " << pos;
    }
  }
  // An earlier syntax error is reported before a later control byte.
  uint64_t offset = 0;
  EXPECT_EQ(parse("{\"a\":[1,,2],\"k\":\"\x1b\"}", &offset), ErrorCode::bad_json);
  EXPECT_EQ(offset, 8 + 8u);
  // Lone low surrogates in keys, values and ignored fields; pairs are fine.
  for (const char* esc : {"\\udc00", "\\uDFFF", "\\udcab"}) {
    std::string lone = std::string("\"") + esc + "\"";
    EXPECT_EQ(parse("{" + lone + ":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}"),
              ErrorCode::bad_json)
        << esc;
    std::string header = "{\"__metadata__\":{\"k\":\"a\\\\" + std::string("\\\\") + "b" +
                         std::string(esc) + "\"}," + entry + "}";
    EXPECT_EQ(parse(header, &offset), ErrorCode::bad_json) << header;
    EXPECT_EQ(offset, 8 + header.find(esc)) << header;
    EXPECT_EQ(parse("{" + entry.substr(0, entry.size() - 1) + ",\"n\":[\"" + esc + "\"]}}"),
              ErrorCode::bad_json)
        << esc;
  }
  EXPECT_EQ(parse("{\"\\ud800\\udc00\\\\udc00\":{\"dtype\":\"U8\",\"shape\":[1],"
                  "\"data_offsets\":[0,1]}}"),
            ErrorCode::count_);
  // Numbers a double cannot hold: accepted where ignored, refused where an integer is read.
  EXPECT_EQ(parse("{" + entry.substr(0, entry.size() - 1) + ",\"n\":[0e400,-1e999,1E+309]}}"),
            ErrorCode::count_);
  EXPECT_EQ(parse("{\"x\":{\"dtype\":\"U8\",\"shape\":[0e400],\"data_offsets\":[0,1]}}"),
            ErrorCode::bad_shape);
  // The rewrite keeps every other error where it was.
  EXPECT_EQ(parse("{\"x\":1e400e5}", &offset), ErrorCode::bad_json);
  EXPECT_EQ(parse("{\"x\":--1e400}"), ErrorCode::bad_json);
  EXPECT_EQ(parse("{\"x\":01e400}"), ErrorCode::bad_json);
  EXPECT_EQ(parse("{\"x\":1e400.5}"), ErrorCode::bad_json);
}

// A name quoted in a message prints in full, whatever bytes it holds.
TEST(SafetensorsReader, MessagesShowControlBytesInNames) {
  std::string image = st_image(
      "{\"ab\\u0000cd\\n\":{\"dtype\":\"XX\",\"shape\":[1],\"data_offsets\":[0,1]}}", "\x01");
  try {
    (void)parse_safetensors_header(std::as_bytes(std::span(image)), "mem");
    FAIL() << "accepted dtype XX";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unknown_dtype);
    std::string what = e.what();
    EXPECT_EQ(what.size(), std::strlen(e.what()));
    EXPECT_NE(what.find("tensor 'ab\\x00cd\\x0a'"), std::string::npos) << what;
    EXPECT_NE(what.find("found 'XX'"), std::string::npos) << what;
  }
}

// The reference's order among several errors in one header: duplicate keys and __metadata__
// problems (whichever comes first), then the first bad tensor in document order, then the
// first bad field within it; the length of shape/data_offsets before their elements.
TEST(SafetensorsReader, SchemaErrorsComeInTheReferenceOrder) {
  auto code_of = [](const std::string& header) {
    std::string image = st_image(header, "");
    return error_code_of(
        [&] { (void)parse_safetensors_header(std::as_bytes(std::span(image)), "mem"); });
  };
  const std::string bad_dtype = "{\"dtype\":\"Q8\",\"shape\":[],\"data_offsets\":[0,0]}";
  const std::string good = "{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}";
  // A later duplicate key beats an earlier bad tensor.
  EXPECT_EQ(code_of("{\"a\":" + bad_dtype + ",\"b\":" + good + ",\"b\":" + good + "}"),
            ErrorCode::duplicate_name);
  // A later bad __metadata__ beats an earlier bad tensor.
  EXPECT_EQ(code_of("{\"a\":" + bad_dtype + ",\"__metadata__\":{\"k\":1}}"),
            ErrorCode::bad_metadata);
  // Between a duplicate key and a __metadata__ error, the first in the document wins.
  EXPECT_EQ(code_of("{\"__metadata__\":[],\"b\":" + good + ",\"b\":" + good + "}"),
            ErrorCode::bad_metadata);
  EXPECT_EQ(
      code_of("{\"b\":" + good + ",\"b\":" + good + ",\"__metadata__\":{\"k\":\"v\",\"k\":1}}"),
      ErrorCode::duplicate_name);
  // The first bad field of the first bad tensor.
  EXPECT_EQ(code_of("{\"a\":{\"shape\":\"x\",\"dtype\":\"Q8\"},\"b\":" + bad_dtype + "}"),
            ErrorCode::bad_shape);
  // Too many dimensions is judged before a bad element; two offsets before their values.
  std::string dims = "[-1";
  for (int i = 0; i < 64; ++i) dims += ",1";
  EXPECT_EQ(code_of("{\"a\":{\"dtype\":\"U8\",\"shape\":" + dims + "],\"data_offsets\":[0,0]}}"),
            ErrorCode::limit_exceeded);
  EXPECT_EQ(code_of("{\"a\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[-1]}}"),
            ErrorCode::bad_offsets);
  // A syntax error anywhere beats every schema error before it.
  EXPECT_EQ(code_of("{\"a\":" + bad_dtype + ",\"a\":1,}"), ErrorCode::bad_json);
  // Unknown fields (even containers) are skipped; a repeated one is refused.
  EXPECT_EQ(code_of("{\"a\":{\"x\":{\"dtype\":1},\"dtype\":\"U8\",\"shape\":[0],"
                    "\"data_offsets\":[0,0]}}"),
            ErrorCode::count_);
  EXPECT_EQ(code_of("{\"a\":{\"x\":[],\"x\":[],\"dtype\":\"U8\",\"shape\":[0],"
                    "\"data_offsets\":[0,0]}}"),
            ErrorCode::duplicate_name);
}

TEST(SafetensorsReader, IndexExtensionAndPlainFileDispatch) {
  EXPECT_EQ(format_from_path("a/model.safetensors"), Format::safetensors);
  EXPECT_EQ(format_from_path("a/model.safetensors.index.json"), Format::safetensors);
  EXPECT_EQ(error_code_of([&] { (void)load(corpus("bad") / "missing.safetensors"); }),
            ErrorCode::file_not_found);
}

}  // namespace
}  // namespace tensorio
