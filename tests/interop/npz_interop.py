#!/usr/bin/python3
"""npz interop: tensorio reads what NumPy and CPython's zipfile write, NumPy reads what tensorio
writes, value for value.

    npz_interop.py TENSORIO_EXE WORKDIR [CASE...]

With CASE names only those cases run (meson runs the slow 65536-member case as its own test).

Each case writes an archive with NumPy or zipfile, then
  - `tensorio inspect --json` must list the members in archive order with NumPy's dtypes and
    shapes, and (stored members) `offset` equal to the payload offset computed from zipfile's
    own view of the local header;
  - `tensorio verify` must pass (every CRC checked);
  - `tensorio convert` to a stored and to a compressed .npz must give archives that
    zipfile.testzip() accepts and np.load reads back equal to the originals, with every stored
    payload at a 64-byte file offset.
"""
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile

import numpy as np

TENSORIO = sys.argv[1]
WORK = sys.argv[2]
ONLY = set(sys.argv[3:])
SLOW = {"savez_65536_members_zip64.npz"}
UNZIP = shutil.which("unzip")
failures = []
ran = []


def run(*args, check=True):
    r = subprocess.run([TENSORIO, *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"tensorio {' '.join(args)} failed ({r.returncode}): {r.stderr}")
    return r


def arrays():
    rng = np.random.default_rng(7)
    return {
        "f32": rng.standard_normal((17, 5)).astype("<f4"),
        "f64_fortran": np.asfortranarray(rng.standard_normal((4, 6))),
        "i8": np.arange(-5, 5, dtype="i1"),
        "u16_be": np.arange(12, dtype=">u2").reshape(3, 4),
        "i32": rng.integers(-(2**31), 2**31 - 1, size=100, dtype="<i4"),
        "u64": np.arange(9, dtype="<u8"),
        "bool": np.array([True, False, True]),
        "f16": np.linspace(0, 1, 7).astype("<f2"),
        "c64": (np.arange(4) + 1j * np.arange(4)).astype("<c8"),
        "c128_be": (np.arange(3) - 2j).astype(">c16"),
        "scalar": np.array(3.5),
        "empty": np.zeros((0, 3), dtype="<f4"),
        "dir/sub.name": np.arange(5, dtype="<i2"),
    }


def payload_offsets(path):
    """Payload offset of each stored .npy member, from zipfile's parse + the local header."""
    out = {}
    with zipfile.ZipFile(path) as z, open(path, "rb") as f:
        for info in z.infolist():
            f.seek(info.header_offset)
            lfh = f.read(30)
            n, e = struct.unpack("<HH", lfh[26:30])
            data = info.header_offset + 30 + n + e
            f.seek(data)
            pre = f.read(12)
            hlen = struct.unpack("<H", pre[8:10])[0] + 10 if pre[6] == 1 else struct.unpack("<I", pre[8:12])[0] + 12
            out[info.filename] = (data + hlen, info.compress_type)
    return out


def check_read(path, expected, names=None):
    """tensorio's view of `path` matches `expected` (name -> array) in archive order."""
    info = json.loads(run("inspect", "--json", path).stdout)
    got = [t["name"] for t in info["tensors"]]
    want = names if names is not None else list(expected)
    assert got == want, f"order: expected {want}, found {got}"
    offsets = payload_offsets(path) if os.path.getsize(path) > 22 else {}
    for t in info["tensors"]:
        a = expected[t["name"]]
        assert t["shape"] == list(a.shape), f"{t['name']}: shape {t['shape']} != {a.shape}"
        assert t["nbytes"] == a.nbytes, f"{t['name']}: nbytes {t['nbytes']} != {a.nbytes}"
        member = t["name"] + ".npy"
        off, method = offsets[member]
        if method == zipfile.ZIP_STORED:
            assert t["offset"] == off, f"{t['name']}: offset {t['offset']} != payload offset {off}"
    run("verify", path)


def check_written(path, expected, compressed):
    assert zipfile.ZipFile(path).testzip() is None, f"{path}: testzip found a bad member"
    if UNZIP:  # Info-ZIP's own test of every member (CRC, headers), where it is installed
        r = subprocess.run([UNZIP, "-tqq", path], capture_output=True, text=True)
        assert r.returncode == 0, f"{path}: unzip -t failed: {r.stdout}{r.stderr}"
    with np.load(path) as d:
        assert list(d.files) == list(expected), f"{path}: members {d.files}"
        for k, a in expected.items():
            b = d[k]
            assert b.dtype == a.dtype.newbyteorder("=") or b.dtype == a.dtype, f"{k}: {b.dtype} vs {a.dtype}"
            assert b.shape == a.shape and np.array_equal(a, b), f"{path}: {k} differs"
    with zipfile.ZipFile(path) as z:
        for i in z.infolist():
            want = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
            assert i.compress_type == want, f"{i.filename}: method {i.compress_type}"
    if not compressed:
        for member, (off, _) in payload_offsets(path).items():
            assert off % 64 == 0, f"{path}: {member} payload at {off}, not 64-byte aligned"


def roundtrip(path, expected, names=None):
    check_read(path, expected, names)
    for flags, compressed in (([], False), (["--compress"], True), (["--compress", "--level", "1"], True)):
        out = path + (".c" if compressed else ".s") + "".join(flags[1:]) + ".npz"
        run("convert", path, out, *flags)
        check_written(out, {n: expected[n] for n in (names or expected)}, compressed)
        check_read(out, expected, names)


def case(name):
    def wrap(fn):
        if (ONLY and name not in ONLY) or (not ONLY and name in SLOW):
            return fn
        ran.append(name)
        try:
            fn(os.path.join(WORK, name))
            print(f"ok   {name}")
        except Exception as e:  # report every case, then fail
            failures.append(name)
            print(f"FAIL {name}: {type(e).__name__}: {e}")
        return fn
    return wrap


class Unseekable(io.RawIOBase):
    """A write-only stream without tell/seek: zipfile falls back to data descriptors."""
    def __init__(self, f):
        self.f = f
    def writable(self):
        return True
    def write(self, b):
        return self.f.write(b)


def zip_with(path, arrs, compression, level=None, comment=b"", allow_zip64=True):
    with zipfile.ZipFile(path, "w", compression=compression, compresslevel=level,
                         allowZip64=allow_zip64) as z:
        z.comment = comment
        for k, a in arrs.items():
            buf = io.BytesIO()
            np.save(buf, a)
            z.writestr(k + ".npy", buf.getvalue())


os.makedirs(WORK, exist_ok=True)
A = arrays()


@case("numpy_savez.npz")
def _(p):
    np.savez(p, **A)
    roundtrip(p, A)


@case("numpy_savez_positional.npz")
def _(p):
    np.savez(p, A["f32"], A["i8"], named=A["u64"])
    roundtrip(p, {"named": A["u64"], "arr_0": A["f32"], "arr_1": A["i8"]})


@case("numpy_savez_compressed.npz")
def _(p):
    np.savez_compressed(p, **A)
    roundtrip(p, A)


@case("zipfile_stored.npz")
def _(p):
    zip_with(p, A, zipfile.ZIP_STORED)
    roundtrip(p, A)


@case("zipfile_deflated_1.npz")
def _(p):
    zip_with(p, A, zipfile.ZIP_DEFLATED, 1)
    roundtrip(p, A)


@case("zipfile_deflated_9.npz")
def _(p):
    zip_with(p, A, zipfile.ZIP_DEFLATED, 9)
    roundtrip(p, A)


@case("zipfile_comment.npz")
def _(p):
    zip_with(p, A, zipfile.ZIP_DEFLATED, 6, comment=b"written by zipfile")
    roundtrip(p, A)
    meta = json.loads(run("inspect", "--json", p).stdout)["metadata"]
    assert meta["comment"].startswith("written by zipfile"), meta["comment"]


@case("zipfile_no_zip64.npz")
def _(p):
    zip_with(p, A, zipfile.ZIP_STORED, allow_zip64=False)
    with open(p, "rb") as f:
        assert b"\x01\x00\x10\x00" not in f.read()[:64], "unexpected zip64 extra"
    roundtrip(p, A)


@case("streamed_stored.npz")
def _(p):
    with open(p, "wb") as f:
        np.savez(Unseekable(f), **A)
    with zipfile.ZipFile(p) as z:
        assert all(i.flag_bits & 8 for i in z.infolist()), "expected data descriptors"
    roundtrip(p, A)


@case("streamed_deflated.npz")
def _(p):
    with open(p, "wb") as f:
        np.savez_compressed(Unseekable(f), **A)
    with zipfile.ZipFile(p) as z:
        assert all(i.flag_bits & 8 for i in z.infolist()), "expected data descriptors"
    roundtrip(p, A)


@case("members_1000.npz")
def _(p):
    arrs = {f"m{i:04d}": np.full(i % 7, i, dtype="<i4") for i in range(1000)}
    np.savez(p, **arrs)
    roundtrip(p, arrs)


@case("empty.npz")
def _(p):
    np.savez(p)
    assert os.path.getsize(p) == 22
    info = json.loads(run("inspect", "--json", p).stdout)
    assert info["tensors"] == [], info
    run("verify", p)
    out = p + ".out.npz"
    run("convert", p, out)
    with np.load(out) as d:
        assert d.files == []
    assert zipfile.ZipFile(out).testzip() is None


@case("non_npy_member.npz")
def _(p):
    with zipfile.ZipFile(p, "w") as z:
        buf = io.BytesIO()
        np.save(buf, A["f32"])
        z.writestr("a.npy", buf.getvalue())
        z.writestr("npy_bytes_without_suffix", buf.getvalue())
        z.writestr("meta.json", b'{"k": 1}')
    info = json.loads(run("inspect", "--json", p).stdout)
    got = {t["name"]: (t["dtype"], t["shape"]) for t in info["tensors"]}
    assert got == {"a": ("float32", [17, 5]), "npy_bytes_without_suffix": ("float32", [17, 5]),
                   "meta.json": ("uint8", [8])}, got
    r = run("inspect", p)
    assert "meta.json' is not an .npy array" in r.stdout, r.stdout
    run("verify", p)


@case("savez_65536_members_zip64.npz")
def _(p):
    # >= 65535 members forces the zip64 end records; written by tensorio from a NumPy archive.
    src = p + ".src.npz"
    arrs = {f"{i}": np.array(i, dtype="<u4") for i in range(65536)}
    with zipfile.ZipFile(src, "w") as z:
        for k, a in arrs.items():
            buf = io.BytesIO()
            np.save(buf, a)
            z.writestr(k + ".npy", buf.getvalue())
    run("convert", src, p)
    with open(p, "rb") as f:
        assert b"PK\x06\x06" in f.read()[-200:], "expected a zip64 end record"
    with zipfile.ZipFile(p) as z:
        infos = z.infolist()
        assert len(infos) == 65536, len(infos)
        for i in (0, 12345, 65535):
            assert np.load(io.BytesIO(z.read(infos[i]))) == i
    with np.load(p) as d:
        assert d["65535"] == 65535


if not ran:
    print("FAIL: no case selected")
    sys.exit(1)
if failures:
    print(f"{len(failures)} failing case(s): {', '.join(failures)}")
    sys.exit(1)
print("all npz interop cases passed")
