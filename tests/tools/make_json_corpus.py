#!/usr/bin/python3
"""Writes tests/corpus/json: RFC 8259 conformance cases for the safetensors header parser.

    /usr/bin/python3 tests/tools/make_json_corpus.py

value/   JSON values. y_NAME.json must parse (standalone, and as an ignored field of a tensor
         entry, where serde_json skips it without converting numbers); n_CODE__NAME.json must
         fail with that ErrorCode both ways.
document/ whole headers. y_NAME.json must open as a safetensors header (no tensors);
         n_CODE__NAME.json must fail with that ErrorCode.
tests/unit/json_conformance_test.cpp runs them (both parsers: the SAX header pass and the DOM
parse of index files). Bytes are written exactly as given here.
"""
import os
import shutil

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus", "json")

VALUE_YES = {
    "string_empty": b'""',
    "string_every_short_escape": b'"\\" \\\\ \\/ \\b \\f \\n \\r \\t"',
    "string_unicode_escapes": b'"\\u00e9\\u4E2D\\u0041"',
    "string_surrogate_pair": b'"\\ud83d\\ude00"',
    "string_surrogate_pair_uppercase": b'"\\uD834\\uDD1E"',
    "string_two_pairs_in_a_row": b'"\\ud83d\\ude00\\udbff\\udfff"',
    "string_escaped_nul": b'"a\\u0000b"',
    "string_escaped_controls": b'"\\u0001\\u001a\\u001f"',
    "string_raw_utf8": '"é中😀"'.encode(),
    "string_raw_del": b'"\x7f"',
    "string_escaped_backslash_then_u": b'"\\\\udc00"',
    "string_long_ascii": b'"' + b"abcdefghijklmnopqrstuvwxyz" * 8 + b'"',
    "number_zero": b"0",
    "number_negative_zero": b"-0",
    "number_integer": b"1234567890",
    "number_negative": b"-42",
    "number_u64_max": b"18446744073709551615",
    "number_past_u64": b"18446744073709551616",
    "number_fraction": b"3.25",
    "number_exponents": b"[1e5, 1E5, 1e+5, 1e-5, 1.5E-3, -2e0]",
    "number_zero_with_huge_exponent": b"0e400",
    "number_past_double_range": b"[1e309, -1e400, 12.5e308, 2e308]",
    "number_underflow": b"[1e-400, -4.9e-400]",
    "number_400_digits": b"9" * 400,
    "number_400_fraction_digits": b"0." + b"0" * 399 + b"1",
    "literals": b"[true, false, null]",
    "array_empty": b"[]",
    "object_empty": b"{}",
    "nested_mixed": b'{"a":[1,{"b":[null,"c",{}]}],"d":{"e":[[[]]]}}',
    "whitespace_between_tokens": b'[ 1 ,\t2 ,\n3 ,\r4 , { "a" : "b" } ]',
    "object_duplicate_keys_in_an_ignored_value": b'{"a":1,"a":2}',
    "nesting_100": b"[" * 100 + b"]" * 100,
}

VALUE_NO = {
    "bad_json__string_raw_nul": b'"a\x00b"',
    "bad_json__string_raw_01": b'"a\x01b"',
    "bad_json__string_raw_1a": b'"a\x1ab"',
    "bad_json__string_raw_1f": b'"a\x1fb"',
    "bad_json__string_raw_1a_after_16_bytes": b'"abcdefghijklmnopqrstuvwxyz\x1ab"',
    "bad_json__string_raw_tab": b'"a\tb"',
    "bad_json__string_raw_newline": b'"a\nb"',
    "bad_json__string_lone_low_surrogate": b'"\\udc00"',
    "bad_json__string_lone_low_surrogate_uppercase": b'"x\\uDFFFy"',
    "bad_json__string_lone_high_surrogate": b'"\\ud800"',
    "bad_json__string_high_then_not_low": b'"\\ud800\\u0041"',
    "bad_json__string_pair_reversed": b'"\\udc00\\ud800"',
    "bad_json__string_bad_escape_x": b'"\\x41"',
    "bad_json__string_bad_escape_quote": b'"\\\'"',
    "bad_json__string_short_unicode_escape": b'"\\u12"',
    "bad_json__string_bad_hex_digit": b'"\\u12g4"',
    "bad_json__string_capital_u_escape": b'"\\U0041"',
    "bad_json__string_unterminated": b'"abc',
    "bad_json__string_single_quotes": b"'abc'",
    "bad_json__number_leading_zero": b"01",
    "bad_json__number_negative_leading_zero": b"-01",
    "bad_json__number_plus_sign": b"+1",
    "bad_json__number_starts_with_dot": b".5",
    "bad_json__number_ends_with_dot": b"1.",
    "bad_json__number_empty_exponent": b"1e",
    "bad_json__number_signed_empty_exponent": b"1e+",
    "bad_json__number_hex": b"0x1",
    "bad_json__number_nan": b"NaN",
    "bad_json__number_infinity": b"Infinity",
    "bad_json__number_minus_infinity": b"-Infinity",
    "bad_json__number_minus_alone": b"-",
    "bad_json__number_double_minus": b"--1",
    "bad_json__number_huge_exponent_then_garbage": b"1e400x",
    "bad_json__literal_capitalized": b"True",
    "bad_json__literal_truncated": b"nul",
    "bad_json__array_trailing_comma": b"[1,]",
    "bad_json__array_leading_comma": b"[,1]",
    "bad_json__array_missing_comma": b"[1 2]",
    "bad_json__array_unclosed": b"[1",
    "bad_json__object_trailing_comma": b'{"a":1,}',
    "bad_json__object_unquoted_key": b"{a:1}",
    "bad_json__object_missing_colon": b'{"a" 1}',
    "bad_json__object_single_quoted_key": b"{'a':1}",
    "bad_json__object_number_key": b"{1:2}",
    "bad_json__comment_block": b"[1/* c */]",
    "bad_json__comment_line": b"[1// c\n]",
    "bad_json__whitespace_formfeed": b"[1,\x0c2]",
    "bad_json__whitespace_vertical_tab": b"[1,\x0b2]",
    "bad_json__whitespace_nbsp": b"[1,\xc2\xa02]",
    "bad_json__two_values": b"1 2",
    "bad_json__empty": b"",
    "limit_exceeded__nesting_200": b"[" * 200 + b"]" * 200,
}

DOCUMENT_YES = {
    "empty_object": b"{}",
    "whitespace_around": b"\t\n\r {}\r\n\t ",
    "space_padding": b"{}      ",
    "metadata_with_escapes": b'{"__metadata__":{"k\\u00e9":"\\ud83d\\ude00 \\u0000 \\\\"}}',
}

DOCUMENT_NO = {
    "bad_json__utf8_bom": b"\xef\xbb\xbf{}",
    "bad_json__nul_padding": b"{}\x00\x00",
    "bad_json__second_value": b"{} {}",
    "bad_json__empty": b"",
    "bad_json__whitespace_only": b"   ",
    "bad_json__formfeed_before": b"\x0c{}",
    "bad_json__raw_control_after": b"{}\x1a",
    "bad_header__root_array": b"[]",
    "bad_header__root_number": b"0e400",
    "duplicate_name__root_key_twice": b'{"__metadata__":{},"__metadata__":{}}',
    "bad_utf8__invalid_byte": b'{"\xff":1}',
    "bad_utf8__encoded_surrogate": b'{"__metadata__":{"k":"\xed\xa0\x80"}}',
}


def write(sub, prefix, cases):
    d = os.path.join(HERE, sub)
    os.makedirs(d, exist_ok=True)
    for name, data in cases.items():
        with open(os.path.join(d, prefix + name + ".json"), "wb") as f:
            f.write(data)


shutil.rmtree(HERE, ignore_errors=True)
write("value", "y_", VALUE_YES)
write("value", "n_", VALUE_NO)
write("document", "y_", DOCUMENT_YES)
write("document", "n_", DOCUMENT_NO)
print("wrote %d value and %d document cases" % (len(VALUE_YES) + len(VALUE_NO),
                                                len(DOCUMENT_YES) + len(DOCUMENT_NO)))
