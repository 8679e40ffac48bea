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
        "unsupported_dtype__object.npy": d("'|O'", "(1,)") + b"\x00" * 8,
        "unsupported_dtype__unicode.npy": d("'<U4'", "(1,)") + b"\x00" * 16,
        "unsupported_dtype__structured.npy": d("[('a', '<f4')]", "(1,)") + b"\x00" * 4,
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
        "unsupported_dtype__datetime.npy": d("'<M8[ns]'", "(1,)") + b"\x00" * 8,
        "unsupported_dtype__bytes.npy": d("'|S3'", "(1,)") + b"abc",
        "unsupported_dtype__long_double.npy": d("'<f16'", "(1,)") + b"\x00" * 16,
        "unsupported_dtype__platform_long.npy": d("'<l'", "(1,)") + b"\x00" * 8,
        "unsupported_dtype__subarray_tuple.npy": d("('<f4', (2,))", "(1,)") + b"\x00" * 8,
        "unknown_dtype__not_a_dtype.npy": d("'<x4'", "(1,)") + b"\x00" * 4,
        "unknown_dtype__byte_order_before_name.npy": d("'<float32'", "(1,)") + b"\x00" * 4,
    }
    for name, data in bad.items():
        put("bad", name, data)


if __name__ == "__main__":
    main()
