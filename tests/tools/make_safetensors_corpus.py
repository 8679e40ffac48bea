#!/usr/bin/python3
"""Generates the .safetensors corpus replayed by `meson test` (corpus_safetensors) and checked
code by code by tests/unit/safetensors_corpus_test.cpp.

    /usr/bin/python3 tests/tools/make_safetensors_corpus.py   # rewrites tests/corpus/safetensors

Every rule of the reference reader (safetensors 0.8 `read_metadata` + `Metadata::validate`, see
/work/shared/reference/safetensors.md sections 1.8-1.9) has at least one file in bad/, named
`<tensorio error code>__<what>.safetensors`: the unit test asserts that exact ErrorCode. good/
holds the quirks the reference accepts and a strict reader must not refuse. Files are built
byte by byte here (not with tensorio), so the corpus is independent of the code it checks.
"""
import json
import os
import shutil
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus", "safetensors")


def st(header, data=b"", n=None):
    """8-byte little-endian length + header (str or bytes) + data. `n` overrides the length."""
    h = header.encode("utf-8") if isinstance(header, str) else header
    return struct.pack("<Q", len(h) if n is None else n) + h + data


def js(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def t(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def nested(depth):
    """An ignored extra field whose value nests `depth` arrays."""
    return "[" * depth + "]" * depth


GOOD = {}
BAD = {}

# ---------------------------------------------------------------------------------------------
# good/: quirks real files have and the reference accepts.
GOOD["unpadded_header"] = st(js({"test": t("I32", [2, 2], 0, 16)}), bytes(16))  # N=60
_unaligned = js({"a": t("U8", [2], 0, 2), "w": t("F32", [2], 2, 10)})
GOOD["unaligned_tensors"] = st(  # N odd: the data buffer and the F32 start at odd offsets
    _unaligned + ("" if len(_unaligned) % 2 else " "), bytes(range(10)))
GOOD["leading_whitespace"] = st("\t\n " + js({"x": t("U8", [2], 0, 2)}), b"\x01\x02")
GOOD["trailing_whitespace"] = st(js({"x": t("U8", [2], 0, 2)}) + "\r \t\n", b"\x01\x02")
GOOD["zero_size_tensors"] = st(js({"empty": t("I32", [2, 0], 0, 0), "x": t("U8", [4], 0, 4),
                                   "z1": t("F32", [0], 4, 4), "z2": t("F64", [0, 3], 4, 4)}),
                               b"abcd")
GOOD["scalar_0d"] = st(js({"pi": t("F64", [], 0, 8)}), struct.pack("<d", 3.141592653589793))
GOOD["rank_8"] = st(js({"r8": t("U8", [1, 2, 1, 2, 1, 2, 1, 2], 0, 16)}), bytes(range(16)))
GOOD["metadata_null"] = st(js({"__metadata__": None, "x": t("U8", [1], 0, 1)}), b"\x07")
GOOD["metadata_empty"] = st(js({"__metadata__": {}, "x": t("U8", [1], 0, 1)}), b"\x07")
GOOD["metadata_strings"] = st(js({"__metadata__": {"format": "pt", "json": "{\"a\": [1, 2]}"},
                                  "x": t("U8", [1], 0, 1)}), b"\x07")
GOOD["no_tensors_minimal"] = st("{}")  # the smallest valid file: 10 bytes
GOOD["no_tensors_reference_writer"] = st("{}      ")  # what the reference writes: 16 bytes
GOOD["out_of_order_entries"] = st(js({"b": t("U8", [2], 2, 4), "a": t("U8", [2], 0, 2)}),
                                  b"wxyz")
GOOD["extra_field_ignored"] = st(js({"x": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1],
                                          "note": {"any": [1, 2.5, None]}}}), b"\x01")
GOOD["nesting_127_levels"] = st(  # root (1) + entry (2) + 125 arrays = 127, serde_json's max
    '{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"deep":' + nested(125) + "}}", b"\x01")
GOOD["names_unicode_escapes"] = st(
    js({"": t("U8", [1], 0, 1), "nul\u0000in": t("U8", [1], 1, 2), "q\"b\\s/t\t": t("U8", [1], 2, 3),
        "ünï€😀": t("U8", [1], 3, 4), "__x__": t("U8", [1], 4, 5)}), b"12345")
GOOD["escaped_in_json"] = st('{"\\u00e9\\ud83d\\ude00":{"dtype":"U8","shape":[1],'
                             '"data_offsets":[0,1]}}', b"\x01")
GOOD["f4_f6_packed"] = st(js({"f4": t("F4", [2, 3, 2], 0, 6), "f6": t("F6_E2M3", [4], 6, 9),
                              "f6b": t("F6_E3M2", [2, 4], 9, 15)}), bytes(range(15)))
GOOD["two_zero_size_at_end"] = st(js({"x": t("U8", [2], 0, 2), "e1": t("U8", [0], 2, 2),
                                      "e2": t("BF16", [0], 2, 2)}), b"ab")
# Numbers RapidJSON 1.1.0 cannot hold in a double, in a field the reference ignores (serde_json
# skips ignored values without converting them): valid JSON, valid files.
GOOD["ignored_numbers_out_of_double_range"] = st(
    '{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"note":[0e400,1e309,-2E+999,'
    '12.5e308,0.000001e400,' + "9" * 400 + "," + "-" + "1" * 350 + ".5e3]}}", b"\x01")
GOOD["paired_surrogate_escapes"] = st('{"\\ud83d\\ude00\\udbff\\udfff":{"dtype":"U8","shape":[1],'
                                      '"data_offsets":[0,1]}}', b"\x01")

# Every dtype of the format, in one file, each tensor holding distinct bytes.
DTYPE_BITS = {"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8, "F8_E5M2": 8,
              "F8_E4M3": 8, "F8_E8M0": 8, "F8_E4M3FNUZ": 8, "F8_E5M2FNUZ": 8, "I16": 16,
              "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32, "C64": 64,
              "F64": 64, "I64": 64, "U64": 64}
entries, data, off = {}, b"", 0
for i, (code, bits) in enumerate(DTYPE_BITS.items()):
    nbytes = 4 * bits // 8 * 3  # shape [3, 4]: 12 elements, whole bytes for every dtype
    entries["t_" + code.lower()] = t(code, [3, 4], off, off + nbytes)
    data += bytes((i * 37 + k) & 0xFF for k in range(nbytes))
    off += nbytes
GOOD["all_22_dtypes"] = st(js(entries), data)

# ---------------------------------------------------------------------------------------------
# bad/: one or more files per rule, named by the ErrorCode tensorio must report.
ok_entry = js({"x": t("U8", [4], 0, 4)})
# 1. shorter than the 8-byte length
BAD["file_too_small__empty"] = b""
BAD["file_too_small__7_bytes"] = b"\x02\x00\x00\x00\x00\x00\x00"
# 2. header length over the cap
BAD["header_too_large__100000001"] = st("{}", n=100_000_001)
BAD["header_too_large__u64_max"] = st("{}", n=2**64 - 1)
BAD["header_too_large__reference_case"] = bytes.fromhex("3c000000000000ff") + b"{}"
# 3. header past the end
BAD["out_of_bounds__header_past_end"] = struct.pack("<Q", 60)
BAD["out_of_bounds__one_byte_short"] = st(ok_entry, n=len(ok_entry) + 1)
# 1-3 on files that are not safetensors at all
BAD["bad_magic__html_page"] = (b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head>"
                               b"<body>Access denied</body></html>\n")
BAD["bad_magic__git_lfs_pointer"] = (
    b"version https://git-lfs.github.com/spec/v1\n"
    b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    b"size 548105171\n")
BAD["bad_magic__bare_json"] = b'{"error": "Repository not found"}'
# 4. not UTF-8 (the whole header, padding included)
BAD["bad_utf8__ff"] = st(b"\xff")
BAD["bad_utf8__overlong_slash"] = st(b'{"a\xc0\xaf":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}')
BAD["bad_utf8__encoded_surrogate"] = st(b'{"\xed\xa0\x80":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}')
BAD["bad_utf8__in_padding"] = st(b"{}  \xe9  ")
BAD["bad_utf8__truncated_sequence"] = st(b'{"\xe2\x82":1}')
# 5a. not JSON (serde_json's dialect)
BAD["bad_json__empty_header"] = st("")
BAD["bad_json__open_brace"] = st("{")
BAD["bad_json__nul_padding"] = st(ok_entry.encode() + b"\0\0\0", b"abcd")
BAD["bad_json__utf8_bom"] = st("\ufeff" + ok_entry, b"abcd")
BAD["bad_json__second_value"] = st(ok_entry + " {}", b"abcd")
BAD["bad_json__trailing_garbage"] = st(ok_entry + "x", b"abcd")
BAD["bad_json__trailing_comma"] = st('{"x":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},}', b"abcd")
BAD["bad_json__lone_surrogate"] = st('{"\\ud800":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}}')
# A lone low surrogate: RapidJSON 1.1.0 decodes it into invalid UTF-8 unless checked.
BAD["bad_json__lone_low_surrogate_in_name"] = st(
    '{"a\\udfff":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\x01")
BAD["bad_json__lone_low_surrogate_in_metadata"] = st(
    '{"__metadata__":{"k":"\\udc00"},"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\x01")
BAD["bad_json__low_surrogate_before_high"] = st(
    '{"\\udc00\\ud800":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\x01")
# Raw 0x1A..0x1F in a string: RapidJSON 1.1.0's 16-byte SSE2 scan misses them (it compares
# with 0x19), its byte loop does not; both positions must fail.
for _c in (0x1A, 0x1F):
    BAD["bad_json__raw_control_%02x_in_long_string" % _c] = st(
        '{"__metadata__":{"k":"' + "abcdefghijklmnopqrstuvwxyz" + chr(_c) + "abcdefghijklmnop"
        + '"},"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\x01")
    BAD["bad_json__raw_control_%02x_in_short_string" % _c] = st(
        '{"__metadata__":{"k":"a' + chr(_c) + '"},"x":{"dtype":"U8","shape":[1],'
        '"data_offsets":[0,1]}}', b"\x01")
BAD["bad_json__raw_control_between_tokens"] = st(
    '{"x":\x1c{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"\x01")
# A number RapidJSON cannot hold, where a number is read: still an error, of the field.
BAD["bad_shape__exponent_out_of_double_range"] = st(
    '{"x":{"dtype":"U8","shape":[1e400],"data_offsets":[0,1]}}', b"\x01")
BAD["bad_offsets__integer_of_400_digits"] = st(
    '{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,' + "1" * 400 + ']}}', b"\x01")
BAD["bad_json__leading_zero"] = st('{"x":{"dtype":"U8","shape":[04],"data_offsets":[0,4]}}', b"abcd")
BAD["bad_json__raw_control_char"] = st('{"a\tb":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}', b"abcd")
BAD["bad_json__single_quotes"] = st("{'x':{}}")
BAD["bad_json__nan"] = st('{"x":{"dtype":"U8","shape":[NaN],"data_offsets":[0,4]}}', b"abcd")
BAD["bad_json__comment"] = st('{/* c */"x":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}', b"abcd")
BAD["limit_exceeded__nesting_128_levels"] = st(
    '{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"deep":' + nested(126) + "}}", b"\x01")
BAD["limit_exceeded__nesting_200_levels"] = st(
    '{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"deep":' + nested(200) + "}}", b"\x01")
BAD["limit_exceeded__65_dims"] = st(js({"x": t("U8", [1] * 65, 0, 1)}), b"\x01")
# 5b. valid JSON of the wrong shape
BAD["bad_header__root_array"] = st("[]")
BAD["bad_header__root_string"] = st('"x"')
BAD["bad_header__entry_not_object"] = st('{"x":[1,2,3]}')
BAD["bad_header__entry_null"] = st('{"x":null}')
BAD["bad_header__missing_dtype"] = st('{"x":{"shape":[4],"data_offsets":[0,4]}}', b"abcd")
BAD["bad_header__missing_shape"] = st('{"x":{"dtype":"U8","data_offsets":[0,4]}}', b"abcd")
BAD["bad_header__missing_data_offsets"] = st('{"x":{"dtype":"U8","shape":[4]}}', b"abcd")
# Accepted by the reference only through serde quirks (a derived struct read from a sequence, an
# enum variant written as a map); refused on purpose (README's table of differences).
BAD["bad_header__entry_as_json_array"] = st('{"x":["U8",[4],[0,4]]}', b"abcd")
BAD["bad_header__dtype_as_enum_map"] = st('{"x":{"dtype":{"U8":null},"shape":[4],"data_offsets":[0,4]}}', b"abcd")
BAD["bad_header__dtype_not_string"] = st('{"x":{"dtype":8,"shape":[4],"data_offsets":[0,4]}}', b"abcd")
# __metadata__ must be null or string -> string
BAD["bad_metadata__integer_value"] = st(js({"__metadata__": {"epoch": 3}, "x": t("U8", [4], 0, 4)}), b"abcd")
BAD["bad_metadata__null_value"] = st(js({"__metadata__": {"k": None}, "x": t("U8", [4], 0, 4)}), b"abcd")
BAD["bad_metadata__nested_object"] = st(js({"__metadata__": {"k": {"a": "b"}}}))
BAD["bad_metadata__array"] = st(js({"__metadata__": ["a", "b"]}))
BAD["bad_metadata__string"] = st(js({"__metadata__": "pt"}))
# duplicate keys (stricter than the reference, which keeps the last of identical entries)
BAD["duplicate_name__identical_entries"] = st(
    '{"x":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},'
    '"x":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}', b"abcd")
BAD["duplicate_name__different_regions"] = st(
    '{"x":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},'
    '"x":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}', b"abcd")
BAD["duplicate_name__metadata_twice"] = st('{"__metadata__":{},"__metadata__":{}}')
BAD["duplicate_name__key_inside_metadata"] = st('{"__metadata__":{"a":"1","a":"2"}}')
BAD["duplicate_name__field_twice"] = st('{"x":{"dtype":"U8","dtype":"I8","shape":[4],"data_offsets":[0,4]}}', b"abcd")
# unknown dtype
BAD["unknown_dtype__lowercase"] = st(js({"x": t("i32", [1], 0, 4)}), b"abcd")
BAD["unknown_dtype__f8_e4m3fn"] = st(js({"x": t("F8_E4M3FN", [4], 0, 4)}), b"abcd")
BAD["unknown_dtype__c128"] = st(js({"x": t("C128", [1], 0, 16)}), bytes(16))
BAD["unknown_dtype__empty"] = st(js({"x": t("", [4], 0, 4)}), b"abcd")
# data_offsets: exactly two non-negative integers
BAD["bad_offsets__one_element"] = st('{"x":{"dtype":"U8","shape":[4],"data_offsets":[4]}}', b"abcd")
BAD["bad_offsets__three_elements"] = st('{"x":{"dtype":"U8","shape":[4],"data_offsets":[0,4,4]}}', b"abcd")
BAD["bad_offsets__negative"] = st('{"x":{"dtype":"U8","shape":[4],"data_offsets":[-1,3]}}', b"abcd")
BAD["bad_offsets__float"] = st('{"x":{"dtype":"U8","shape":[4],"data_offsets":[0,4.0]}}', b"abcd")
BAD["bad_offsets__past_u64"] = st('{"x":{"dtype":"U8","shape":[4],"data_offsets":[0,18446744073709551616]}}', b"abcd")
BAD["bad_offsets__string"] = st('{"x":{"dtype":"U8","shape":[4],"data_offsets":["0","4"]}}', b"abcd")
BAD["bad_offsets__object"] = st('{"x":{"dtype":"U8","shape":[4],"data_offsets":{"0":4}}}', b"abcd")
BAD["bad_offsets__reversed"] = st(js({"x": t("U8", [0], 4, 0)}), b"abcd")
# shape: non-negative integers
BAD["bad_shape__negative"] = st('{"x":{"dtype":"U8","shape":[-2],"data_offsets":[0,4]}}', b"abcd")
BAD["bad_shape__float"] = st('{"x":{"dtype":"U8","shape":[2.0,2],"data_offsets":[0,4]}}', b"abcd")
BAD["bad_shape__exponent"] = st('{"x":{"dtype":"U8","shape":[4e0],"data_offsets":[0,4]}}', b"abcd")
BAD["bad_shape__minus_zero"] = st('{"x":{"dtype":"U8","shape":[-0],"data_offsets":[0,0]}}')
BAD["bad_shape__string"] = st('{"x":{"dtype":"U8","shape":["4"],"data_offsets":[0,4]}}', b"abcd")
BAD["bad_shape__not_array"] = st('{"x":{"dtype":"U8","shape":4,"data_offsets":[0,4]}}', b"abcd")
BAD["bad_shape__past_u64"] = st('{"x":{"dtype":"U8","shape":[18446744073709551616],"data_offsets":[0,4]}}', b"abcd")
# 6. offsets in (begin, end) order: contiguous from 0, sized by the shape
BAD["overlap__json_attack"] = st(js({"t%d" % i: t("F32", [4], 0, 16) for i in range(10)}), bytes(16))
BAD["overlap__partial"] = st(js({"a": t("U8", [4], 0, 4), "b": t("U8", [4], 2, 6)}), bytes(6))
BAD["offset_gap__first_not_at_zero"] = st(js({"x": t("U8", [4], 4, 8)}), bytes(8))
BAD["offset_gap__hole"] = st(js({"a": t("U8", [2], 0, 2), "b": t("U8", [2], 3, 5)}), bytes(5))
BAD["offset_gap__zero_size_beyond_end"] = st(js({"a": t("U8", [2], 0, 2), "e": t("U8", [0], 4, 4)}), bytes(2))
BAD["size_overflow__element_count"] = st(js({"x": t("I32", [2, 2**64 - 2], 0, 8)}), bytes(8))
BAD["size_overflow__bits"] = st(js({"x": t("I32", [2, 2**63 - 1], 0, 8)}), bytes(8))
BAD["partial_byte__f4_three"] = st(js({"x": t("F4", [1, 3], 0, 2)}), bytes(2))
BAD["partial_byte__f6_one"] = st(js({"x": t("F6_E2M3", [1], 0, 1)}), bytes(1))
BAD["size_mismatch__reference_invalid_info"] = st(js({"x": t("I32", [2, 2], 0, 4)}), bytes(4))
BAD["size_mismatch__f4_two_bytes_for_two"] = st(js({"x": t("F4", [1, 2], 0, 2)}), bytes(2))
BAD["size_mismatch__zero_size_with_bytes"] = st(js({"x": t("U8", [0], 0, 4)}), bytes(4))
# 7. the data buffer must be covered exactly
BAD["trailing_bytes__one_byte"] = st(ok_entry, b"abcd" + b"\0")
BAD["trailing_bytes__polyglot"] = st(ok_entry, b"abcd" + b"<script>alert(1)</script>")
BAD["trailing_bytes__empty_header_with_data"] = st("{}", b"abcd")
BAD["truncated__two_bytes_missing"] = st(ok_entry, b"ab")
BAD["truncated__lying_offsets"] = st(js({"w": t("F32", [1024, 1024], 0, 4194304)}), b"\0")
# the largest span whose bit count still fits in 64 bits
BAD["truncated__huge_offsets"] = st(js({"w": t("U8", [2**61 - 1], 0, 2**61 - 1)}), b"\0")


def write(kind, cases):
    d = os.path.join(HERE, kind)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for name, data in sorted(cases.items()):
        with open(os.path.join(d, name + ".safetensors"), "wb") as f:
            f.write(data)


write("good", GOOD)
write("bad", BAD)
print("wrote %d good and %d bad files" % (len(GOOD), len(BAD)))
