#!/usr/bin/python3
"""npy/npz <-> safetensors through `tensorio convert`, checked against NumPy and against an
independent reading of the safetensors layout (struct + json here, not tensorio).

    safetensors_interop.py TENSORIO_EXE

- every NumPy dtype safetensors can hold, written by numpy.save, converted to .safetensors: the
  tensor's bytes are exactly arr.tobytes() (C order, little-endian), dtype code and shape right,
  header padded to 8, offsets contiguous; converted back to .npy: byte-identical to numpy.save's
  file (so npy -> safetensors -> npy preserves every byte);
- big-endian and Fortran-order .npy become native C-order bytes;
- `inspect --json` reports __metadata__ as metadata and absolute file offsets;
- numpy.savez arrays -> .safetensors -> .npz -> .safetensors keep every byte (and NumPy reads
  the .npz tensorio writes);
- a sharded round trip (convert to an index with --max-shard-size, back to one file) keeps every
  tensor byte and the reference writer's layout.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

EXE = sys.argv[1]
CODES = {"bool": "BOOL", "uint8": "U8", "int8": "I8", "int16": "I16", "uint16": "U16",
         "float16": "F16", "int32": "I32", "uint32": "U32", "float32": "F32", "complex64": "C64",
         "float64": "F64", "int64": "I64", "uint64": "U64"}
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


def run(*args):
    r = subprocess.run([EXE, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("tensorio %s failed: %s%s" % (" ".join(args), r.stdout, r.stderr))
    return r.stdout


def read_st(path):
    """Independent reader: returns (N, header dict, data buffer)."""
    with open(path, "rb") as f:
        blob = f.read()
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    return n, header, blob[8 + n:]


def sample(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    if dtype.startswith("complex"):
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    if dtype.startswith("float"):
        return rng.standard_normal(shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


with tempfile.TemporaryDirectory() as tmp:
    shapes = [(), (7,), (3, 4), (2, 0, 3), (2, 1, 2, 1, 2, 1, 2, 1)]
    for i, (dt, code) in enumerate(CODES.items()):
        shape = shapes[i % len(shapes)]
        arr = sample(dt, shape, i)
        npy = os.path.join(tmp, "x.npy")
        np.save(npy, arr)
        st = os.path.join(tmp, "x.safetensors")
        run("convert", npy, st)
        n, header, data = read_st(st)
        check(n % 8 == 0, "%s: header length %d not a multiple of 8" % (dt, n))
        info = header.get("x")
        check(info == {"dtype": code, "shape": list(shape), "data_offsets": [0, arr.nbytes]},
              "%s: header entry %r" % (dt, info))
        check(data == arr.tobytes(), "%s: safetensors bytes differ from arr.tobytes()" % dt)
        back = os.path.join(tmp, "x_back.npy")
        run("convert", st, back)
        with open(npy, "rb") as a, open(back, "rb") as b:
            check(a.read() == b.read(), "%s: npy -> safetensors -> npy is not byte-identical" % dt)
        check(np.array_equal(np.load(back), arr), "%s: numpy reads back other values" % dt)

    # Big-endian and Fortran-order inputs are presented in native C order.
    base = sample("float64", (3, 5), 99)
    for name, arr in {"be": base.astype(">f8"), "fortran": np.asfortranarray(base),
                      "be_fortran": np.asfortranarray(base.astype(">f8"))}.items():
        npy = os.path.join(tmp, name + ".npy")
        np.save(npy, arr)
        st = os.path.join(tmp, name + ".safetensors")
        run("convert", npy, st)
        _, header, data = read_st(st)
        check(header[name]["dtype"] == "F64", "%s: dtype" % name)
        check(data == np.ascontiguousarray(base).tobytes(), "%s: not native C-order bytes" % name)

    # inspect --json: metadata is __metadata__, offsets are absolute.
    hdr = {"__metadata__": {"format": "pt", "q": "a\"b"},
           "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
           "b": {"dtype": "U8", "shape": [3], "data_offsets": [8, 11]}}
    raw = json.dumps(hdr).encode()
    st = os.path.join(tmp, "m.safetensors")
    with open(st, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + np.arange(2, dtype="<f4").tobytes() + b"xyz")
    out = json.loads(run("inspect", "--json", st))
    check(out["metadata"] == hdr["__metadata__"], "inspect metadata %r" % out["metadata"])
    offsets = {t["name"]: t["offset"] for t in out["tensors"]}
    check(offsets == {"w": 8 + len(raw), "b": 8 + len(raw) + 8}, "inspect offsets %r" % offsets)
    check([t["dtype"] for t in out["tensors"]] == ["float32", "uint8"], "inspect dtypes")

    # Sharded: many tensors -> index with small shards -> one file again.
    tensors = {"t%02d" % i: sample(dt, (5, 3), 200 + i)
               for i, dt in enumerate(["float32", "int64", "uint8", "float16", "float64"] * 3)}
    blob, entries, off = b"", {}, 0
    for name, arr in tensors.items():
        entries[name] = {"dtype": CODES[str(arr.dtype)], "shape": [5, 3],
                         "data_offsets": [off, off + arr.nbytes]}
        blob += arr.tobytes()
        off += arr.nbytes
    raw = json.dumps(entries).encode()
    src = os.path.join(tmp, "many.safetensors")
    with open(src, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + blob)
    shard_dir = os.path.join(tmp, "sharded")
    os.mkdir(shard_dir)
    index = os.path.join(shard_dir, "model.safetensors.index.json")
    run("convert", "--max-shard-size", "200", src, index)
    with open(index) as f:
        idx = json.load(f)
    check(set(idx["weight_map"]) == set(tensors), "index names")
    check(idx["metadata"]["total_size"] == off, "index total_size")
    shard_files = sorted(set(idx["weight_map"].values()))
    check(len(shard_files) > 1, "expected several shards, found %d" % len(shard_files))
    for shard in shard_files:
        _, header, data = read_st(os.path.join(shard_dir, shard))
        size = sum(e["data_offsets"][1] - e["data_offsets"][0] for e in header.values())
        check(size <= 200, "%s holds %d bytes" % (shard, size))
        for name, e in header.items():
            check(idx["weight_map"][name] == shard, "%s listed in another shard" % name)
            b, en = e["data_offsets"]
            check(data[b:en] == tensors[name].tobytes(), "%s bytes in %s" % (name, shard))
    joined = os.path.join(tmp, "joined.safetensors")
    run("convert", index, joined)
    _, header, data = read_st(joined)
    for name, arr in tensors.items():
        b, e = header[name]["data_offsets"]
        check(data[b:e] == arr.tobytes(), "%s bytes after the sharded round trip" % name)
    # Reference layout: 8-byte types first, then 4, 2, 1 (then names).
    order = sorted(header, key=lambda k: header[k]["data_offsets"][0])
    widths = [tensors[k].dtype.itemsize for k in order]
    check(widths == sorted(widths, reverse=True), "data order by width %r" % widths)

    # npz <-> safetensors: numpy.savez arrays keep every byte through safetensors and back.
    arrays = {"emb": sample("float32", (6, 4), 1), "ids": sample("int64", (5,), 2),
              "mask": sample("bool", (2, 3), 3), "h": sample("float16", (), 4),
              "z": sample("complex64", (2, 2), 5), "empty": np.zeros((0, 3), dtype="uint16")}
    npz = os.path.join(tmp, "a.npz")
    np.savez(npz, **arrays)
    st = os.path.join(tmp, "from_npz.safetensors")
    run("convert", npz, st)
    _, header, data = read_st(st)
    check(set(header) == set(arrays), "npz -> safetensors names %r" % sorted(header))
    for name, arr in arrays.items():
        b, e = header[name]["data_offsets"]
        check(data[b:e] == arr.tobytes(), "npz -> safetensors bytes of %s" % name)
        check(header[name]["shape"] == list(arr.shape), "npz -> safetensors shape of %s" % name)
    npz2 = os.path.join(tmp, "back.npz")
    run("convert", st, npz2)
    with np.load(npz2) as back:
        for name, arr in arrays.items():
            check(back[name].dtype == arr.dtype and back[name].tobytes() == arr.tobytes(),
                  "safetensors -> npz bytes of %s" % name)
    st2 = os.path.join(tmp, "again.safetensors")
    run("convert", npz2, st2)
    with open(st, "rb") as a, open(st2, "rb") as b:
        check(a.read() == b.read(), "safetensors -> npz -> safetensors is not byte-identical")

if failures:
    print("%d failures" % len(failures))
    sys.exit(1)
print("safetensors interop: all checks passed")
