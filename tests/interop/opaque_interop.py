"""Interop between tensorio and NumPy for arrays of NumPy dtypes tensorio stores but does not
interpret (strings, records, nested records, long double, datetime, void): the corpus files
written by NumPy (tests/corpus/npy/good/opaque_*.npy, tests/corpus/npz/good/opaque_*.npz, among
them scipy.sparse.save_npz's layout) must be listed by `tensorio inspect` (the text marks them
opaque; --json gives "dtype": "opaque", their descr and element size exactly as NumPy names
them), pass `tensorio verify`, and come out of `tensorio convert` to .npy/.npz as files NumPy
loads equal to the originals (opaque members byte for byte with the same dtype; numeric members
with the same values, in native byte order as tensorio writes every numeric array). Converting
to .safetensors refuses them by name, or leaves them out with a warning under
--skip-unsupported while the numeric members arrive intact. Object arrays stay refused with
their own code.

usage: opaque_interop.py PATH/TO/tensorio CORPUS_DIR
"""
import ast
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from numpy.lib import format as npformat

CLI, CORPUS = sys.argv[1], sys.argv[2]
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


def is_numeric(dtype):
    """The dtypes tensorio interprets (npy_interop.py's table; V2 is its bfloat16)."""
    return dtype.names is None and dtype.subdtype is None and (
        dtype.kind in "biuc" or (dtype.kind == "f" and dtype.itemsize in (2, 4, 8)) or
        (dtype.kind == "V" and dtype.itemsize == 2))


def arrays_of(path):
    if path.endswith(".npy"):
        return {os.path.basename(path)[:-4]: np.load(path)}
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def same(a, b):
    """Same dtype, shape and bytes (in C order): a byte-exact copy."""
    return (a.dtype == b.dtype and a.shape == b.shape and
            np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes())


def check_inspect(path, arrays):
    r = cli("inspect", path)
    check(r.returncode == 0, f"inspect {path}: exit {r.returncode}: {r.stderr}")
    r = cli("inspect", "--json", path)
    check(r.returncode == 0, f"inspect --json {path}: exit {r.returncode}: {r.stderr}")
    if r.returncode != 0:
        return
    listed = {t["name"]: t for t in json.loads(r.stdout)["tensors"]}
    check(set(listed) == set(arrays), f"{path}: lists {sorted(listed)}, NumPy {sorted(arrays)}")
    for name, a in arrays.items():
        t = listed.get(name)
        if t is None:
            continue
        check(t["shape"] == list(a.shape), f"{path}:{name}: shape {t['shape']} vs {a.shape}")
        check(t["nbytes"] == a.nbytes, f"{path}:{name}: nbytes {t['nbytes']} vs {a.nbytes}")
        if is_numeric(a.dtype):
            check(t["dtype"] != "opaque", f"{path}:{name}: numeric {a.dtype} listed as opaque")
            continue
        check(t["dtype"] == "opaque", f"{path}:{name}: {a.dtype} listed as {t['dtype']}")
        want = npformat.dtype_to_descr(a.dtype)
        got = t.get("descr", "")
        parsed = ast.literal_eval(got) if got.startswith("[") else got
        check(parsed == want, f"{path}:{name}: descr {got!r}, NumPy writes {want!r}")
        check(t.get("item_bytes") == a.dtype.itemsize,
              f"{path}:{name}: item_bytes {t.get('item_bytes')} vs {a.dtype.itemsize}")
    r = cli("inspect", path)
    opaque = [n for n, a in arrays.items() if not is_numeric(a.dtype)]
    check(r.stdout.count("(opaque)") == len(opaque),
          f"{path}: text marks {r.stdout.count('(opaque)')} tensors opaque, expected {len(opaque)}")


def check_round_trip(path, arrays, work):
    ext = ".npy" if path.endswith(".npy") else ".npz"
    for extra in ([], ["--compress"]) if ext == ".npz" else ([],):
        out = os.path.join(work, "out" + ext)
        r = cli("convert", path, out, *extra)
        check(r.returncode == 0, f"convert {path} {extra}: exit {r.returncode}: {r.stderr}")
        if r.returncode != 0:
            continue
        back = arrays_of(out)
        if ext == ".npy":
            back = {next(iter(arrays)): next(iter(back.values()))}
        check(set(back) == set(arrays), f"{path} {extra}: members {sorted(back)}")
        for name, a in arrays.items():
            if name in back and is_numeric(a.dtype):
                # Numeric members come back in native byte order, values unchanged.
                check(back[name].dtype == a.dtype.newbyteorder("=") and
                      np.array_equal(a, back[name]),
                      f"{path} {extra}:{name}: numeric member changed: {back[name].dtype}")
            elif name in back:
                check(same(a, back[name]),
                      f"{path} {extra}:{name}: NumPy reads {back[name].dtype} {back[name].shape} "
                      f"back, wrote {a.dtype} {a.shape} (or the values differ)")
        r = cli("verify", out)
        check(r.returncode == 0, f"verify of the converted {path}: {r.stdout} {r.stderr}")


def check_other_formats(path, arrays, work):
    opaque = [n for n, a in arrays.items() if not is_numeric(a.dtype)]
    out = os.path.join(work, "out.safetensors")
    if os.path.exists(out):
        os.remove(out)
    r = cli("convert", path, out)
    check(r.returncode == 1 and "unrepresentable" in r.stderr and
          any(f"'{n}'" in r.stderr for n in opaque),
          f"{path} -> .safetensors: expected a refusal naming an opaque tensor, got "
          f"{r.returncode}: {r.stderr}")
    check(not os.path.exists(out), f"{path} -> .safetensors: a refused convert left {out}")
    r = cli("convert", "--skip-unsupported", path, out)
    numeric = {n: a for n, a in arrays.items() if is_numeric(a.dtype)}
    if not numeric:
        return
    check(r.returncode == 0, f"{path} -> .safetensors --skip-unsupported: {r.stderr}")
    check(r.stderr.count("warning: left out") == len(opaque),
          f"{path}: expected {len(opaque)} warnings, got {r.stderr!r}")
    back_npz = os.path.join(work, "back.npz")
    r = cli("convert", out, back_npz)
    check(r.returncode == 0, f"{out} -> npz: {r.stderr}")
    if r.returncode == 0:
        back = arrays_of(back_npz)
        check(set(back) == set(numeric), f"{path}: numeric members {sorted(back)} after skipping")
        for n, a in numeric.items():
            if n in back:
                check(np.array_equal(a, back[n]),
                      f"{path}:{n}: numeric member changed through .safetensors")


def main():
    files = sorted(glob.glob(os.path.join(CORPUS, "npy", "good", "opaque_*.npy")) +
                   glob.glob(os.path.join(CORPUS, "npz", "good", "opaque_*.npz")))
    check(len(files) >= 15, f"expected the opaque corpus, found {len(files)} files")
    with tempfile.TemporaryDirectory() as work:
        for path in files:
            arrays = arrays_of(path)
            check_inspect(path, arrays)
            r = cli("verify", path)
            check(r.returncode == 0, f"verify {path}: exit {r.returncode}: {r.stdout} {r.stderr}")
            check_round_trip(path, arrays, work)
            if path.endswith(".npz"):
                check_other_formats(path, arrays, work)
    for path in sorted(glob.glob(os.path.join(CORPUS, "np[yz]", "bad", "object_dtype__*"))):
        r = cli("inspect", path)
        check(r.returncode == 1 and "[object_dtype]" in r.stderr and "pickle" in r.stderr,
              f"inspect {path}: expected an object_dtype refusal that says pickle, got "
              f"{r.returncode}: {r.stderr}")
    print(f"opaque_interop: {checked} checks, {len(failures)} failed")
    sys.exit(1 if failures else 0)


main()
