#!/usr/bin/python3
"""tensorio's .npz against NumPy's, in the same run, on the same arrays.

    /usr/bin/python3 bench/npz_vs_numpy.py build/bench/npz_bench_driver [--mib 64] [--arrays 8]
        [--runs 5] [--level 6] [--threads 0] [--dir DIR] [--json OUT.json]

Two datasets of --mib MiB each, split into --arrays arrays: float32 normal(0, 1) (weights; barely
compressible) and int32 uniform in 0..15 (low entropy). For each, the median of --runs runs of:
  compressed save  np.savez_compressed (zlib level 6)  vs  tensorio savez_compressed (--level,
                   libdeflate, members in parallel on --threads workers, 0 = all cores)
  compressed load  np.load + every array read + summed  vs  open + prefetch() (parallel
                   inflation) + every byte read
  stored save      np.savez  vs  tensorio save_npz (64-byte aligned stored members)
  stored load      np.load + every array read + summed  vs  zero-copy open + every byte read
Throughput is payload MiB/s of wall time; ratio = archive bytes / payload bytes (lower is
better). NumPy is timed in this process with perf_counter; tensorio in its driver process with
steady_clock, both with a warm page cache. Prints a table and the speedups (tensorio / NumPy),
plus the CPU-time ratio (NumPy CPU seconds / tensorio CPU seconds over all threads): on a loaded
machine wall time mostly measures the scheduler, CPU time what each implementation costs.
Run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (they only matter for NumPy's BLAS).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def datasets(mib, count):
    rng = np.random.default_rng(2024)
    per = mib * (1 << 20) // 4 // count
    floats = {f"w{i}": rng.standard_normal(per, dtype=np.float32) for i in range(count)}
    ints = {f"i{i}": rng.integers(0, 16, size=per, dtype=np.int32) for i in range(count)}
    return {"float32 normal": floats, "int32 0..15": ints}


def median_time(fn, runs):
    """Median wall seconds and median CPU seconds of `runs` calls."""
    times, cpu = [], []
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(times), statistics.median(cpu)


def numpy_load_all(path):
    total = 0.0
    with np.load(path) as d:
        for k in d.files:
            total += float(d[k].sum(dtype=np.float64))
    return total


def driver(exe, *args):
    r = subprocess.run([exe, *map(str, args)], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"driver failed: {r.stderr}")
    out = json.loads(r.stdout)
    out["median"] = statistics.median(out["seconds"])
    out["cpu_median"] = statistics.median(out["cpu_seconds"])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("driver")
    ap.add_argument("--mib", type=int, default=64)
    ap.add_argument("--arrays", type=int, default=8)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--level", type=int, default=6)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    work = a.dir or tempfile.mkdtemp(prefix="npz_vs_numpy_")
    os.makedirs(work, exist_ok=True)
    results = []
    mib = 1 << 20
    for label, arrs in datasets(a.mib, a.arrays).items():
        payload = sum(x.nbytes for x in arrs.values())
        tag = label.split()[0]
        np_c, np_s = os.path.join(work, f"{tag}_np_c.npz"), os.path.join(work, f"{tag}_np_s.npz")
        tio_c, tio_s = os.path.join(work, f"{tag}_tio_c.npz"), os.path.join(work, f"{tag}_tio_s.npz")

        np_csave = median_time(lambda: np.savez_compressed(np_c, **arrs), a.runs)
        np_ssave = median_time(lambda: np.savez(np_s, **arrs), a.runs)
        numpy_load_all(np_c), numpy_load_all(np_s)  # warm
        np_cload = median_time(lambda: numpy_load_all(np_c), a.runs)
        np_sload = median_time(lambda: numpy_load_all(np_s), a.runs)

        t_csave = driver(a.driver, "save", np_s, tio_c, a.runs, a.level, a.threads)
        t_ssave = driver(a.driver, "save", np_s, tio_s, a.runs)
        t_cload = driver(a.driver, "load", tio_c, a.runs)
        t_sload = driver(a.driver, "load", tio_s, a.runs)
        # Also our loader on NumPy's own compressed archive (same data, zlib's stream).
        t_cload_np = driver(a.driver, "load", np_c, a.runs)

        rows = [
            ("compressed save", np_csave, t_csave, os.path.getsize(np_c), t_csave["file_bytes"]),
            ("compressed load", np_cload, t_cload, os.path.getsize(np_c), t_cload["file_bytes"]),
            ("compressed load of NumPy's file", np_cload, t_cload_np, os.path.getsize(np_c),
             os.path.getsize(np_c)),
            ("stored save", np_ssave, t_ssave, os.path.getsize(np_s), t_ssave["file_bytes"]),
            ("stored load", np_sload, t_sload, os.path.getsize(np_s), t_sload["file_bytes"]),
        ]
        print(f"\n{label}: {a.arrays} arrays, {payload / mib:.0f} MiB, median of {a.runs} runs, "
              f"tensorio level {a.level}")
        print(f"  {'operation':32s} {'NumPy MiB/s':>12s} {'tensorio MiB/s':>15s} {'speedup':>8s} "
              f"{'CPU-time':>9s} {'NumPy ratio':>12s} {'tensorio ratio':>15s}")
        for op, (tn, cn), t, fn, ft in rows:
            tt, ct = t["median"], t["cpu_median"]
            print(f"  {op:32s} {payload / mib / tn:12.1f} {payload / mib / tt:15.1f} {tn / tt:7.2f}x "
                  f"{cn / ct:8.2f}x {fn / payload:12.4f} {ft / payload:15.4f}")
            results.append({"dataset": label, "operation": op, "numpy_s": tn, "tensorio_s": tt,
                            "numpy_cpu_s": cn, "tensorio_cpu_s": ct, "speedup": tn / tt,
                            "cpu_speedup": cn / ct, "numpy_ratio": fn / payload,
                            "tensorio_ratio": ft / payload, "payload_bytes": payload})
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    if not a.dir:
        import shutil
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
