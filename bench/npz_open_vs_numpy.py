#!/usr/bin/python3
"""Opening a compressed .npz: tensorio's open against NumPy's np.load, same archive, same run.

    /usr/bin/python3 bench/npz_open_vs_numpy.py build/bench/npz_bench_driver [--mib 256]
        [--runs 400] [--dir DIR] [--other-driver DRIVER --driver-label LABEL ...]
        [--archive PATH ...]

Builds a checkpoint shaped like scripts/demo's (219 arrays: embedding, 24 layers of attention
and MLP weights in float16, float32 norms and lm_head, plus int32 and int64 arrays; about --mib
MiB in all) and writes it twice: with np.savez_compressed (zlib level 6) and with tensorio's
savez_compressed (libdeflate, the archive scripts/demo opens). Then, for each archive, times
--runs opens alternately in rounds (warm page cache):
  NumPy     np.load(path): reads the zip directory, decodes no npy header (in this process,
            time.perf_counter);
  tensorio  tensorio::load(path): reads and validates the zip structure and decodes and
            validates every member's npy header (in the driver process, steady_clock);
and prints the medians and their ratio; then --verify-runs rounds of tensorio's verify() against
read_all() of the same archive (`npz_bench_driver verify`). Each tensorio build runs in one driver process kept for
the whole run (`npz_bench_driver serve`), warm as NumPy's interpreter is. Alternating rounds of 20 keep both sides in the same
phase of a VM whose speed drifts within seconds. --other-driver options add more tensorio builds
to the same rounds (for before/after comparisons); --driver-label names them.
With --dir the archives are kept there and reused by later runs. --archive times the given
archives instead of making any (a stored one, say, for a before/after of the stored open).
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


def layout(mib):
    """(name, shape, dtype): a decoder-only model of about `mib` MiB, 219 arrays."""
    vocab, layers = 8000, 24
    hidden = 128
    while True:
        inter = hidden * 4
        per_layer = (4 * hidden * hidden + 3 * hidden * inter) * 2 + 2 * hidden * 4
        total = vocab * hidden * 2 + layers * per_layer + vocab * hidden * 4
        if total >= mib * 2**20 or hidden >= 8192:
            break
        hidden += 64
    out = [("model.embed_tokens.weight", (vocab, hidden), np.float16)]
    for i in range(layers):
        p = f"model.layers.{i}."
        for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
            out.append((p + f"self_attn.{proj}.weight", (hidden, hidden), np.float16))
        out.append((p + "mlp.gate_proj.weight", (inter, hidden), np.float16))
        out.append((p + "mlp.up_proj.weight", (inter, hidden), np.float16))
        out.append((p + "mlp.down_proj.weight", (hidden, inter), np.float16))
        out.append((p + "input_layernorm.weight", (hidden,), np.float32))
        out.append((p + "post_attention_layernorm.weight", (hidden,), np.float32))
    out.append(("model.norm.weight", (hidden,), np.float32))
    out.append(("lm_head.weight", (vocab, hidden), np.float32))
    out.append(("position_ids", (4096,), np.int64))
    return out


def make_arrays(mib):
    rng = np.random.default_rng(0)
    pool = rng.standard_normal(1 << 22, dtype=np.float32) * np.float32(0.02)
    arrays, start = {}, 0
    for name, shape, dtype in layout(mib):
        n = int(np.prod(shape))
        idx = (start + np.arange(n)) % pool.size
        start = (start + 104729) % pool.size
        if dtype is np.int64:
            arrays[name] = np.arange(n, dtype=np.int64)
        else:
            arrays[name] = pool[idx].reshape(shape).astype(dtype)
    return arrays


def numpy_open_times(path, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        z = np.load(path)
        times.append(time.perf_counter() - t0)
        z.close()
    return times


class Driver:
    """One tensorio driver process (`serve`), kept for the whole run: like NumPy's side, which
    runs in this warm interpreter, it opens with its heap grown and its helper threads started.
    The first `warmup` opens of every request are run but not kept."""

    def __init__(self, exe):
        self.proc = subprocess.Popen([exe, "serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def open_times(self, path, runs, warmup=3):
        self.proc.stdin.write(f"open {path} {runs + warmup}\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        if "error" in reply:
            sys.exit(f"driver failed on {path}: {reply['error']}")
        return reply["seconds"][warmup:]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def verify_vs_read_all(exe, path, runs):
    """tensorio's verify() of the archive against read_all() of it, alternating in one driver
    process, each on a fresh open (not timed): both inflate every member on every core."""
    r = subprocess.run([exe, "verify", path, str(runs)], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{exe} verify failed: {r.stderr}")
    d = json.loads(r.stdout)
    v, ra = statistics.median(d["verify_seconds"]), statistics.median(d["read_all_seconds"])
    gb = d["bytes"] / 1e9
    print(f"  verify    {v:8.3f} s ({gb / v:5.2f} GB/s)   read_all {ra:8.3f} s ({gb / ra:5.2f} GB/s)"
          f"   verify at {ra / v:4.2f}x read_all (median of {runs} each)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("driver")
    ap.add_argument("--mib", type=int, default=256)
    ap.add_argument("--runs", type=int, default=400)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--driver-label", action="append", default=[])
    ap.add_argument("--other-driver", action="append", default=[])
    ap.add_argument("--archive", action="append", default=[])
    ap.add_argument("--verify-runs", type=int, default=5,
                    help="rounds of verify() against read_all() per archive (0: none)")
    a = ap.parse_args()
    work = a.dir or tempfile.mkdtemp(prefix="npz_open_vs_numpy_")
    os.makedirs(work, exist_ok=True)
    np_path = os.path.join(work, f"demo_{a.mib}_numpy_compressed.npz")
    tio_path = os.path.join(work, f"demo_{a.mib}_tensorio_compressed.npz")
    archives = [(os.path.basename(p), p) for p in a.archive]
    if not archives:
        archives = [("np.savez_compressed", np_path), ("tensorio savez_compressed", tio_path)]
    if not a.archive and (not os.path.exists(np_path) or not os.path.exists(tio_path)):
        arrays = make_arrays(a.mib)
        stored = os.path.join(work, "stored.npz")
        np.savez(stored, **arrays)
        np.savez_compressed(np_path + ".tmp.npz", **arrays)
        os.replace(np_path + ".tmp.npz", np_path)
        r = subprocess.run([a.driver, "save", stored, tio_path, "1", "6", "0"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"driver save failed: {r.stderr}")
        os.remove(stored)
    labels = a.driver_label + [f"other{i}" for i in range(len(a.driver_label), len(a.other_driver))]
    drivers = [("tensorio", Driver(a.driver))]
    drivers += [(label, Driver(exe)) for label, exe in zip(labels, a.other_driver)]

    rounds, per = max(1, a.runs // 20), min(a.runs, 20)
    for label, path in archives:
        with np.load(path) as z:
            members = len(z.files)
        # Warm-up, a second of opens for each side: the page cache, NumPy's imports, the
        # driver's heap and helper threads, and a CPU that may still be raising its clock.
        t_end = time.perf_counter() + 1.0
        while time.perf_counter() < t_end:
            numpy_open_times(path, 20)
            for _, driver in drivers:
                driver.open_times(path, 20)
        samples = {"np.load": []}
        samples.update({name: [] for name, _ in drivers})
        for _ in range(rounds):
            samples["np.load"] += numpy_open_times(path, per)
            for name, driver in drivers:
                samples[name] += driver.open_times(path, per)
        size = os.path.getsize(path)
        print(f"\n{label}: {members} members, {size / 2**20:.0f} MiB, "
              f"median of {rounds * per} opens each (warm cache)")
        base = statistics.median(samples["np.load"])
        for name, s in samples.items():
            m = statistics.median(s)
            print(f"  {name:24s} open {m * 1e3:8.3f} ms   {base / m:5.2f}x np.load")
        if a.verify_runs > 0:
            verify_vs_read_all(a.driver, path, a.verify_runs)
    for _, driver in drivers:
        driver.close()
    if not a.dir:
        import shutil
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
