#!/usr/bin/python3
"""Regenerates tests/corpus/npz/{good,bad}/ (the files are committed; rerun only to change them).

    /usr/bin/python3 tests/tools/make_npz_corpus.py

good/: archives every reader must open and verify (NumPy, zipfile variants, comment with a fake
end signature, a prefix, streamed descriptors, a raw non-npy member, empty).
bad/: one defect each, named <error_code_name>__<what>.npz after the tensorio::ErrorCode it
must fail with (at open or in verify()); corpus_replay enforces it.
"""
import io
import os
import struct
import zipfile
import zlib

import numpy as np

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus", "npz")
GOOD = os.path.join(HERE, "good")
BAD = os.path.join(HERE, "bad")


def npy_object():
    """An object array's member as NumPy writes it: a header and a pickle (never unpickled)."""
    b = io.BytesIO()
    np.save(b, np.array([{"k": 1}, None], dtype=object), allow_pickle=True)
    return b.getvalue()


def npy(a):
    b = io.BytesIO()
    np.save(b, a)
    return b.getvalue()


A = np.arange(12, dtype="<f4").reshape(3, 4)
B = np.arange(5, dtype=">i8")


def savez_bytes(compressed=False, stream=False):
    b = io.BytesIO()

    class Unseekable(io.RawIOBase):
        def writable(self):
            return True

        def write(self, d):
            return b.write(d)

    target = Unseekable() if stream else b
    (np.savez_compressed if compressed else np.savez)(target, a=A, b=B)
    return bytearray(b.getvalue())


def preamble_v1(d):
    h = d + " " * ((64 - (10 + len(d) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode("latin1")


def zip_bytes(members, compression=zipfile.ZIP_STORED, comment=b""):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", compression=compression) as z:
        z.comment = comment
        for name, data in members:
            z.writestr(name, data)
    return bytearray(b.getvalue())


def find(data, sig, start=0):
    return data.find(sig, start)


def cd_offset(data):
    eocd = data.rfind(b"PK\x05\x06")
    return struct.unpack_from("<I", data, eocd + 16)[0], eocd


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(bytes(data))


def savez_of(arrays, compressed):
    b = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(b, **arrays)
    return b.getvalue()


def sparse_npz(format_dtype, compressed):
    """The members scipy.sparse.save_npz writes for a 3x4 CSR matrix (built with NumPy alone)."""
    return savez_of({
        "indices": np.array([0, 2, 1, 3], dtype="<i4"),
        "indptr": np.array([0, 2, 3, 4], dtype="<i4"),
        "format": np.array("csr", dtype=format_dtype),
        "shape": np.array([3, 4], dtype="<i8"),
        "data": np.array([1.0, 2.0, 3.0, 4.0], dtype="<f8"),
    }, compressed)


def mixed_npz(compressed):
    rec = np.dtype([("name", "<U8"), ("pos", [("x", "<f4"), ("y", "<f4")]), ("n", "<i8", (2,))])
    return savez_of({
        "weights": np.arange(12, dtype="<f4").reshape(3, 4),
        "labels": np.array(["cat", "dog", "bird"], dtype="<U4"),
        "records": np.array([("a", (1, 2), [3, 4]), ("bb", (5, 6), [7, 8])], dtype=rec),
        "when": np.array(["2026-12-07", "2000-02-29"], dtype="<M8[D]"),
        "precise": np.arange(3, dtype=np.longdouble) / 7,
        "ids": np.arange(5, dtype=">i8"),
    }, compressed)


def good():
    write(GOOD, "numpy_savez.npz", savez_bytes())
    write(GOOD, "numpy_savez_compressed.npz", savez_bytes(True))
    write(GOOD, "numpy_streamed_stored.npz", savez_bytes(False, True))
    write(GOOD, "numpy_streamed_deflated.npz", savez_bytes(True, True))
    write(GOOD, "empty.npz", savez_bytes()[:0] + zip_bytes([]))
    write(GOOD, "comment_with_fake_signature.npz",
          zip_bytes([("a.npy", npy(A))], comment=b"PK\x05\x06" + b"\0" * 18 + b" tail"))
    write(GOOD, "prefixed.npz", b"#!/bin/sh\nexit 0\n" + savez_bytes())
    write(GOOD, "raw_member.npz", zip_bytes([("a.npy", npy(A)), ("meta.txt", b"hello")],
                                             zipfile.ZIP_DEFLATED))
    write(GOOD, "directory_entry.npz", zip_bytes([("d/", b""), ("d/a.npy", npy(A))]))
    # Archives with members of dtypes tensorio keeps opaque beside numeric ones, as NumPy writes
    # them: scipy.sparse.save_npz's layout (its 'format' member a unicode string, a byte string
    # in files of older SciPy versions), and records, in stored and deflated archives.
    for compressed in (False, True):
        suffix = "_compressed" if compressed else ""
        write(GOOD, "opaque_sparse_csr%s.npz" % suffix, sparse_npz("<U3", compressed))
        write(GOOD, "opaque_mixed%s.npz" % suffix, mixed_npz(compressed))
    write(GOOD, "opaque_sparse_csr_old_scipy.npz", sparse_npz("|S3", False))

    # np.savez(f, **{'': a}) writes the member ".npy"; np.load(f)[''] reads it back.
    b = io.BytesIO()
    np.savez(b, **{"": A})
    write(GOOD, "empty_name_member.npz", b.getvalue())
    # Members whose descr is another np.dtype() spelling of a numeric type.
    hdr = lambda descr, shape: preamble_v1("{'descr': '%s', 'fortran_order': False, 'shape': %s, }"
                                           % (descr, shape))
    write(GOOD, "descr_spellings.npz",
          zip_bytes([("f.npy", hdr("f4", "(2,)") + np.arange(2, dtype="<f4").tobytes()),
                     ("g.npy", hdr("float64", "(1,)") + np.ones(1, "<f8").tobytes()),
                     ("h.npy", hdr("?", "(3,)") + b"\x00\x01\x01")]))


def bad():
    write(BAD, "object_dtype__object_member_among_numeric.npz",
          zip_bytes([("a.npy", npy(A)), ("o.npy", npy_object())]))
    write(BAD, "bad_shape__member_zero_size_dim_2_63.npz",
          zip_bytes([("e.npy", preamble_v1("{'descr': '<f4', 'fortran_order': False, "
                                           "'shape': (0, 9223372036854775808), }"))]))
    z = savez_bytes()
    cd, eocd = cd_offset(z)
    write(BAD, "truncated__in_data.npz", z[:100])
    write(BAD, "truncated__in_directory.npz", z[: cd + 20])
    write(BAD, "truncated__missing_eocd.npz", z[:eocd] + b"\0" * 22)
    write(BAD, "bad_magic__not_a_zip.npz", b"this is not a zip archive at all" * 4)

    # Stored payload byte flipped: only the CRC can tell.
    d = bytearray(z)
    d[find(d, b"\x93NUMPY") + 130] ^= 0x40
    write(BAD, "bad_checksum__bad_crc_stored.npz", d)

    # Deflated member whose CRC is wrong in both headers.
    c = savez_bytes(True)
    ccd, _ = cd_offset(c)
    c2 = bytearray(c)
    crc_local = 14
    c2[crc_local] ^= 1
    c2[ccd + 16] ^= 1
    write(BAD, "bad_checksum__bad_crc_deflated.npz", c2)

    # Corrupt deflate stream past its first block header: open succeeds, data() fails.
    big = np.random.default_rng(1).standard_normal(20000).astype("<f4")
    cz = zip_bytes([("x.npy", npy(big))], zipfile.ZIP_DEFLATED)
    name_len, extra_len = struct.unpack_from("<HH", cz, 26)
    data_at = 30 + name_len + extra_len
    for i in range(data_at + 2000, data_at + 2400):
        cz[i] ^= 0xA5
    write(BAD, "bad_compressed_data__corrupt_deflate.npz", cz)

    # Zip bomb: a megabyte of zeros declared as 1000 bytes (local and central agree).
    zeros = npy(np.zeros(1 << 18, dtype="<f4"))
    bz = zip_bytes([("x.npy", zeros)], zipfile.ZIP_DEFLATED)
    bcd, _ = cd_offset(bz)
    struct.pack_into("<I", bz, 22, len(zeros) - 4096)
    struct.pack_into("<I", bz, bcd + 24, len(zeros) - 4096)
    write(BAD, "truncated__zip_bomb_npy_declared_smaller.npz", bz)
    # The same for a raw member: nothing but the inflater's bound can catch it.
    rz = zip_bytes([("x.bin", bytes(1 << 20))], zipfile.ZIP_DEFLATED)
    rcd, _ = cd_offset(rz)
    struct.pack_into("<I", rz, 22, 1000)
    struct.pack_into("<I", rz, rcd + 24, 1000)
    write(BAD, "bad_compressed_data__zip_bomb_raw_declared_smaller.npz", rz)
    # Declared far beyond DEFLATE's 1032:1 bound.
    bz2 = zip_bytes([("x.npy", zeros)], zipfile.ZIP_DEFLATED)
    bcd, _ = cd_offset(bz2)
    struct.pack_into("<I", bz2, 22, 0xFFFFFFF0)
    struct.pack_into("<I", bz2, bcd + 24, 0xFFFFFFF0)
    write(BAD, "bad_compressed_data__zip_bomb_ratio.npz", bz2)

    # Overlapping members: a stored outer member whose data contains a whole inner member.
    inner = zip_bytes([("in.npy", npy(A))])
    inner_member = inner[: cd_offset(inner)[0]]
    outer = zip_bytes([("outer.bin", bytes(inner_member))])
    ocd, oeocd = cd_offset(outer)
    outer_data = 30 + len("outer.bin")
    inner_cd = inner[cd_offset(inner)[0]: cd_offset(inner)[1]]
    inner_cd = bytearray(inner_cd)
    struct.pack_into("<I", inner_cd, 42, outer_data)
    new_cd = outer[ocd:oeocd] + inner_cd
    eocd_rec = bytearray(outer[oeocd: oeocd + 22])
    struct.pack_into("<HHII", eocd_rec, 8, 2, 2, len(new_cd), ocd)
    write(BAD, "overlap__overlapping_members.npz", outer[:ocd] + new_cd + eocd_rec)

    # Lying sizes and offsets.
    d = bytearray(z)
    struct.pack_into("<I", d, cd + 20, 0x7FFFFFFF)
    write(BAD, "bad_header__lying_compressed_size.npz", d)
    c3 = bytearray(savez_bytes(True))
    c3cd, _ = cd_offset(c3)
    struct.pack_into("<I", c3, c3cd + 20, c3cd)  # compressed size reaching into the directory
    struct.pack_into("<I", c3, 18, c3cd)
    write(BAD, "overlap__lying_deflated_size_overlaps_directory.npz", c3)
    d = bytearray(z)
    struct.pack_into("<I", d, cd + 42, cd + 1000)
    write(BAD, "out_of_bounds__lying_local_offset.npz", d)
    d = bytearray(z)
    struct.pack_into("<I", d, eocd + 16, cd + 5)
    write(BAD, "out_of_bounds__lying_directory_offset.npz", d)
    d = bytearray(z)
    struct.pack_into("<HH", d, eocd + 8, 3, 3)
    write(BAD, "bad_header__lying_entry_count.npz", d)
    d = bytearray(z)
    struct.pack_into("<I", d, 18, 7)  # local compressed size disagrees with the central one
    write(BAD, "bad_header__local_central_size_mismatch.npz", d)
    d = bytearray(z)
    d[30] = ord("z")  # local name differs
    write(BAD, "bad_header__local_central_name_mismatch.npz", d)

    # Members that are not what their name says.
    write(BAD, "bad_magic__member_not_npy.npz", zip_bytes([("x.npy", b"just some text, no magic")]))
    short = npy(A)[:-8]
    write(BAD, "truncated__member_npy_truncated.npz", zip_bytes([("x.npy", short)]))
    write(BAD, "bad_header__member_npy_bad_header.npz",
          zip_bytes([("x.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4' \n")]))
    write(BAD, "duplicate_name__same_member_twice.npz", dup_names())

    # Flags and methods.
    d = bytearray(z)
    struct.pack_into("<H", d, 6, 1)
    struct.pack_into("<H", d, cd + 8, 1)
    write(BAD, "encrypted__flag_set.npz", d)
    write(BAD, "unsupported_compression__method_bzip2.npz", zip_bytes([("x.npy", npy(A))], zipfile.ZIP_BZIP2))
    write(BAD, "unsupported_compression__method_lzma.npz", zip_bytes([("x.npy", npy(A))], zipfile.ZIP_LZMA))

    # Streamed archive whose descriptor disagrees with the central directory.
    s = savez_bytes(False, True)
    dd = find(s, b"PK\x07\x08")
    s[dd + 4] ^= 0xFF
    write(BAD, "bad_header__descriptor_mismatch.npz", s)

    # zip64 locator pointing at nothing.
    d = bytearray(z)
    loc = struct.pack("<IIQI", 0x07064B50, 0, 3, 1)
    write(BAD, "bad_header__zip64_locator_dangling.npz", d[:eocd] + loc + d[eocd:])

    # Multi-disk archive.
    d = bytearray(z)
    struct.pack_into("<H", d, eocd + 4, 1)
    write(BAD, "unsupported_version__multi_disk.npz", d)


def dup_names():
    b = io.BytesIO()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(b, "w") as z:
            z.writestr("x.npy", npy(A))
            z.writestr("x.npy", npy(B))
    return b.getvalue()


good()
bad()
