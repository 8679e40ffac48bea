#!/usr/bin/env python3
"""Writes the GGUF corpus: good/ files that must open and verify, bad/ files that must fail.

Run from anywhere:  /usr/bin/python3 tests/tools/make_gguf_corpus.py
The files are committed; rerun this after changing it. Every bad file isolates one defect (the
rest of the file is well-formed), so the error each one raises is specific: a bad file is named
<error_code_name>__<what>.gguf after the tensorio::ErrorCode it must fail with, which
corpus_replay and tests/unit/gguf_corpus_test.cpp enforce. Comments beside the files name the
CVE pattern they replay (see /work/shared/reference/gguf.md section 4.3) where there is one.
"""
import os
import random
import struct

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus", "gguf")

# GGUF metadata value types.
U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
SCALAR_FMT = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f",
              BOOL: "<B", U64: "<Q", I64: "<q", F64: "<d"}

# ggml types in use: enum value -> (elements per block, bytes per block).
GGML_TYPES = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
    9: (32, 36), 10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210),
    15: (256, 292), 16: (256, 66), 17: (256, 74), 18: (256, 98), 19: (256, 50), 20: (32, 18),
    21: (256, 110), 22: (256, 82), 23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4),
    27: (1, 8), 28: (1, 8), 29: (256, 56), 30: (1, 2), 34: (256, 54), 35: (256, 66),
    39: (32, 17), 40: (64, 36), 41: (128, 18), 42: (64, 18),
}
F32_T, F16_T, Q4_0_T = 0, 1, 2


def gstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def value(t, v):
    """Encoded value of type t (without the type field)."""
    if t == STR:
        return gstr(v)
    if t == ARR:
        et, items = v
        out = struct.pack("<IQ", et, len(items))
        return out + b"".join(value(et, x) for x in items)
    return struct.pack(SCALAR_FMT[t], v)


def kv(key, t, v):
    return gstr(key) + struct.pack("<I", t) + value(t, v)


def header(n_tensors, n_kv, version=3, magic=b"GGUF"):
    return magic + struct.pack("<IQQ", version, n_tensors, n_kv)


def tinfo(name, ne, ggml_type, offset):
    return (gstr(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne)
            + struct.pack("<IQ", ggml_type, offset))


def pad(n, a):
    return (a - n % a) % a


def nbytes(ne, ggml_type):
    blk, size = GGML_TYPES[ggml_type]
    n = 1
    for d in ne:
        n *= d
    return n // blk * size


def build(kvs=(), tensors=(), alignment=32, version=3, pad_last=True):
    """A well-formed file: tensors = [(name, ne, ggml_type, data_bytes)], laid out like ggml."""
    out = header(len(tensors), len(kvs), version) + b"".join(kvs)
    offset = 0
    infos = b""
    for name, ne, t, data in tensors:
        infos += tinfo(name, ne, t, offset)
        offset += len(data) + pad(len(data), alignment)
    out += infos
    if tensors:
        out += b"\0" * pad(len(out), alignment)
    for i, (name, ne, t, data) in enumerate(tensors):
        out += data
        if pad_last or i + 1 < len(tensors):
            out += b"\0" * pad(len(data), alignment)
    return out


def f32(*xs):
    return struct.pack("<%df" % len(xs), *xs)


def write(kind, name, data):
    d = os.path.join(HERE, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def good_files():
    rng = random.Random(5)
    small = [("w", [2, 3], F32_T, f32(*range(6)))]
    write("good", "no_tensors.gguf", header(0, 1) + kv("general.architecture", STR, "llama"))
    write("good", "version2.gguf", build([kv("general.name", STR, "v2")], small, version=2))
    all_values = [
        kv("u8", U8, 200), kv("i8", I8, -100), kv("u16", U16, 60000), kv("i16", I16, -30000),
        kv("u32", U32, 4000000000), kv("i32", I32, -2000000000), kv("f32", F32, 1.5),
        kv("bool", BOOL, 1), kv("str", STR, "h\u00e9llo"), kv("u64", U64, 2**64 - 1),
        kv("i64", I64, -2**63), kv("f64", F64, 2.5e-300),
        kv("arr.u8", ARR, (U8, [1, 2, 3])), kv("arr.i8", ARR, (I8, [-1, 2])),
        kv("arr.u16", ARR, (U16, [1, 65535])), kv("arr.i16", ARR, (I16, [-7])),
        kv("arr.u32", ARR, (U32, [7, 8])), kv("arr.i32", ARR, (I32, list(range(-10, 10)))),
        kv("arr.f32", ARR, (F32, [0.5, -0.25])), kv("arr.bool", ARR, (BOOL, [1, 0, 1])),
        kv("arr.str", ARR, (STR, ["a", "", "ccc"])), kv("arr.u64", ARR, (U64, [2**63])),
        kv("arr.i64", ARR, (I64, [-5])), kv("arr.f64", ARR, (F64, [3.25])),
        kv("arr.empty", ARR, (U32, [])),
        kv("arr.nested", ARR, (ARR, [(I32, [1, 2]), (STR, ["x", "yz"]), (U8, [])])),
        kv("general.alignment", U32, 64),
    ]
    write("good", "all_value_types.gguf", build(all_values, small, alignment=64))
    tensors = []
    for t, (blk, size) in sorted(GGML_TYPES.items()):
        ne = [blk * 2, 3]
        tensors.append(("t%d" % t, ne, t, bytes(rng.getrandbits(8) for _ in range(nbytes(ne, t)))))
    write("good", "all_ggml_types.gguf", build([kv("general.quantization_version", U32, 2)], tensors))
    # MLX and gguflib do not pad after the last tensor; still a valid file.
    write("good", "unpadded_last_tensor.gguf", build([], [("a", [3], F32_T, f32(1, 2, 3))], pad_last=False))
    write("good", "scalar_and_empty.gguf",
          build([], [("scalar", [], F32_T, f32(7)), ("empty", [0, 4], F32_T, b""),
                     ("after", [2], F16_T, b"\0\x3c\0\x40")]))
    # Zero elements: a zero dimension wins over the others, whatever order they multiply in
    # (ggml's rule; 4 * 2^62 alone would overflow).
    write("good", "zero_dim_beside_huge_dims.gguf",
          build([], [("e1", [4, 2**62, 0], F32_T, b""), ("e2", [0, 0, 2**54, 2**22], F32_T, b""),
                     ("w", [2], F32_T, f32(1, 2))]))
    # Aligned, in bounds, no overlap, but with a gap: valid gguf that ggml's reader refuses.
    body = header(2, 0) + tinfo("a", [4], F32_T, 0) + tinfo("b", [4], F32_T, 64)
    body += b"\0" * pad(len(body), 32)
    write("good", "gap_between_tensors.gguf", body + f32(1, 2, 3, 4) + b"\0" * 48 + f32(5, 6, 7, 8))


def bad_files():
    w = ("w", [4], F32_T, f32(1, 2, 3, 4))
    ok_kv = kv("general.architecture", STR, "llama")
    write("bad", "bad_magic__ggux.gguf", header(0, 0, magic=b"GGUX"))
    write("bad", "truncated__header.gguf", b"GGUF\x03\0\0\0\0\0")
    write("bad", "unsupported_version__version1.gguf", b"GGUF" + struct.pack("<III", 1, 0, 0))
    write("bad", "unsupported_version__version4.gguf", header(0, 0, version=4))
    write("bad", "unsupported_version__big_endian.gguf", b"GGUF" + struct.pack(">IQQ", 3, 0, 1)
          + struct.pack(">Q", 4) + b"name" + struct.pack(">I", U32) + struct.pack(">I", 7))
    # TALOS-2024-1915/1916 pattern: counts that would size a huge allocation.
    write("bad", "limit_exceeded__huge_tensor_count.gguf", header(2**62, 0))
    write("bad", "truncated__huge_kv_count.gguf", header(0, 2**60) + ok_kv)
    # TALOS-2024-1913 pattern: string lengths that lie.
    write("bad", "limit_exceeded__key_length_huge.gguf", header(0, 1) + struct.pack("<Q", 2**63) + b"key" + b"\0" * 16)
    write("bad", "truncated__string_length_past_end.gguf",
          header(0, 1) + gstr("k") + struct.pack("<IQ", STR, 1000) + b"short")
    write("bad", "bad_metadata__empty_key.gguf", header(0, 1) + kv("", U32, 1))
    # ggml compares keys and names as C strings: with a NUL inside, the two readers would see
    # different keys (and lay the data out at different alignments) or one name twice.
    write("bad", "bad_metadata__key_with_nul.gguf",
          build([kv("general.alignment\0x", U32, 64)], [("w", [4], F32_T, f32(1, 2, 3, 4))]))
    write("bad", "bad_header__tensor_name_with_nul.gguf",
          build([], [("a\0x", [4], F32_T, f32(1, 2, 3, 4)), ("a\0y", [4], F32_T, f32(5, 6, 7, 8))]))
    # Bools are 0 or 1; the spec calls anything else invalid.
    write("bad", "bad_metadata__bool_value_2.gguf", header(0, 1) + kv("flag", BOOL, 2))
    write("bad", "bad_metadata__bool_array_element_255.gguf",
          header(0, 1) + kv("flags", ARR, (BOOL, [0, 1, 255])))
    write("bad", "duplicate_name__key.gguf", header(0, 2) + kv("a.b", U32, 1) + kv("a.b", U8, 2))
    write("bad", "bad_metadata__bad_value_type.gguf", header(0, 1) + gstr("k") + struct.pack("<II", 13, 0))
    write("bad", "bad_metadata__array_bad_element_type.gguf",
          header(0, 1) + gstr("k") + struct.pack("<IIQ", ARR, 99, 0))
    write("bad", "limit_exceeded__array_count_over_limit.gguf",
          header(0, 1) + gstr("k") + struct.pack("<IIQ", ARR, U8, 2**40) + b"\0" * 16)
    write("bad", "truncated__array_count_past_end.gguf",
          header(0, 1) + gstr("k") + struct.pack("<IIQ", ARR, U32, 1000000) + b"\0" * 64)
    write("bad", "truncated__string_array_lying_count.gguf",
          header(0, 1) + gstr("tokens") + struct.pack("<IIQ", ARR, STR, 3) + gstr("a") + gstr("b"))
    write("bad", "truncated__string_array_element_past_end.gguf",
          header(0, 1) + gstr("tokens") + struct.pack("<IIQ", ARR, STR, 2) + gstr("a")
          + struct.pack("<Q", 2**20) + b"xyz")
    nested = (U8, [1])
    for _ in range(4):
        nested = (ARR, [nested])
    write("bad", "limit_exceeded__nested_array_too_deep.gguf", header(0, 1) + kv("deep", ARR, nested))
    write("bad", "truncated__scalar.gguf", header(0, 1) + gstr("k") + struct.pack("<I", U64) + b"\0\0")
    # Alignment: wrong type, not a power of two, zero, huge (oss-security GGUF-2026-05-001).
    write("bad", "bad_alignment__alignment_uint64.gguf", build([kv("general.alignment", U64, 32)], [w]))
    write("bad", "bad_alignment__alignment_not_power_of_two.gguf", build([kv("general.alignment", U32, 48)], [w]))
    write("bad", "bad_alignment__alignment_zero.gguf", header(0, 1) + kv("general.alignment", U32, 0))
    write("bad", "limit_exceeded__alignment_huge.gguf", header(0, 1) + kv("general.alignment", U32, 2**31))
    # Tensor infos.
    write("bad", "limit_exceeded__tensor_name_64_bytes.gguf", build([], [("n" * 64, [4], F32_T, f32(1, 2, 3, 4))]))
    write("bad", "duplicate_name__tensor.gguf", build([], [w, w]))
    # TALOS-2024-1914 / ggml PR 709 pattern: n_dims > GGML_MAX_DIMS.
    write("bad", "bad_shape__n_dims_5.gguf", build([], [("w", [1, 1, 1, 1, 4], F32_T, f32(1, 2, 3, 4))]))
    write("bad", "bad_shape__negative_dimension.gguf", header(1, 0) + tinfo("w", [2**63], F32_T, 0))
    # CVE-2024-21802 / GHSA-96jg-mvhq-q7q7 pattern: element count and byte size overflow.
    write("bad", "size_overflow__element_count_overflow.gguf", header(1, 0) + tinfo("w", [2**32, 2**32, 4], F32_T, 0))
    write("bad", "size_overflow__byte_size_overflow.gguf", header(1, 0) + tinfo("w", [2**62], F32_T, 0))
    # CVE-2025-53630 and its GGML_PAD bypass (llama.cpp PR 24759): nbytes = 2^64 - 4 pads to 0.
    body = header(2, 0) + tinfo("big", [2**62 - 1], F32_T, 0) + tinfo("small", [8], F32_T, 0)
    write("bad", "size_overflow__padding_overflow.gguf", body + b"\0" * pad(len(body), 32) + f32(*range(8)))
    write("bad", "unsupported_dtype__removed_type_q4_2.gguf", header(1, 0) + tinfo("w", [32], 4, 0))
    write("bad", "unsupported_dtype__removed_type_q4_0_4_4.gguf", header(1, 0) + tinfo("w", [32], 31, 0))
    write("bad", "unsupported_dtype__removed_type_iq4_nl_8_8.gguf", header(1, 0) + tinfo("w", [32], 38, 0))
    write("bad", "unknown_dtype__unknown_type_43.gguf", header(1, 0) + tinfo("w", [32], 43, 0))
    write("bad", "unknown_dtype__unknown_type_huge.gguf", header(1, 0) + tinfo("w", [32], 2**31 + 5, 0))
    write("bad", "bad_shape__row_not_whole_blocks.gguf", header(1, 0) + tinfo("w", [48], Q4_0_T, 0))
    write("bad", "truncated__tensor_infos_truncated.gguf", build([], [w])[:24 + 8 + 1 + 4 + 4])
    # Layout: unaligned, out of bounds, overlapping, truncated data section.
    body = header(1, 0) + tinfo("w", [4], F32_T, 4)
    write("bad", "bad_alignment__offset_unaligned.gguf", body + b"\0" * pad(len(body), 32) + b"\0" * 64)
    body = header(1, 0) + tinfo("w", [4], F32_T, 2**40)
    write("bad", "out_of_bounds__offset_out_of_bounds.gguf", body + b"\0" * pad(len(body), 32) + b"\0" * 64)
    body = header(1, 0) + tinfo("w", [16], F32_T, 2**64 - 32)
    write("bad", "out_of_bounds__offset_plus_size_wraps.gguf", body + b"\0" * pad(len(body), 32) + b"\0" * 64)
    body = header(2, 0) + tinfo("a", [16], F32_T, 0) + tinfo("b", [16], F32_T, 32)
    write("bad", "overlap__overlapping_tensors.gguf", body + b"\0" * pad(len(body), 32) + b"\0" * 96)
    write("bad", "overlap__out_of_order.gguf",
          header(2, 0) + tinfo("a", [64], F32_T, 32) + tinfo("b", [16], F32_T, 0)
          + b"\0" * pad(24 + 2 * (8 + 1 + 4 + 8 + 4 + 8), 32) + b"\0" * 320)
    write("bad", "truncated__data_section.gguf", build([], [("w", [64], F32_T, f32(*range(64)))])[:-100])
    body = header(1, 0) + tinfo("w", [4], F32_T, 0)
    write("bad", "truncated__data_start_past_eof.gguf", body)


def main():
    for kind in ("good", "bad"):
        d = os.path.join(HERE, kind)
        if os.path.isdir(d):
            for f in os.listdir(d):
                if f.endswith(".gguf"):
                    os.remove(os.path.join(d, f))
    good_files()
    bad_files()


if __name__ == "__main__":
    main()
