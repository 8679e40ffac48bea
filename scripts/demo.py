"""scripts/demo: a synthetic LLM checkpoint in every format this build handles, benchmarked.

Builds a ~1 GiB checkpoint shaped like a small decoder-only LLM (token embedding, 24 layers of
attention and MLP weights, norms, lm_head; bfloat16 / float16 / float32; Hugging Face names),
writes it as a folder of .npy and as an .npz (both with NumPy), converts that with
`tensorio convert` into every other format the build writes (.safetensors, a sharded
.safetensors.index.json, a DEFLATE-compressed .npz, .gguf), writes a .gguf with F16, Q8_0 and
Q4_0 tensors (quantized here, in NumPy, since tensorio does not quantize), then runs
`tensorio bench` on each and NumPy on the same jobs for npy/npz, and prints one table:
open time, first-touch, read_into and save throughput, each with its ratio to this machine's
limit measured in the same run. Then the Python side (scripts/demo_python.py, in .venv): each
file loaded with tensorio.load beside np.load, with the timings. Formats this build cannot write or read are listed as skipped.
Everything lives in one temp directory, removed at the end.

    scripts/demo [--size-mib N] [--runs N] [--keep DIR]
"""
import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "build", "src", "tensorio")
BF16 = np.dtype("V2")  # how NumPy (and MLX, ml_dtypes) store bfloat16 in .npy


# ---------------------------------------------------------------- the checkpoint
def layout(size_mib):
    """(name, shape, dtype) of a decoder-only model scaled so the total is about size_mib."""
    vocab, layers = 32000, 24
    hidden = 1024
    # Grow the width (a multiple of 128) until the checkpoint reaches the requested size.
    while True:
        inter = hidden * 4
        per_layer = 4 * hidden * hidden * 2 + 3 * hidden * inter * 2 + 2 * hidden * 4
        total = vocab * hidden * 2 + layers * per_layer + hidden * 4 + vocab * hidden * 4
        if total >= size_mib * 2**20 * 0.97 or hidden >= 8192:
            break
        hidden += 128
    while total > size_mib * 2**20 * 1.03 and hidden > 128:
        hidden -= 128
        inter = hidden * 4
        per_layer = 4 * hidden * hidden * 2 + 3 * hidden * inter * 2 + 2 * hidden * 4
        total = vocab * hidden * 2 + layers * per_layer + hidden * 4 + vocab * hidden * 4
    out = [("model.embed_tokens.weight", (vocab, hidden), BF16)]
    for i in range(layers):
        p = f"model.layers.{i}."
        for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
            out.append((p + f"self_attn.{proj}.weight", (hidden, hidden), np.float16))
        out.append((p + "mlp.gate_proj.weight", (inter, hidden), BF16))
        out.append((p + "mlp.up_proj.weight", (inter, hidden), BF16))
        out.append((p + "mlp.down_proj.weight", (hidden, inter), BF16))
        out.append((p + "input_layernorm.weight", (hidden,), np.float32))
        out.append((p + "post_attention_layernorm.weight", (hidden,), np.float32))
    out.append(("model.norm.weight", (hidden,), np.float32))
    out.append(("lm_head.weight", (vocab, hidden), np.float32))
    return out


def window(pool, start, n):
    """n values of pool from start, wrapping around."""
    parts = []
    while n > 0:
        take = min(n, pool.size - start)
        parts.append(pool[start:start + take])
        n -= take
        start = 0
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def make_tensors(size_mib):
    """Weights drawn from one shared pool of normal values (fast), each tensor a different
    window of it, converted to its dtype."""
    rng = np.random.default_rng(0)
    pool = rng.standard_normal(1 << 24, dtype=np.float32) * np.float32(0.02)
    tensors = {}
    start = 0
    for name, shape, dtype in layout(size_mib):
        values = window(pool, start, int(np.prod(shape))).reshape(shape)
        start = (start + 104729) % pool.size
        if name.endswith("norm.weight"):
            values = values + np.float32(1.0)
        if dtype is BF16:
            tensors[name] = (values.view(np.uint32) >> 16).astype(np.uint16).view(BF16)
        else:
            tensors[name] = values.astype(dtype)
    return tensors


# ---------------------------------------------------------------- gguf with quantized tensors
GGML_F32, GGML_F16, GGML_Q4_0, GGML_Q8_0 = 0, 1, 2, 8


def quantize_q8_0(x):
    b = x.astype(np.float32).reshape(-1, 32)
    d = np.abs(b).max(axis=1) / 127.0
    inv = np.where(d > 0, 1.0 / np.where(d > 0, d, 1), 0).astype(np.float32)
    q = np.clip(np.rint(b * inv[:, None]), -127, 127).astype(np.int8)
    out = np.empty((b.shape[0], 34), np.uint8)
    out[:, :2] = d.astype(np.float16).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q.view(np.uint8)
    return out.tobytes()


def quantize_q4_0(x):
    b = x.astype(np.float32).reshape(-1, 32)
    # ggml: the scale comes from the value of largest magnitude, with its sign, over -8.
    pick = np.abs(b).argmax(axis=1)
    d = b[np.arange(b.shape[0]), pick] / -8.0
    inv = np.where(d != 0, 1.0 / np.where(d != 0, d, 1), 0).astype(np.float32)
    q = np.clip(np.trunc(b * inv[:, None] + 8.5), 0, 15).astype(np.uint8)
    out = np.empty((b.shape[0], 18), np.uint8)
    out[:, :2] = d.astype(np.float16).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()


def write_gguf(path, tensors):
    """GGUF v3 by hand: embedding and lm_head F16, attention Q8_0, MLP Q4_0, norms F32."""
    def gstr(s):
        b = s.encode()
        return struct.pack("<Q", len(b)) + b

    items = []
    for name, arr in tensors.items():
        floats = arr.view(np.uint16).astype(np.uint32) << 16 if arr.dtype == BF16 else arr
        floats = floats.view(np.float32) if arr.dtype == BF16 else floats.astype(np.float32)
        if arr.ndim == 1:
            items.append((name, arr.shape, GGML_F32, floats.astype(np.float32).tobytes()))
        elif ".self_attn." in name:
            items.append((name, arr.shape, GGML_Q8_0, quantize_q8_0(floats)))
        elif ".mlp." in name:
            items.append((name, arr.shape, GGML_Q4_0, quantize_q4_0(floats)))
        else:
            items.append((name, arr.shape, GGML_F16, floats.astype(np.float16).tobytes()))
    kv = [("general.architecture", "llama"), ("general.name", "tensorio-demo")]
    head = b"GGUF" + struct.pack("<IQQ", 3, len(items), len(kv))
    for k, v in kv:
        head += gstr(k) + struct.pack("<I", 8) + gstr(v)
    offset = 0
    for name, shape, gtype, data in items:
        dims = tuple(reversed(shape))  # ggml lists the innermost dimension first
        head += gstr(name) + struct.pack("<I", len(dims)) + struct.pack(f"<{len(dims)}Q", *dims)
        head += struct.pack("<IQ", gtype, offset)
        offset += (len(data) + 31) // 32 * 32
    with open(path, "wb") as f:
        f.write(head + b"\0" * (-len(head) % 32))
        for _, _, _, data in items:
            f.write(data)
            f.write(b"\0" * (-len(data) % 32))


# ---------------------------------------------------------------- measuring
def tio(*args, check=True):
    return subprocess.run([CLI, *args], capture_output=True, text=True, check=check)


NUM = r"([0-9.]+)"


def parse_bench(text):
    """The figures of one `tensorio bench` report (medians and ratios)."""
    out = {}
    m = re.search(r"open\s+" + NUM + " us", text)
    out["open_us"] = float(m.group(1))
    for key, label in (("touch", "first touch"), ("read_into", "read_into"), ("save", "save")):
        m = re.search(label + r"\s+" + NUM + r" GB/s.*?\s" + NUM + r"x ([a-z() -]+?) \(", text)
        if m:
            out[key] = (float(m.group(1)), float(m.group(2)))
    m = re.search(r"limits\s+sum " + NUM + " GB/s, memcpy " + NUM + r" GB/s, read\(\) " + NUM +
                  r" GB/s(?:, write\(\) " + NUM + " GB/s)?", text)
    out["limits"] = tuple(float(x) if x else 0.0 for x in m.groups())
    m = re.search(r"read path\s+(.*)", text)
    out["path"] = m.group(1).strip() if m else ""
    return out


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def timed(fn, runs):
    """Median seconds of fn() over runs."""
    ts = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return median(ts)


def drop_caches(paths):
    for p in paths:
        fd = os.open(p, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def touch_sum(arrays):
    """Reads every byte, as 64-bit words where the size allows (as tensorio's touch does)."""
    acc = 0
    for a in arrays:
        raw = a.reshape(-1).view(np.uint8)
        acc += int(raw.view(np.uint64).sum()) if raw.size % 8 == 0 else int(raw.sum())
    return acc


def numpy_jobs(kind, path, names, nbytes, runs, scratch, compressed=False):
    """NumPy doing what tensorio bench does: open, first touch, read into memory, save."""
    r = {}
    if kind == "npy-dir":
        files = [os.path.join(path, n + ".npy") for n in names]
        r["open_us"] = timed(lambda: [np.load(f, mmap_mode="r") for f in files], runs) * 1e6
        r["touch"] = nbytes / timed(
            lambda: touch_sum([np.load(f, mmap_mode="r") for f in files]), runs) / 1e9
        r["read_into"] = nbytes / timed(lambda: [np.load(f) for f in files], runs) / 1e9
        arrays = {n: np.load(f) for n, f in zip(names, files)}
        out = os.path.join(scratch, "np")
        os.makedirs(out, exist_ok=True)

        def save():
            for n, a in arrays.items():
                np.save(os.path.join(out, n + ".npy"), a)
        r["save"] = nbytes / timed(save, runs) / 1e9
        shutil.rmtree(out)
    else:
        def open_npz():
            with np.load(path) as z:
                return z.files
        r["open_us"] = timed(open_npz, runs) * 1e6

        def read_all():
            with np.load(path) as z:
                return [z[n] for n in z.files]
        # An npz has no mapping to touch: NumPy reads (and inflates) each member into memory.
        r["touch"] = nbytes / timed(lambda: touch_sum(read_all()), runs) / 1e9
        r["read_into"] = nbytes / timed(read_all, runs) / 1e9
        arrays = dict(zip(names, read_all()))
        out = os.path.join(scratch, "np.npz")
        if compressed:
            # zlib on one core is slow: time a ~64 MiB slice of the checkpoint and scale.
            part, size = {}, 0
            for n, a in arrays.items():
                part[n] = a
                size += a.nbytes
                if size >= 64 << 20:
                    break
            r["save"] = size / timed(lambda: np.savez_compressed(out, **part), 1) / 1e9
            r["save_note"] = f"on {size >> 20} MiB"
        else:
            r["save"] = nbytes / timed(lambda: np.savez(out, **arrays), runs) / 1e9
        os.remove(out)
    return r


def python_side(paths, runs):
    """The same checkpoint loaded from Python: tensorio.load beside np.load (scripts/demo
    installs the package into .venv)."""
    venv_python = os.path.join(ROOT, ".venv", "bin", "python")
    if not os.access(venv_python, os.X_OK):
        print("skipped the Python side: no .venv (scripts/demo installs the package there)")
        return
    p = subprocess.run([venv_python, os.path.join(ROOT, "scripts", "demo_python.py"),
                        "--runs", str(runs), *paths], check=False)
    if p.returncode != 0:
        print(f"the Python side failed (exit {p.returncode})")


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mib", type=int, default=1024, help="checkpoint size (default 1024)")
    ap.add_argument("--runs", type=int, default=3, help="runs per measurement (default 3)")
    ap.add_argument("--keep", help="write the files here and keep them")
    args = ap.parse_args()
    if not os.access(CLI, os.X_OK):
        sys.exit(f"demo: {CLI} not built (run scripts/setup)")

    work = args.keep or tempfile.mkdtemp(prefix="tensorio-demo-", dir=os.environ.get("TMPDIR"))
    os.makedirs(work, exist_ok=True)
    t_start = time.perf_counter()
    try:
        print(f"demo: building a ~{args.size_mib} MiB checkpoint in {work}", flush=True)
        tensors = make_tensors(args.size_mib)
        names = list(tensors)
        nbytes = sum(a.nbytes for a in tensors.values())
        print(f"demo: {len(tensors)} tensors, {nbytes / 1e9:.2f} GB "
              f"(bfloat16 embedding and MLP, float16 attention, float32 norms and lm_head)")

        ckpts = []  # (label, path, numpy kind or None)
        npy_dir = os.path.join(work, "npy")
        os.makedirs(npy_dir)
        for n, a in tensors.items():
            np.save(os.path.join(npy_dir, n + ".npy"), a)
        ckpts.append(("npy folder", npy_dir, "npy-dir"))
        npz = os.path.join(work, "model.npz")
        np.savez(npz, **tensors)
        skipped = []

        def convert(label, out, *extra, kind=None):
            p = tio("convert", npz, out, *extra, check=False)
            if p.returncode != 0:
                skipped.append((label, p.stderr.strip().splitlines()[-1] if p.stderr else "?"))
                return False
            ckpts.append((label, out, kind))
            return True

        if tio("inspect", npz, check=False).returncode == 0:
            ckpts.append(("npz stored", npz, "npz"))
        else:
            skipped.append(("npz stored", "this build does not read .npz"))
        convert("npz deflated", os.path.join(work, "model_deflated.npz"), "--compress",
                kind="npz-compressed")
        convert("safetensors", os.path.join(work, "model.safetensors"))
        convert("safetensors sharded", os.path.join(work, "model.safetensors.index.json"),
                "--max-shard-size", f"{max(nbytes // 4, 1 << 20)}")
        convert("gguf (bf16/f16/f32)", os.path.join(work, "model.gguf"))
        qpath = os.path.join(work, "model-q.gguf")
        write_gguf(qpath, tensors)
        if tio("inspect", qpath, check=False).returncode == 0:
            ckpts.append(("gguf F16+Q8_0+Q4_0", qpath, None))
        else:
            skipped.append(("gguf F16+Q8_0+Q4_0", "this build does not read .gguf"))
        del tensors

        rows, limits = [], []
        for label, path, kind in ckpts:
            print(f"demo: tensorio bench {os.path.basename(path)} ...", flush=True)
            runs = 1 if kind == "npz-compressed" else args.runs
            p = tio("bench", "--runs", str(runs), path, check=False)
            if p.returncode != 0:
                skipped.append((label, p.stderr.strip().splitlines()[-1]))
                continue
            b = parse_bench(p.stdout)
            limits.append(b["limits"])
            rows.append((label + " (tensorio)", b))
            if kind in ("npy-dir", "npz", "npz-compressed"):
                print(f"demo: NumPy on {os.path.basename(path)} ...", flush=True)
                arr_names = names
                if kind != "npy-dir":
                    with np.load(path) as z:
                        arr_names = z.files
                n = numpy_jobs(kind.replace("-compressed", ""), path, arr_names, nbytes,
                               1 if kind == "npz-compressed" else args.runs, work,
                               compressed=kind == "npz-compressed")
                sum_l, memcpy_l, _, write_l = b["limits"]
                rows.append((label + " (NumPy)", {
                    "open_us": n["open_us"],
                    "touch": (n["touch"], n["touch"] / sum_l),
                    "read_into": (n["read_into"], n["read_into"] / memcpy_l),
                    "save": (n["save"], n["save"] / write_l if write_l else 0),
                    "note": n.get("save_note", ""),
                }))

        print()
        print(f"{'checkpoint (' + format(nbytes / 1e9, '.2f') + ' GB)':<34} {'open':>10} "
              f"{'first touch':>18} {'read_into':>18} {'save':>18}")
        print(f"{'':<34} {'':>10} {'GB/s  x sum':>18} {'GB/s  x memcpy':>18} "
              f"{'GB/s  x write()':>18}")
        for label, b in rows:
            def cell(key):
                v = b.get(key)
                return f"{v[0]:7.2f}  {v[1]:5.2f}x" if v else f"{'-':>15}"
            open_ms = b["open_us"] / 1000
            print(f"{label:<34} {open_ms:8.3f}ms {cell('touch'):>18} {cell('read_into'):>18} "
                  f"{cell('save'):>18} {b.get('note', '')}")
        if limits:
            med = [median([l[i] for l in limits]) for i in range(4)]
            print(f"\nthis machine's limits (medians over the runs above): in-memory sum "
                  f"{med[0]:.2f} GB/s, memcpy {med[1]:.2f} GB/s, plain read() {med[2]:.2f} GB/s, "
                  f"plain write() {med[3]:.2f} GB/s")
        print("read_into via tensorio reads cached blocks through the mapping and the rest with "
              "O_DIRECT; NumPy's is np.load into new arrays.")
        for label, why in skipped:
            print(f"skipped {label}: {why}")
        python_side([path for _, path, _ in ckpts], args.runs)
        print(f"demo: done in {time.perf_counter() - t_start:.0f} s")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
