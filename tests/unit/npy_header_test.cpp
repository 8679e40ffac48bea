// The npy header parser: valid variants NumPy and other writers produce, and malformed headers
// that must fail with a specific error code (never a crash).
#include <gtest/gtest.h>

#include <string>

#include "tensorio/error.hpp"
#include "tensorio/npy.hpp"
#include "test_util.hpp"

namespace tensorio {
namespace {

using test::as_bytes;

// Builds a preamble around `dict` with the given version, padding to 64 like NumPy.
std::string preamble(const std::string& dict, int major = 1) {
  std::string h = dict;
  size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  size_t n = h.size();
  for (size_t i = 0; i < (major == 1 ? 2u : 4u); ++i)
    out += static_cast<char>((n >> (8 * i)) & 0xFF);
  return out + h;
}

// [('a', [('a', ... '<f4' ...)])]: records nested `depth` deep.
std::string nested_records(int depth) {
  std::string d;
  for (int i = 0; i < depth; ++i) d += "[('a', ";
  d += "'<f4'";
  for (int i = 0; i < depth; ++i) d += ")]";
  return d;
}

NpyHeader parse(const std::string& bytes, const Limits& limits = {}) {
  return parse_npy_header(as_bytes(bytes), "test.npy", limits);
}

TEST(NpyHeader, ParsesWhatNumPyWrites) {
  auto h = parse(preamble("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"));
  EXPECT_EQ(h.dtype, DType::float32);
  EXPECT_FALSE(h.big_endian);
  EXPECT_FALSE(h.fortran_order);
  EXPECT_EQ(h.shape, (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(h.num_elements, 12u);
  EXPECT_EQ(h.payload_bytes, 48u);
  EXPECT_EQ(h.data_offset % 64, 0u);
}

TEST(NpyHeader, AcceptsAnyKeyOrderAndSpacing) {
  auto h = parse(preamble("{ 'shape' :(2,) ,'fortran_order':True,   'descr':'>i8'}"));
  EXPECT_EQ(h.dtype, DType::int64);
  EXPECT_TRUE(h.big_endian);
  EXPECT_TRUE(h.fortran_order);
  EXPECT_EQ(h.shape, (std::vector<uint64_t>{2}));
}

TEST(NpyHeader, AcceptsDoubleQuotesAndTrailingCommaInTuple) {
  auto h = parse(preamble("{\"descr\": \"<u2\", \"fortran_order\": False, \"shape\": (5, 6,)}"));
  EXPECT_EQ(h.dtype, DType::uint16);
  EXPECT_EQ(h.shape, (std::vector<uint64_t>{5, 6}));
}

TEST(NpyHeader, ZeroDimensionalAndEmpty) {
  auto h = parse(preamble("{'descr': '<f8', 'fortran_order': False, 'shape': (), }"));
  EXPECT_TRUE(h.shape.empty());
  EXPECT_EQ(h.num_elements, 1u);
  EXPECT_EQ(h.payload_bytes, 8u);
  auto e = parse(preamble("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 7), }"));
  EXPECT_EQ(e.num_elements, 0u);
  EXPECT_EQ(e.payload_bytes, 0u);
}

TEST(NpyHeader, Python2LongsAndUnicodePrefix) {
  auto h = parse(preamble("{u'descr': u'<i4', u'fortran_order': False, u'shape': (3L, 4L), }"));
  EXPECT_EQ(h.shape, (std::vector<uint64_t>{3, 4}));
}

TEST(NpyHeader, Versions2And3) {
  auto v2 = parse(preamble("{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }", 2));
  EXPECT_EQ(v2.major_version, 2);
  EXPECT_EQ(v2.dtype, DType::float16);
  auto v3 = parse(preamble("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", 3));
  EXPECT_EQ(v3.major_version, 3);
  EXPECT_EQ(v3.dtype, DType::complex128);
}

TEST(NpyHeader, AllByteOrdersAndBfloat16) {
  EXPECT_EQ(parse(preamble("{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }")).dtype,
            DType::bool_);
  EXPECT_EQ(parse(preamble("{'descr': '=i2', 'fortran_order': False, 'shape': (1,), }")).dtype,
            DType::int16);
  EXPECT_EQ(parse(preamble("{'descr': '<V2', 'fortran_order': False, 'shape': (1,), }")).dtype,
            DType::bfloat16);
  EXPECT_EQ(parse(preamble("{'descr': '|V2', 'fortran_order': False, 'shape': (1,), }")).dtype,
            DType::bfloat16);
  auto big_byte = parse(preamble("{'descr': '>u1', 'fortran_order': False, 'shape': (1,), }"));
  EXPECT_FALSE(big_byte.big_endian) << "single bytes have no byte order";
  auto big_c = parse(preamble("{'descr': '>c8', 'fortran_order': False, 'shape': (1,), }"));
  EXPECT_TRUE(big_c.big_endian);
}

// Every type code, through the canonical fast path (NumPy's exact spelling) and the general
// parser (another spelling of the same dict): both give the same dtype, and both refuse what
// they must with the same code (tests/interop/npy_interop.py checks every spelling against
// np.dtype itself).
TEST(NpyHeader, EveryTypeCodeOnBothPaths) {
  const std::pair<const char*, DType> known[] = {
      {"b1", DType::bool_},    {"?", DType::bool_},      {"i1", DType::int8},
      {"i2", DType::int16},    {"i4", DType::int32},     {"i8", DType::int64},
      {"u1", DType::uint8},    {"u2", DType::uint16},    {"u4", DType::uint32},
      {"u8", DType::uint64},   {"f2", DType::float16},   {"f4", DType::float32},
      {"f8", DType::float64},  {"c8", DType::complex64}, {"c16", DType::complex128},
      {"V2", DType::bfloat16}, {"f", DType::float32},    {"d", DType::float64},
      {"e", DType::float16},   {"b", DType::int8},       {"B", DType::uint8},
      {"h", DType::int16},     {"H", DType::uint16},     {"i", DType::int32},
      {"I", DType::uint32},    {"q", DType::int64},      {"Q", DType::uint64},
      {"F", DType::complex64}, {"D", DType::complex128},
  };
  for (const auto& [code, dtype] : known) {
    for (const char* order : {"<", "", "|", "="}) {
      std::string descr = order + std::string(code);
      auto canonical =
          parse(preamble("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (2,), }"));
      auto general =
          parse(preamble("{'shape': (2,), 'descr': '" + descr + "', 'fortran_order': False}"));
      EXPECT_EQ(canonical.dtype, dtype) << descr;
      EXPECT_EQ(general.dtype, dtype) << descr;
      EXPECT_FALSE(canonical.big_endian) << descr;
      EXPECT_EQ(canonical.descr, descr);
    }
    auto big = parse(preamble(std::string("{'descr': '>") + code +
                              "', 'fortran_order': False, 'shape': (2,), }"));
    EXPECT_EQ(big.big_endian, item_size(dtype) > 1) << code;
  }
  // (V4, c32, f16, U3 and M8[ns] with a byte order are fixed-size dtypes tensorio keeps
  // opaque: see OpaqueDescrs below.)
  const std::pair<const char*, ErrorCode> refused[] = {
      {"<f1", ErrorCode::unknown_dtype},
      {"<i3", ErrorCode::unknown_dtype},
      {"<u16", ErrorCode::unknown_dtype},
      {"<b2", ErrorCode::unknown_dtype},
      {"<?1", ErrorCode::unknown_dtype},
      {"<x4", ErrorCode::unknown_dtype},
      {"!f4", ErrorCode::unknown_dtype},
      {"<float32", ErrorCode::unknown_dtype},
      {"", ErrorCode::unknown_dtype},
      {"<", ErrorCode::unknown_dtype},

      {"g", ErrorCode::unsupported_dtype},
      {"<l", ErrorCode::unsupported_dtype},
      {"int", ErrorCode::unsupported_dtype},
      {"intp", ErrorCode::unsupported_dtype},
      {"|O", ErrorCode::object_dtype},
      {"S5", ErrorCode::unsupported_dtype},
      {"c", ErrorCode::unsupported_dtype},
      {"m8", ErrorCode::unsupported_dtype},
      {"datetime64[s]", ErrorCode::unsupported_dtype},
      {"f4,i4", ErrorCode::unsupported_dtype},
      {"(2,)f4", ErrorCode::unsupported_dtype},
      {"2f4", ErrorCode::unsupported_dtype},
      {"object", ErrorCode::object_dtype},
      {"str", ErrorCode::unsupported_dtype},
      {"void", ErrorCode::unsupported_dtype},
  };
  for (const auto& [descr, code] : refused) {
    for (bool canonical_spelling : {true, false}) {
      std::string d = descr;
      std::string dict = canonical_spelling
                             ? "{'descr': '" + d + "', 'fortran_order': False, 'shape': (2,), }"
                             : "{'shape': (2,), 'descr': '" + d + "', 'fortran_order': False}";
      try {
        (void)parse(preamble(dict));
        ADD_FAILURE() << "accepted " << d;
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), code) << d << ": " << e.what();
      }
    }
  }
}

// Fixed-size dtypes tensorio keeps opaque: the descr kept as written, the element size NumPy
// gives it (np.dtype(descr).itemsize), never byte-swapped.
TEST(NpyHeader, OpaqueDescrs) {
  const std::pair<const char*, uint64_t> simple[] = {
      {"|S3", 3},     {"<S1", 1},      {"|a7", 7},    {"<U8", 32},    {">U2", 8},
      {"|V16", 16},   {"|V5", 5},      {"<f16", 16},  {"<c32", 32},   {"<M8", 8},
      {"<M8[ns]", 8}, {">m8[10s]", 8}, {"<M8[D]", 8}, {"=m8[us]", 8}, {"<M8[generic]", 8},
  };
  for (const auto& [descr, bytes] : simple) {
    for (bool canonical_spelling : {true, false}) {
      std::string d = std::string("'") + descr + "'";
      std::string dict = canonical_spelling
                             ? "{'descr': " + d + ", 'fortran_order': False, 'shape': (2,), }"
                             : "{'shape': (2,), 'fortran_order': False, 'descr': " + d + "}";
      auto h = parse(preamble(dict));
      EXPECT_EQ(h.dtype, DType::opaque) << descr;
      EXPECT_EQ(h.descr, descr);
      EXPECT_EQ(h.item_bytes, bytes) << descr;
      EXPECT_EQ(h.payload_bytes, 2 * bytes) << descr;
      EXPECT_FALSE(h.big_endian) << descr;
    }
  }
  const std::pair<const char*, uint64_t> records[] = {
      {"[('a', '<f4')]", 4},
      {"[('x', '<f4'), ('y', '<i2'), ('s', '|S3')]", 9},
      {"[(('A title', 'a'), '<i2'), ('', '|V6'), ('b', '<f8'), ('', '|V8')]", 24},
      {"[('pos', [('x', '<f4'), ('y', '<f4')]), ('ids', '<i4', (3,)), ('tag', '<U1')]", 24},
      {"[('m', '<f8', (2, 3)), ('n', '|u1', 5)]", 53},
      {"[ ( u'a' , '<f4' , ) , ( \"b\" , [ ( 'c' , '>i8' ) ] ) , ]", 12},
      {"[('a', '<f4', ())]", 4},
  };
  for (const auto& [descr, bytes] : records) {
    auto h = parse(
        preamble(std::string("{'descr': ") + descr + ", 'fortran_order': False, 'shape': (3,), }"));
    EXPECT_EQ(h.dtype, DType::opaque) << descr;
    EXPECT_EQ(h.descr, descr);
    EXPECT_EQ(h.item_bytes, bytes) << descr;
    EXPECT_EQ(h.payload_bytes, 3 * bytes) << descr;
  }
  auto deep = parse(
      preamble("{'descr': " + nested_records(16) + ", 'fortran_order': True, 'shape': (2, 2), }"));
  EXPECT_EQ(deep.item_bytes, 4u);
  EXPECT_TRUE(deep.fortran_order);
}

TEST(NpyHeader, SerializeOpaqueDescrsParsesBack) {
  const uint64_t shape[] = {4, 2};
  for (std::string descr : {"|S3", "<U8", "[('x', '<f4'), ('y', [('z', '|S2')], (2,))]"}) {
    std::string bytes = serialize_npy_header(std::string_view(descr), shape);
    EXPECT_EQ(bytes.size() % 64, 0u);
    auto h = parse(bytes);
    EXPECT_EQ(h.dtype, DType::opaque);
    EXPECT_EQ(h.descr, descr);
    EXPECT_EQ(h.shape, (std::vector<uint64_t>{4, 2}));
  }
}

// The refusals say what kind of dtype was refused.
TEST(NpyHeader, RefusedDescrsSayWhy) {
  const std::pair<const char*, const char*> cases[] = {
      {"|O", "object"},        {"m8", "timedelta"},    {"<l", "platform"},
      {"f4,i4", "structured"}, {"(2,)f4", "subarray"}, {"<x4", "no dtype"},
  };
  for (const auto& [descr, why] : cases) {
    try {
      (void)parse(preamble(std::string("{'descr': '") + descr +
                           "', 'fortran_order': False, 'shape': (2,), }"));
      ADD_FAILURE() << "accepted " << descr;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << descr << ": " << e.what();
    }
  }
}

// NumPy's limits on a shape: each dimension an intp; item size x non-zero dimensions below 2^63.
TEST(NpyHeader, ShapesFollowNumpysLimits) {
  auto code_of = [](const std::string& shape, const char* descr = "<f4") {
    try {
      (void)parse(preamble(std::string("{'descr': '") + descr +
                           "', 'fortran_order': False, 'shape': " + shape + ", }"));
      return ErrorCode::count_;
    } catch (const Error& e) {
      return e.code();
    }
  };
  EXPECT_EQ(code_of("(0, 9223372036854775808)"), ErrorCode::bad_shape);
  EXPECT_EQ(code_of("(9223372036854775808,)"), ErrorCode::bad_shape);
  EXPECT_EQ(code_of("(0, 9223372036854775807)", "|u1"), ErrorCode::count_);
  EXPECT_EQ(code_of("(0, 9223372036854775807)", "<f4"), ErrorCode::size_overflow);
  EXPECT_EQ(code_of("(4611686018427387904, 4, 0)", "|u1"), ErrorCode::size_overflow);
  EXPECT_EQ(code_of("(0, 4611686018427387904, 2)", "|u1"), ErrorCode::size_overflow);
  EXPECT_EQ(code_of("(0, 4611686018427387904, 1)", "|u1"), ErrorCode::count_);
  EXPECT_EQ(code_of("(0, 576460752303423488)", "<f8"), ErrorCode::count_);
  EXPECT_EQ(code_of("(0, 1152921504606846976)", "<f8"), ErrorCode::size_overflow);
  // And a writer never produces a file NumPy cannot load.
  const uint64_t too_big[] = {0, uint64_t{1} << 63};
  EXPECT_THROW((void)serialize_npy_header(DType::float32, too_big), Error);
  const uint64_t overflow[] = {uint64_t{1} << 62, 0, 2};
  EXPECT_THROW((void)serialize_npy_header(DType::float32, overflow), Error);
}

// The canonical path's padding check: only spaces then one final newline. Anything else in
// the padding goes to the general parser, which accepts other whitespace and refuses the rest.
TEST(NpyHeader, PaddingIsSpacesThenOneNewline) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
  EXPECT_EQ(parse(preamble(dict)).shape, (std::vector<uint64_t>{3}));
  std::string good = preamble(dict);
  std::string tab = good;
  tab[tab.size() - 5] = '\t';
  EXPECT_EQ(parse(tab).shape, (std::vector<uint64_t>{3}));
  std::string junk = good;
  junk[junk.size() - 5] = 'x';
  EXPECT_THROW(parse(junk), Error);
  std::string no_newline = good;
  no_newline.back() = ' ';
  EXPECT_EQ(parse(no_newline).shape, (std::vector<uint64_t>{3}));
}

TEST(NpyHeader, UnpaddedHeaderLikeMlxWrites) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\n";
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  out += static_cast<char>(dict.size());
  out += '\0';
  auto h = parse(out + dict);
  EXPECT_EQ(h.data_offset, 10 + dict.size());
}

TEST(NpyHeader, SerializeMatchesNumPyLayout) {
  std::vector<uint64_t> shape{3, 4};
  std::string h = serialize_npy_header(DType::float32, shape);
  EXPECT_EQ(h.size() % 64, 0u);
  // The dict, then 21 - len("3") growth spaces, then padding to 64 and '\n' (as numpy.save).
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
  EXPECT_EQ(h.substr(10, dict.size() + 20), dict + std::string(20, ' '));
  EXPECT_EQ(h.back(), '\n');
  auto back = parse(h);
  EXPECT_EQ(back.shape, shape);
  std::vector<uint64_t> one{7};
  EXPECT_NE(serialize_npy_header(DType::bfloat16, one).find("'<V2'"), std::string::npos);
  EXPECT_NE(serialize_npy_header(DType::bfloat16, one).find("(7,)"), std::string::npos);
  EXPECT_THROW((void)serialize_npy_header(DType::q4_0, one), Error);
}

struct BadCase {
  const char* name;
  std::string bytes;
  ErrorCode code;
};

std::string dict_with(const std::string& descr, const std::string& fortran,
                      const std::string& shape) {
  return preamble("{'descr': " + descr + ", 'fortran_order': " + fortran + ", 'shape': " + shape +
                  ", }");
}

std::vector<BadCase> bad_cases() {
  std::string good = dict_with("'<f4'", "False", "(2,)");
  std::string v4 = good;
  v4[6] = 4;
  std::string minor = good;
  minor[7] = 1;
  std::string huge_len = "\x93NUMPY\x02";
  huge_len += std::string("\0\xff\xff\xff\x7f", 5);
  return {
      {"empty", "", ErrorCode::truncated},
      {"short_magic", "\x93NUM", ErrorCode::truncated},
      {"wrong_magic", "\x93NUMPX\x01\x00\x00\x00", ErrorCode::bad_magic},
      {"zip_magic", "PK\x03\x04" + std::string(20, '\0'), ErrorCode::bad_magic},
      {"version_4", v4, ErrorCode::unsupported_version},
      {"minor_1", minor, ErrorCode::unsupported_version},
      {"no_length", std::string("\x93NUMPY\x01\x00", 8), ErrorCode::truncated},
      {"length_past_end", good.substr(0, 40), ErrorCode::truncated},
      {"length_over_cap", huge_len, ErrorCode::header_too_large},
      {"not_a_dict", preamble("['descr', '<f4']"), ErrorCode::bad_header},
      {"unterminated_dict", preamble("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)"),
       ErrorCode::bad_header},
      {"missing_shape", preamble("{'descr': '<f4', 'fortran_order': False}"),
       ErrorCode::bad_header},
      {"missing_descr", preamble("{'fortran_order': False, 'shape': (2,)}"), ErrorCode::bad_header},
      {"extra_key", preamble("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}"),
       ErrorCode::bad_header},
      {"duplicate_key",
       preamble("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}"),
       ErrorCode::bad_header},
      {"misspelled_key", preamble("{'descr': '<f4', 'fortran_order': False, 'shap': (2,)}"),
       ErrorCode::bad_header},
      {"unquoted_key", preamble("{descr: '<f4', 'fortran_order': False, 'shape': (2,)}"),
       ErrorCode::bad_header},
      {"fortran_lowercase", dict_with("'<f4'", "false", "(2,)"), ErrorCode::bad_header},
      {"fortran_int", dict_with("'<f4'", "0", "(2,)"), ErrorCode::bad_header},
      {"shape_list", dict_with("'<f4'", "False", "[2]"), ErrorCode::bad_shape},
      {"shape_int", dict_with("'<f4'", "False", "2"), ErrorCode::bad_header},
      {"shape_paren_int", dict_with("'<f4'", "False", "(2)"), ErrorCode::bad_shape},
      {"shape_negative", dict_with("'<f4'", "False", "(-1,)"), ErrorCode::bad_shape},
      {"shape_float", dict_with("'<f4'", "False", "(2.5,)"), ErrorCode::bad_shape},
      {"shape_leading_zero", dict_with("'<f4'", "False", "(02,)"), ErrorCode::bad_shape},
      {"shape_too_big_int", dict_with("'<f4'", "False", "(99999999999999999999999,)"),
       ErrorCode::size_overflow},
      {"shape_product_overflow", dict_with("'<f8'", "False", "(4294967296, 4294967296)"),
       ErrorCode::size_overflow},
      {"bytes_overflow", dict_with("'<f8'", "False", "(4611686018427387904,)"),
       ErrorCode::size_overflow},
      {"object_dtype", dict_with("'|O'", "False", "(2,)"), ErrorCode::object_dtype},
      {"object_field", dict_with("[('a', '<f4'), ('o', '|O')]", "False", "(2,)"),
       ErrorCode::object_dtype},
      {"string_zero_width", dict_with("'<U0'", "False", "(2,)"), ErrorCode::unsupported_dtype},
      {"string_no_width", dict_with("'|S'", "False", "(2,)"), ErrorCode::unsupported_dtype},
      {"string_leading_zero", dict_with("'|S05'", "False", "(2,)"), ErrorCode::unsupported_dtype},
      {"unicode_width_overflow", dict_with("'<U4611686018427387904'", "False", "(2,)"),
       ErrorCode::size_overflow},
      {"datetime_bad_unit", dict_with("'<M8[parsec]'", "False", "(2,)"),
       ErrorCode::unsupported_dtype},
      {"datetime_wide", dict_with("'<M16'", "False", "(2,)"), ErrorCode::unknown_dtype},
      {"record_empty", dict_with("[]", "False", "(2,)"), ErrorCode::unsupported_dtype},
      {"record_zero_size", dict_with("[('a', '<f4', (0,))]", "False", "(2,)"),
       ErrorCode::unsupported_dtype},
      {"record_repeated_field", dict_with("[('a', '<f4'), ('a', '<f4')]", "False", "(2,)"),
       ErrorCode::bad_header},
      {"record_unquoted_name", dict_with("[(a, '<f4')]", "False", "(2,)"), ErrorCode::bad_header},
      {"record_missing_descr", dict_with("[('a',)]", "False", "(2,)"), ErrorCode::bad_header},
      {"record_negative_subarray", dict_with("[('a', '<f4', (-2,))]", "False", "(2,)"),
       ErrorCode::bad_header},
      {"record_bad_field_dtype", dict_with("[('a', '<f3')]", "False", "(2,)"),
       ErrorCode::unknown_dtype},
      {"record_size_overflow",
       dict_with("[('a', '<f8', (4294967296, 4294967296))]", "False", "(2,)"),
       ErrorCode::size_overflow},
      {"record_unterminated", dict_with("[('a', '<f4'", "False", "(2,)"), ErrorCode::bad_header},
      {"record_too_deep", dict_with(nested_records(17), "False", "(2,)"),
       ErrorCode::limit_exceeded},
      {"bad_byte_order", dict_with("'!f4'", "False", "(2,)"), ErrorCode::unknown_dtype},
      {"not_a_dtype", dict_with("'x'", "False", "(2,)"), ErrorCode::unknown_dtype},
      {"escape_in_string", dict_with("'<f\\x34'", "False", "(2,)"), ErrorCode::bad_header},
      {"garbage_after_dict", preamble("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x"),
       ErrorCode::bad_header},
      {"missing_comma", preamble("{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}"),
       ErrorCode::bad_header},
  };
}

class NpyHeaderMalformed : public ::testing::TestWithParam<BadCase> {};

TEST_P(NpyHeaderMalformed, FailsWithSpecificError) {
  const BadCase& c = GetParam();
  try {
    parse(c.bytes);
    FAIL() << c.name << ": expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), c.code) << c.name << ": " << e.what();
    EXPECT_EQ(e.file(), "test.npy");
    EXPECT_NE(std::string(e.what()).find("test.npy"), std::string::npos);
    EXPECT_NE(e.offset(), no_offset) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(All, NpyHeaderMalformed, ::testing::ValuesIn(bad_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(NpyHeader, DimensionLimitIsConfigurable) {
  Limits limits;
  limits.max_dims = 2;
  EXPECT_NO_THROW(parse(dict_with("'<f4'", "False", "(1, 2)"), limits));
  try {
    parse(dict_with("'<f4'", "False", "(1, 2, 3)"), limits);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::limit_exceeded);
  }
}

TEST(NpyHeader, HeaderCapIsConfigurable) {
  Limits limits;
  limits.max_header_bytes = 32;
  try {
    parse(dict_with("'<f4'", "False", "(1, 2)"), limits);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::header_too_large);
    EXPECT_NE(std::string(e.what()).find("at most 32"), std::string::npos) << e.what();
  }
}

TEST(NpyHeader, ErrorMessageNamesOffsetExpectedAndFound) {
  try {
    parse(preamble("{'descr': '<f4', 'fortran_order': False, 'shap': (2,)}"));
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("expected"), std::string::npos) << m;
    EXPECT_NE(m.find("'shap'"), std::string::npos) << m;
    EXPECT_GT(e.offset(), 10u);
  }
}

}  // namespace
}  // namespace tensorio
