"""Every 'descr' spelling against np.dtype() itself (the function np.load reads it with).

Candidates: every letter (and '?') with no size or a size of 0..32 bytes (the widths types
have, and some between), each without and with
the byte orders '<', '>', '|', '=', '!', plus every name in np.sctypeDict and a few compound
spellings. For each, an .npy file with that descr and 3 elements of payload goes through
`tensorio inspect --json`; then:

  - NumPy accepts it as a numeric type tensorio has, of the same width on every platform:
    tensorio must open it as that dtype, and `tensorio convert` must give the values np.load
    gives (so byte order is right too);
  - NumPy accepts it as an object dtype: tensorio must refuse it with object_dtype (a pickle);
  - NumPy accepts it as another fixed-size dtype (string, void, datetime, long double) spelled
    as NumPy writes descrs (a byte order, a type letter S, a, U, V, f, c, M or m, a plain
    decimal width or a datetime unit): tensorio must open it as an opaque tensor with NumPy's
    element size and the descr as written;
  - NumPy accepts it as something else (other spellings of those: names, 'g', no byte order;
    platform-sized integers, structured and subarray spellings, zero-size elements): tensorio
    must refuse it with unsupported_dtype and a message naming the kind;
  - NumPy refuses it: tensorio must refuse it with unknown_dtype.

Intended differences (README, tests/RELIABILITY.md): the 2-byte void 'V2' is bfloat16 (ml_dtypes
and MLX write bfloat16 so; NumPy reads raw bytes), and the platform-sized integers ('l', 'p',
'int', 'intp', ...) are refused because a C long or a pointer is 32 bits on some platforms.

usage: npy_descr_interop.py PATH/TO/tensorio
"""
import json
import re
import os
import string
import struct
import subprocess
import sys
import tempfile
import warnings

import numpy as np

CLI = sys.argv[1]

SUPPORTED = {  # (kind, itemsize) -> tensorio dtype name
    ("b", 1): "bool", ("i", 1): "int8", ("i", 2): "int16", ("i", 4): "int32", ("i", 8): "int64",
    ("u", 1): "uint8", ("u", 2): "uint16", ("u", 4): "uint32", ("u", 8): "uint64",
    ("f", 2): "float16", ("f", 4): "float32", ("f", 8): "float64", ("c", 8): "complex64",
    ("c", 16): "complex128",
}
# Spellings whose width depends on the platform (C long, pointer): refused on purpose.
PLATFORM_SIZED = {"l", "L", "p", "P", "int", "int_", "uint", "long", "ulong", "intp", "uintp",
                  "int0", "uint0"}
KIND_WORDS = {"O": "object", "S": "string", "U": "string", "V": "void", "M": "datetime",
              "m": "datetime"}


# NumPy's own spelling of the fixed-size dtypes tensorio keeps opaque (as dtype.str writes them):
# a byte order, a type letter and a plain decimal width or datetime unit.
OPAQUE_SPELLING = (r"[<>|=]([SaUV][1-9][0-9]*|f16|c32|c|[Mm]8?(\[[0-9]*[A-Za-z]+\])?)")


def preamble(descr):
    # The descr as a plain literal (no escapes: the header grammar is another test's subject).
    d = "{'descr': '%s', 'fortran_order': False, 'shape': (3,), }" % descr
    h = d + " " * ((64 - (10 + len(d) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode("latin1")


def numpy_dtype(descr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return np.dtype(descr)
        except Exception:
            return None


def candidates():
    out = set()
    bases = set()
    for c in string.ascii_letters + "?":
        for n in ["", "0", "1", "2", "3", "4", "5", "6", "8", "9", "10", "12", "16", "24", "32"]:
            bases.add(c + n)
    for name in np.sctypeDict:
        if isinstance(name, str):
            bases.add(name)
    for b in bases:
        for p in ["", "<", ">", "|", "=", "!"]:
            out.add(p + b)
    # NumPy reads a size with strtol(): whitespace, '+' and leading zeros before the digits.
    for k in "biufcVSUaOMm?dB":
        for size in (" 4", "+4", "04", "\t8", " 1", "+16", " 2", "0", " +2", "\n8", "4 "):
            out.add(k + size)
            out.add("<" + k + size)
    out.update(["f4,i4", "(2,)f4", "2f4", "<M8[ns]", "datetime64[s]", "timedelta64[ms]",
                "float32 ", " float32", "", "<", "V", "V0"])
    return sorted(d for d in out if not any(c in d for c in "'\\\n\r"))


def main():
    failures = []
    counts = {"numeric": 0, "opaque": 0, "object": 0, "refused_known": 0, "refused_unknown": 0}
    with tempfile.TemporaryDirectory(prefix="tensorio-descr-") as work:
        for i, descr in enumerate(candidates()):
            dt = numpy_dtype(descr)
            path = os.path.join(work, "d%d.npy" % i)
            itemsize = dt.itemsize if dt is not None and dt.itemsize else 8
            payload = bytes((k * 37 + 11) & 0xFF for k in range(3 * itemsize))
            if dt is not None and dt.kind == "b":
                payload = bytes([0, 1, 1])
            with open(path, "wb") as f:
                f.write(preamble(descr) + payload)
            r = subprocess.run([CLI, "inspect", "--json", path], capture_output=True, text=True)
            numeric = (dt is not None and dt.fields is None and dt.subdtype is None
                       and (dt.kind, dt.itemsize) in SUPPORTED and descr not in PLATFORM_SIZED
                       and descr.lstrip("<>|=") not in PLATFORM_SIZED)
            if dt is not None and dt.kind == "V" and dt.itemsize == 2 and dt.fields is None:
                numeric, want = True, "bfloat16"  # the bfloat16 convention
            elif numeric:
                want = SUPPORTED[(dt.kind, dt.itemsize)]
            if numeric:
                counts["numeric"] += 1
                if r.returncode != 0:
                    failures.append(f"{descr!r}: NumPy reads {dt.str}, tensorio refuses: {r.stderr}")
                    continue
                got = json.loads(r.stdout)["tensors"][0]["dtype"]
                if got != want:
                    failures.append(f"{descr!r}: NumPy reads {dt.str}, tensorio {got}")
                    continue
                if want == "bfloat16":
                    continue
                out = os.path.join(work, "o%d.npy" % i)
                c = subprocess.run([CLI, "convert", path, out], capture_output=True, text=True)
                if c.returncode != 0:
                    failures.append(f"{descr!r}: convert failed: {c.stderr}")
                    continue
                a, b = np.load(path), np.load(out)
                if not np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"):
                    failures.append(f"{descr!r}: values differ: NumPy {a!r}, tensorio {b!r}")
                continue
            if dt is not None and dt.hasobject:
                counts["object"] += 1
                if "[object_dtype]" not in r.stderr or "pickle" not in r.stderr:
                    failures.append(f"{descr!r}: expected object_dtype (a pickle): {r.stderr}")
                continue
            opaque = (dt is not None and dt.fields is None and dt.subdtype is None and
                      dt.itemsize > 0 and re.fullmatch(OPAQUE_SPELLING, descr) and
                      (dt.kind in "SUVMm" or (dt.kind in "fc" and dt.itemsize in (16, 32))))
            if opaque:
                counts["opaque"] += 1
                if r.returncode != 0:
                    failures.append(f"{descr!r}: NumPy reads {dt.str}, tensorio refuses: {r.stderr}")
                    continue
                t = json.loads(r.stdout)["tensors"][0]
                if (t["dtype"], t.get("descr"), t.get("item_bytes")) != ("opaque", descr,
                                                                         dt.itemsize):
                    failures.append(f"{descr!r}: NumPy reads {dt.str} ({dt.itemsize} bytes), "
                                    f"tensorio lists {t}")
                continue
            if r.returncode == 0:
                failures.append(f"{descr!r}: tensorio opens it, NumPy {'reads ' + dt.str if dt is not None else 'refuses it'}")
                continue
            if dt is None:
                counts["refused_unknown"] += 1
                if "[unknown_dtype]" not in r.stderr:
                    failures.append(f"{descr!r}: NumPy refuses it; tensorio: {r.stderr.strip()}")
                continue
            counts["refused_known"] += 1
            if "[unsupported_dtype]" not in r.stderr:
                failures.append(f"{descr!r} ({dt.str}): expected unsupported_dtype: {r.stderr.strip()}")
                continue
            if dt.fields is not None:
                word = "structured"
            elif dt.subdtype is not None:
                word = "subarray"
            elif descr in PLATFORM_SIZED or descr.lstrip("<>|=") in PLATFORM_SIZED:
                word = "platform"
            elif dt.kind in "fc":
                word = "long double"
            else:
                word = KIND_WORDS[dt.kind]
            if word not in r.stderr:
                failures.append(f"{descr!r} ({dt.str}): message does not say '{word}': {r.stderr.strip()}")
    for f in failures:
        print("FAIL:", f)
    print(f"{counts['numeric']} numeric spellings read as NumPy reads them, "
          f"{counts['opaque']} fixed-size ones opened opaque with NumPy's size, "
          f"{counts['object']} object spellings refused as pickles, "
          f"{counts['refused_known']} NumPy dtypes refused with their kind, "
          f"{counts['refused_unknown']} non-dtypes refused; {len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
