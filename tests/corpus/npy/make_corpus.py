"""Regenerates the .npy corpus: good/ files every reader must accept (written by NumPy and by
hand in the shapes other writers produce) and bad/ files that must fail. A bad file is named
<error_code_name>__<what>.npy after the tensorio::ErrorCode it must fail with; corpus_replay
enforces it. Run with /usr/bin/python3 (needs NumPy); the output is committed."""
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def preamble(d, major=1, pad=True):
    h = d
    prefix = 10 if major == 1 else 12
    if pad:
        h += " " * ((64 - (prefix + len(h) + 1) % 64) % 64)
    h += "\n"
    fmt = "<H" if major == 1 else "<I"
    return b"\x93NUMPY" + bytes([major, 0]) + struct.pack(fmt, len(h)) + h.encode("latin1")


def put(kind, name, data):
    os.makedirs(os.path.join(HERE, kind), exist_ok=True)
    with open(os.path.join(HERE, kind, name), "wb") as f:
        f.write(data)


def main():
    rng = np.random.default_rng(7)
    good = {
        "f32_2d.npy": rng.standard_normal((4, 5)).astype("<f4"),
        "f64_be.npy": rng.standard_normal(6).astype(">f8"),
        "i16_fortran.npy": np.asfortranarray(np.arange(12, dtype="<i2").reshape(3, 4)),
        "bool_scalar.npy": np.bool_(True),
        "c64_be_fortran.npy": np.asfortranarray((np.arange(6) + 1j).astype(">c8").reshape(2, 3)),
        "empty.npy": np.zeros((0, 4), dtype="<u8"),
    }
    # Fixed-size dtypes tensorio opens as opaque tensors (bytes and descr kept as stored).
    point = np.dtype([("x", "<f4"), ("y", "<f4")])
    good.update({
        "opaque_bytes.npy": np.array([b"abc", b"de", b""], dtype="|S3"),
        "opaque_unicode.npy": np.array([["\u00e9t\u00e9", "a"], ["\U0001f600", ""]], dtype="<U3"),
        "opaque_unicode_be.npy": np.array(["big", "end"], dtype=">U4"),
        "opaque_record.npy": np.array([(1.5, 2, b"ab"), (-3.0, 7, b"")],
                                      dtype=[("f", "<f8"), ("i", "<i2"), ("s", "|S2")]),
        "opaque_record_nested.npy": np.array(
            [((1.0, 2.0), [1, 2, 3], "p"), ((3.0, 4.0), [4, 5, 6], "q")],
            dtype=[("pos", point), ("ids", "<i4", (3,)), ("tag", "<U1")]),
        "opaque_record_titled_padded.npy": np.zeros(
            3, dtype=np.dtype({"names": ["a", "b"], "formats": ["<i2", "<f8"],
                               "offsets": [0, 8], "titles": ["A title", None],
                               "itemsize": 24})),
        "opaque_long_double.npy": np.arange(4, dtype=np.longdouble) / 3,
        "opaque_void.npy": np.array([b"\x00\x01\x02\x03\x04"] * 2, dtype="|V5"),
        "opaque_datetime.npy": np.array(["2026-12-07T04:00", "1970-01-01"], dtype="<M8[m]"),
        "opaque_timedelta.npy": np.array([1, -2, 3], dtype="<m8[10s]"),
        "opaque_unicode_fortran.npy": np.asfortranarray(
            np.array([["a", "bb", "ccc"], ["d", "ee", "fff"]], dtype="<U3")),
        "opaque_bytes_empty.npy": np.zeros((0, 3), dtype="|S7"),
    })
    os.makedirs(os.path.join(HERE, "good"), exist_ok=True)
    for name, arr in good.items():
        np.save(os.path.join(HERE, "good", name), arr)
    payload = struct.pack("<2f", 1.0, 2.0)
    put("good", "mlx_unpadded.npy",
        preamble("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", pad=False) + payload)
    put("good", "v2.npy", preamble("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 2) + payload)
    put("good", "v3.npy", preamble("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 3) + payload)
    put("good", "bf16_void.npy",
        preamble("{'descr': '<V2', 'fortran_order': False, 'shape': (2,), }") + b"\x80\x3f\x00\x40")
    put("good", "trailing_bytes.npy",
        preamble("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }") + b"ab" + b"junk")
    # descr spellings other writers produce; np.dtype() reads each as the same numeric type.
    spellings = {"f4": "f4_no_byte_order", "<f": "lt_f_type_char", "float32": "name_float32",
                 "?": "question_mark_bool", "B": "char_B_uint8", "u1": "u1_no_byte_order",
                 "|u1": "bar_u1", ">d": "big_endian_d", "=i4": "native_i4", "|f8": "bar_f8",
                 "double": "name_double", "uintc": "name_uintc", "D": "char_D_complex128"}
    for descr, what in spellings.items():
        dt = np.dtype(descr)
        arr = np.arange(3).astype(dt)
        put("good", "descr_%s.npy" % what,
            preamble("{'descr': '%s', 'fortran_order': False, 'shape': (3,), }" % descr)
            + arr.tobytes())
    # A zero-size array whose other dimension NumPy can still create.
    put("good", "zero_size_with_large_dim.npy",
        preamble("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 9223372036854775807), }"))

    def d(descr, shape, fortran="False"):
        return preamble("{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape))

    bad = {
        "truncated__empty_file.npy": b"",
        "truncated__magic_only.npy": b"\x93NUMPY",
        "bad_magic__numpz.npy": b"\x93NUMPZ\x01\x00" + b"\x00" * 60,
        "unsupported_version__version_9.npy": b"\x93NUMPY\x09\x00\x10\x00" + b" " * 16,
        "truncated__header_len_past_end.npy": b"\x93NUMPY\x01\x00\xff\xff{'descr'",
        "header_too_large__header_len_4g.npy": b"\x93NUMPY\x02\x00\xff\xff\xff\xff{",
        "truncated__payload.npy": d("'<f8'", "(100,)") + b"\x00" * 799,
        "size_overflow__element_count.npy": d("'<f8'", "(4294967296, 4294967296)"),
        "size_overflow__byte_count.npy": d("'<c16'", "(2305843009213693952,)"),
        "bad_shape__negative_dim.npy": d("'<f4'", "(-1,)"),
        # Object arrays are pickles: refused whatever their shape, alone or inside records.
        "object_dtype__object.npy": d("'|O'", "(1,)") + b"\x00" * 8,
        "object_dtype__record_with_object_field.npy":
            d("[('a', '<f4'), ('b', '|O')]", "(1,)") + b"\x00" * 12,
        "object_dtype__nested_object_field.npy":
            d("[('a', [('x', '<i4'), ('o', '|O')])]", "(1,)") + b"\x00" * 12,
        # Fixed-size dtypes tensorio keeps opaque, spelled wrongly.
        "unsupported_dtype__unicode_zero_width.npy": d("'<U0'", "(1,)"),
        "unknown_dtype__float_3_bytes.npy": d("'<f3'", "(1,)") + b"\x00" * 3,
        "unknown_dtype__integer_16_bytes.npy": d("'<i16'", "(1,)") + b"\x00" * 16,
        "unsupported_dtype__datetime_bad_unit.npy": d("'<M8[fortnight]'", "(1,)") + b"\x00" * 8,
        "size_overflow__unicode_width.npy":
            d("'<U18446744073709551615'", "(1,)") + b"\x00" * 8,
        "unsupported_dtype__empty_record.npy": d("[]", "(1,)"),
        "bad_header__record_field_repeated.npy":
            d("[('a', '<f4'), ('a', '<i4')]", "(1,)") + b"\x00" * 8,
        "bad_header__record_field_unterminated.npy": d("[('a', '<f4'", "(1,)"),
        "bad_header__record_field_without_descr.npy": d("[('a',)]", "(1,)"),
        "limit_exceeded__records_nested_too_deep.npy":
            d("[('a', " * 17 + "'<f4'" + ")]" * 17, "(1,)") + b"\x00" * 4,
        "size_overflow__record_subarray.npy":
            d("[('a', '<f8', (4294967296, 4294967296))]", "(1,)"),
        "truncated__unicode_payload.npy": d("'<U4'", "(2,)") + b"\x00" * 16,
        "bad_header__missing_key.npy": preamble("{'descr': '<f4', 'shape': (1,), }") + b"\x00" * 4,
        "bad_header__extra_key.npy":
            preamble("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 0}") + b"\x00" * 4,
        "bad_header__duplicate_key.npy":
            preamble("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}"),
        "bad_header__not_python.npy": preamble('{"descr": "<f4", "fortran_order": false, "shape": [1]}') + b"\x00" * 4,
        "bad_shape__unterminated.npy": preamble("{'descr': '<f4', 'fortran_order': False, 'shape': (1,"),
        "limit_exceeded__65_dims.npy": d("'|u1'", "(" + "1, " * 65 + ")") + b"\x00",
        "bad_magic__zip_named_npy.npy": b"PK\x03\x04" + b"\x00" * 40,
        # NumPy's limits hold for empty arrays too: dimensions are intp, and the item size
        # times the non-zero dimensions must fit ("array is too big").
        "bad_shape__zero_size_dim_2_63.npy": d("'<f4'", "(0, 9223372036854775808)"),
        "size_overflow__zero_size_nonzero_dims_overflow.npy": d("'<f4'", "(4611686018427387904, 4, 0)"),
        "unsupported_dtype__platform_long.npy": d("'<l'", "(1,)") + b"\x00" * 8,
        "unsupported_dtype__subarray_tuple.npy": d("('<f4', (2,))", "(1,)") + b"\x00" * 8,
        "unknown_dtype__not_a_dtype.npy": d("'<x4'", "(1,)") + b"\x00" * 4,
        "unknown_dtype__byte_order_before_name.npy": d("'<float32'", "(1,)") + b"\x00" * 4,
    }
    for name, data in bad.items():
        put("bad", name, data)


if __name__ == "__main__":
    main()
