"""The Python package against its Python floor and against NumPy, in one run (issue 16).

    .venv/bin/python bench/python_bench.py [--runs N] [--dir DIR] [--touch-mib N]
        [--save-mib N] [--zip-mib N]

Run with the pip-installed package (scripts/test-python makes .venv). Every figure is the median
of --runs runs with a warm page cache, and each ratio compares two things measured in this
process, alternating, on the same files:

  load 1,000 tensors  tensorio.load of a 1,000-tensor .safetensors / .gguf / stored .npz (64 KiB
                      float32 tensors) against the Python floor: the same dict built with
                      np.frombuffer(mm, dtype, count, offset).reshape(shape) over an mmap.mmap of
                      the file (opened in the timed region); and against np.load of the same npz
                      followed by reading every member. Also tensorio.open (header only) and the
                      Python overhead per tensor, (load - open) / 1,000.
  first touch         summing every byte (as uint64) of the arrays load() returned, fresh from
                      each load, against the same NumPy reduction over an in-memory copy.
  savez_compressed    tensorio against numpy.savez_compressed on float16 weights, with sizes;
                      also the CPU-time ratio (all threads), which a loaded machine moves less.
  save_safetensors    --save-mib of float32 against plain write() of the same bytes to a new file.
"""
import argparse
import mmap
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np

import tensorio

TARGETS = {"floor": 2.0, "np_load": 20.0, "touch": 0.9, "zip": 3.5, "save": 0.9}


def median_time(fn, runs, setup=None):
    times = []
    for _ in range(runs):
        if setup:
            setup()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def alternate(fns, runs, setup=None):
    """Median seconds of each fn, runs interleaved so that drifting load hits all alike."""
    times = [[] for _ in fns]
    for _ in range(runs):
        for i, fn in enumerate(fns):
            if setup:
                setup()
            t = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - t)
    return [statistics.median(t) for t in times]


def floor_loader(path, layout):
    """The Python floor: a dict of np.frombuffer views over an mmap of the file."""
    def load():
        with open(path, "rb") as f:
            mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        return {name: np.frombuffer(mm, dtype, count, offset).reshape(shape)
                for name, dtype, count, offset, shape in layout}
    return load


def layout_of(path):
    with tensorio.open(path) as f:
        out = []
        for name in f:
            info = f.info(name)
            count = int(np.prod(info.shape))
            out.append((name, np.float32, count, info.offset, info.shape))
        return out


def numpy_read_all(path):
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def touch(arrays):
    return sum(int(a.reshape(-1).view(np.uint64).sum()) for a in arrays)


def bench_load(work, runs):
    rng = np.random.default_rng(0)
    arrays = {f"layer.{i}.weight": rng.standard_normal((128, 128), dtype=np.float32)
              for i in range(1000)}
    paths = {"safetensors": os.path.join(work, "k.safetensors"),
             "gguf": os.path.join(work, "k.gguf"), "npz": os.path.join(work, "k.npz")}
    tensorio.save_safetensors(paths["safetensors"], arrays)
    tensorio.save_gguf(paths["gguf"], arrays)
    tensorio.savez(paths["npz"], **arrays)
    rows = []
    for fmt, path in paths.items():
        layout = layout_of(path)
        floor = floor_loader(path, layout)
        assert all(np.array_equal(a, b) for a, b in zip(floor().values(),
                                                        tensorio.load(path).values()))
        t_load, t_floor, t_open = alternate(
            [lambda: tensorio.load(path), floor, lambda: tensorio.open(path).close()], runs)
        row = {"format": fmt, "load_us": t_load * 1e6, "floor_us": t_floor * 1e6,
               "open_us": t_open * 1e6, "vs_floor": t_load / t_floor,
               "per_tensor_us": t_load * 1e6 / 1000,
               "overhead_us": (t_load - t_open) * 1e6 / 1000}
        if fmt == "npz":
            t_np = median_time(lambda: numpy_read_all(path), max(3, runs // 5))
            row["np_load_us"] = t_np * 1e6
            row["vs_np_load"] = t_np / t_load
        rows.append(row)
    return rows


def bench_touch(work, runs, mib):
    rng = np.random.default_rng(1)
    n = max(1, mib // 8)
    arrays = {f"w{i}": rng.standard_normal((1024, 2048), dtype=np.float32) for i in range(n)}
    path = os.path.join(work, "t.safetensors")
    tensorio.save_safetensors(path, arrays)
    with open(path, "rb") as f:  # warm page cache, as for the in-memory copy
        while f.read(1 << 24):
            pass
    copies = [a.copy() for a in arrays.values()]
    expect = touch(copies)

    def first_touch():
        assert touch(tensorio.load(path).values()) == expect

    t_touch, t_copy = alternate([first_touch, lambda: touch(copies)], runs)
    nbytes = sum(a.nbytes for a in copies)
    return {"mib": nbytes >> 20, "touch_gbs": nbytes / t_touch / 1e9,
            "copy_gbs": nbytes / t_copy / 1e9, "ratio": t_copy / t_touch}


def bench_zip(work, runs, mib):
    rng = np.random.default_rng(2)
    n = max(1, mib // 4)
    arrays = {f"w{i}": (rng.standard_normal((1024, 2048)) * 0.02).astype(np.float16)
              for i in range(n)}
    ours, theirs = os.path.join(work, "ours.npz"), os.path.join(work, "theirs.npz")
    cpu = time.process_time()
    t_ours = median_time(lambda: tensorio.savez_compressed(ours, **arrays), runs)
    cpu_ours = (time.process_time() - cpu) / runs
    cpu = time.process_time()
    np_runs = max(1, runs // 2)
    t_np = median_time(lambda: np.savez_compressed(theirs, **arrays), np_runs)
    cpu_np = (time.process_time() - cpu) / np_runs
    with np.load(ours) as z:
        assert all(np.array_equal(z[k], v) for k, v in arrays.items())
    nbytes = sum(a.nbytes for a in arrays.values())
    return {"mib": nbytes >> 20, "ours_s": t_ours, "numpy_s": t_np, "ratio": t_np / t_ours,
            "cpu_ratio": cpu_np / cpu_ours,
            "ours_size": os.path.getsize(ours), "numpy_size": os.path.getsize(theirs)}


def bench_save(work, runs, mib):
    rng = np.random.default_rng(3)
    n = max(1, mib // 64)
    arrays = {f"w{i}": rng.standard_normal((4096, 4096), dtype=np.float32) for i in range(n)}
    target = os.path.join(work, "s.safetensors")
    plain = os.path.join(work, "plain.bin")

    def clean():
        for p in (target, plain):
            if os.path.exists(p):
                os.remove(p)

    def write_plain():
        fd = os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            for a in arrays.values():
                view = memoryview(a).cast("B")
                while view:
                    view = view[os.write(fd, view):]
        finally:
            os.close(fd)

    t_save, t_write = alternate([lambda: tensorio.save_safetensors(target, arrays), write_plain],
                                runs, setup=clean)
    nbytes = sum(a.nbytes for a in arrays.values())
    clean()
    return {"mib": nbytes >> 20, "save_gbs": nbytes / t_save / 1e9,
            "write_gbs": nbytes / t_write / 1e9, "ratio": t_write / t_save}


def verdict(ok):
    return "met" if ok else "NOT met"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--dir", help="work directory (default: a temp dir, removed)")
    ap.add_argument("--touch-mib", type=int, default=256)
    ap.add_argument("--zip-mib", type=int, default=64)
    ap.add_argument("--save-mib", type=int, default=1024)
    args = ap.parse_args()
    work = args.dir or tempfile.mkdtemp(prefix="tensorio-pybench-")
    os.makedirs(work, exist_ok=True)
    try:
        print(f"python_bench: {sys.executable}, tensorio {tensorio.__file__}, NumPy "
              f"{np.__version__}, {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.2f}", flush=True)
        load = bench_load(work, args.runs)
        print("\n| 1,000 tensors (64 KiB) | tensorio.load | Python floor (np.frombuffer over mmap) "
              "| load / floor | tensorio.open | per tensor (load) | Python overhead per tensor "
              "((load - open) / 1,000) | np.load + read all | np.load / tensorio.load |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in load:
            np_cols = (f"{r['np_load_us'] / 1000:.2f} ms | {r['vs_np_load']:.0f}x"
                       if "np_load_us" in r else "— | —")
            print(f"| {r['format']} | {r['load_us']:.0f} µs | {r['floor_us']:.0f} µs | "
                  f"{r['vs_floor']:.2f}x | {r['open_us']:.0f} µs | {r['per_tensor_us']:.2f} µs | "
                  f"{r['overhead_us']:.2f} µs | {np_cols} |", flush=True)
        t = bench_touch(work, max(3, args.runs // 3), args.touch_mib)
        print(f"\nfirst touch of load()'s arrays ({t['mib']} MiB safetensors): "
              f"{t['touch_gbs']:.2f} GB/s; the same reduction over an in-memory copy: "
              f"{t['copy_gbs']:.2f} GB/s; ratio {t['ratio']:.2f}x", flush=True)
        z = bench_zip(work, max(3, args.runs // 5), args.zip_mib)
        print(f"savez_compressed ({z['mib']} MiB float16): tensorio {z['ours_s']:.2f} s, "
              f"numpy {z['numpy_s']:.2f} s, {z['ratio']:.2f}x (CPU time: NumPy's / tensorio's, "
              f"all threads, {z['cpu_ratio']:.2f}x); sizes {z['ours_size']:,} vs "
              f"{z['numpy_size']:,} bytes ({z['ours_size'] / z['numpy_size']:.3f})", flush=True)
        s = bench_save(work, max(3, args.runs // 5), args.save_mib)
        print(f"save_safetensors ({s['mib']} MiB): {s['save_gbs']:.2f} GB/s; plain write() "
              f"{s['write_gbs']:.2f} GB/s; ratio {s['ratio']:.2f}x", flush=True)
        print("\ntargets (issue 16):")
        for r in load:
            print(f"  load {r['format']}: <= {TARGETS['floor']}x the floor: "
                  f"{verdict(r['vs_floor'] <= TARGETS['floor'])} ({r['vs_floor']:.2f}x)")
        npz = next(r for r in load if r["format"] == "npz")
        print(f"  load npz >= {TARGETS['np_load']}x np.load + read: "
              f"{verdict(npz['vs_np_load'] >= TARGETS['np_load'])} ({npz['vs_np_load']:.0f}x)")
        print(f"  first touch >= {TARGETS['touch']}x in-memory: "
              f"{verdict(t['ratio'] >= TARGETS['touch'])} ({t['ratio']:.2f}x)")
        print(f"  savez_compressed >= {TARGETS['zip']}x NumPy at <= size: "
              f"{verdict(z['ratio'] >= TARGETS['zip'] and z['ours_size'] <= z['numpy_size'])} "
              f"({z['ratio']:.2f}x)")
        print(f"  save_safetensors >= {TARGETS['save']}x write(): "
              f"{verdict(s['ratio'] >= TARGETS['save'])} ({s['ratio']:.2f}x)")
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
