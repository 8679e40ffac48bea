"""Interop between tensorio and NumPy for .npy: NumPy writes files of every dtype, byte order,
Fortran order, 0-d, empty and large shapes; `tensorio inspect --json` must describe them exactly
and `tensorio convert` must produce files NumPy reads back value for value — byte-identical to
numpy.save of the same array in native C order. Also checks the CLI's exit codes.

usage: npy_interop.py PATH/TO/tensorio
"""
import io
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

CLI = sys.argv[1]
failures = []
checked = 0


def cli(*args):
    return subprocess.run([CLI, *args], capture_output=True, text=True)


def check(cond, what):
    global checked
    checked += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what)


DTYPE_NAMES = {
    "b1": "bool", "i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64", "u1": "uint8",
    "u2": "uint16", "u4": "uint32", "u8": "uint64", "f2": "float16", "f4": "float32",
    "f8": "float64", "c8": "complex64", "c16": "complex128", "V2": "bfloat16",
}


def sample(code, shape, rng):
    n = int(np.prod(shape, dtype=np.int64))
    if code == "b1":
        return (rng.integers(0, 2, n) == 1).reshape(shape)
    if code == "V2":
        return np.frombuffer(rng.integers(0, 256, 2 * n, dtype=np.uint8).tobytes(), "V2").reshape(shape)
    dt = np.dtype("<" + code)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, n, dtype=dt, endpoint=True).reshape(shape)
    if dt.kind == "f":
        a = rng.standard_normal(n).astype(dt)
        if n >= 4:
            a[:4] = [np.nan, np.inf, -np.inf, -0.0]
        return a.reshape(shape)
    real = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    return real.astype(dt).reshape(shape)


def native_c_order(a):
    # astype(order="C") keeps 0-d arrays 0-d (np.ascontiguousarray would make them 1-d).
    dt = a.dtype if a.dtype.kind == "V" else a.dtype.newbyteorder("=")
    return a.astype(dt, order="C")


def native_bytes(a):
    return native_c_order(a).tobytes()


def run_case(work, label, arr, version=None):
    src = os.path.join(work, label + ".npy")
    if version is None:
        np.save(src, arr)
    else:
        with open(src, "wb") as f:
            np.lib.format.write_array(f, arr, version=version)
    r = cli("inspect", "--json", src)
    check(r.returncode == 0, f"{label}: inspect exit {r.returncode}: {r.stderr}")
    if r.returncode != 0:
        return
    info = json.loads(r.stdout)
    check(info["format"] == "npy", f"{label}: format {info['format']}")
    check(info["metadata"] == {}, f"{label}: metadata {info['metadata']}")
    t = info["tensors"][0]
    code = arr.dtype.str[1:]
    check(t["name"] == label, f"{label}: name {t['name']}")
    check(t["dtype"] == DTYPE_NAMES[code], f"{label}: dtype {t['dtype']} for {arr.dtype.str}")
    check(t["shape"] == list(arr.shape), f"{label}: shape {t['shape']} vs {arr.shape}")
    check(t["nbytes"] == arr.nbytes, f"{label}: nbytes {t['nbytes']} vs {arr.nbytes}")
    with open(src, "rb") as f:
        major = f.read(8)[6]
        f.seek(0)
        np.lib.format.read_magic(f)
        reader = (np.lib.format.read_array_header_1_0 if major == 1
                  else np.lib.format.read_array_header_2_0)
        reader(f)
        check(t["offset"] == f.tell(), f"{label}: offset {t['offset']} vs {f.tell()}")
    r = cli("verify", src)
    check(r.returncode == 0, f"{label}: verify exit {r.returncode}: {r.stderr}")

    out = os.path.join(work, label + ".out.npy")
    r = cli("convert", src, out)
    check(r.returncode == 0, f"{label}: convert exit {r.returncode}: {r.stderr}")
    if r.returncode != 0:
        return
    back = np.load(out)
    check(back.shape == arr.shape, f"{label}: converted shape {back.shape}")
    check(native_bytes(back) == native_bytes(arr), f"{label}: converted values differ")
    if arr.dtype.kind != "V":
        check(back.dtype == arr.dtype.newbyteorder("="), f"{label}: converted dtype {back.dtype}")
        ref = io.BytesIO()
        np.save(ref, native_c_order(arr))
        with open(out, "rb") as f:
            check(f.read() == ref.getvalue(), f"{label}: not byte-identical to numpy.save")
    else:
        check(back.dtype.str in ("<V2", "|V2"), f"{label}: bfloat16 saved as {back.dtype.str}")


def main():
    rng = np.random.default_rng(1234)
    with tempfile.TemporaryDirectory(prefix="tensorio-npy-interop-") as work:
        shapes = [(), (0,), (7,), (3, 4), (2, 3, 5), (0, 3)]
        for code in DTYPE_NAMES:
            orders = ["<", ">"] if code not in ("b1", "i1", "u1", "V2") else ["|"]
            for order in orders:
                for shape in shapes:
                    arr = sample(code, shape, rng)
                    if order == ">":
                        arr = arr.astype(arr.dtype.newbyteorder(">"))
                    tag = {"<": "le", ">": "be", "|": "na"}[order]
                    label = f"{code}_{tag}_{'x'.join(map(str, shape)) or 'scalar'}"
                    run_case(work, label, arr)
                    if len(shape) >= 2:
                        run_case(work, label + "_fortran", np.asfortranarray(arr))
        # Large and unusual shapes.
        run_case(work, "large_1d", rng.standard_normal(1 << 21))
        run_case(work, "large_3d_fortran", np.asfortranarray(rng.standard_normal((96, 80, 64)).astype(">f4")))
        run_case(work, "many_dims", np.arange(2 ** 12, dtype=np.int16).reshape((2,) * 12))
        run_case(work, "thirty_two_ones", np.ones((1,) * 32, dtype=np.uint8))
        run_case(work, "huge_empty", np.zeros((0, 10 ** 12), dtype=np.float32))
        run_case(work, "wide_first_axis", np.zeros((123456789012, 0), dtype=np.float32))
        run_case(work, "version2", sample("f4", (5, 6), rng), version=(2, 0))
        run_case(work, "version3", sample("i8", (4,), rng), version=(3, 0))

        # CLI contract: exit codes and stderr.
        bad = os.path.join(work, "bad.npy")
        with open(bad, "wb") as f:
            f.write(b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'")
        r = cli("inspect", bad)
        check(r.returncode == 1 and "bad.npy" in r.stderr, f"bad file: exit {r.returncode} {r.stderr}")
        r = cli("verify", bad)
        check(r.returncode == 1, f"verify bad file: exit {r.returncode}")
        short = os.path.join(work, "short.npy")
        np.save(short, np.zeros(100))
        with open(short, "r+b") as f:
            f.truncate(500)
        r = cli("inspect", short)
        check(r.returncode == 1 and "truncated" in r.stderr, f"short file: {r.returncode} {r.stderr}")
        r = cli("inspect", os.path.join(work, "missing.npy"))
        check(r.returncode == 1 and "file_not_found" in r.stderr, f"missing: {r.stderr}")
        check(cli("inspect").returncode == 2, "inspect without FILE is a usage error")
        check(cli("inspect", "--bogus", short).returncode == 2, "unknown option is a usage error")
        check(cli("frobnicate").returncode == 2, "unknown command is a usage error")
        for c in ("inspect", "convert", "verify"):
            r = cli(c, "--help")
            check(r.returncode == 0 and "usage" in r.stdout, f"{c} --help")
        check(cli("--help").returncode == 0, "--help")
        r = cli("convert", os.path.join(work, "f4_le_3x4.npy"), os.path.join(work, "noext"))
        check(r.returncode == 0 and os.path.exists(os.path.join(work, "noext.npy")),
              "convert to a path without extension writes .npy")
        r = cli("convert", short, os.path.join(work, "x.bin"))
        check(r.returncode == 1, "convert of a bad file fails with exit 1")

    print(f"{checked - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
