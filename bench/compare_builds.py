#!/usr/bin/python3
"""Two builds of tensorio side by side, on the same files, in one run.

    /usr/bin/python3 bench/compare_builds.py OLD_BUILD NEW_BUILD FILE... [--rounds 5] [--runs 3]

For each round, for each file, the two builds' `tensorio bench --runs RUNS FILE` alternate (old
first in odd rounds, new first in even ones, so neither always finds the other's page-cache
state); then each build's `bench_open` times the 1,000-tensor opens (BM_Open/<format>/100/0).
Prints, per file and figure, the median over the rounds of each build and new/old (for open
times old/new, so that > 1 is always "new is better"), and the figures' ratios to the limits
each build measured in the same run. A build directory is a meson build of the tree (it must
have src/tensorio, bench/bench_open and, unless --opens 0, bench/npz_bench_driver with its
`open` command: for an old tree, build this tree's bench/npz_driver.cpp against it). Each
file's open is also timed over --opens opens in one process, the figure to read for opens of
tens of microseconds.
"""
import argparse
import json
import re
import statistics
import subprocess
import sys

FIGURES = {  # name: (regex on `tensorio bench` text, unit, higher is better)
    "open": (r"^\s*open\s+([\d.]+) us", "us", False),
    "first touch": (r"^\s*first touch\s+([\d.]+) GB/s\s+\(.*?\)\s+([\d.]+)x", "GB/s", True),
    "read_into": (r"^\s*read_into\s+([\d.]+) GB/s\s+\(.*?\)\s+([\d.]+)x", "GB/s", True),
    "save": (r"^\s*save\s+([\d.]+) GB/s\s+\(.*?\)\s+([\d.]+)x", "GB/s", True),
}


def bench(build, path, runs, save_dir):
    extra = ["--save-dir", save_dir] if save_dir else []
    out = subprocess.run([f"{build}/src/tensorio", "bench", "--runs", str(runs), *extra, path],
                         check=True, capture_output=True, text=True).stdout
    got = {}
    for name, (rx, _, _) in FIGURES.items():
        m = re.search(rx, out, flags=re.M)
        if m:
            got[name] = (float(m.group(1)), float(m.group(2)) if m.lastindex > 1 else None)
    return got


def bench_open(build, fmt):
    out = subprocess.run([f"{build}/bench/bench_open", f"--benchmark_filter=BM_Open/{fmt}/100/0/",
                          "--benchmark_repetitions=5", "--benchmark_report_aggregates_only",
                          "--benchmark_format=json"], check=True, capture_output=True,
                         text=True).stdout
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name") == "median":
            return b["real_time"] * {"ns": 1e-3, "us": 1.0, "ms": 1e3}[b["time_unit"]]
    return None


def driver_open(build, path, opens):
    """Median open time (us) over `opens` opens in one process (bench/npz_driver.cpp `open`),
    after 100 untimed ones: a figure of tens of microseconds needs more samples than a few runs
    of `tensorio bench` give."""
    out = subprocess.run([f"{build}/bench/npz_bench_driver", "open", path, str(opens + 100)],
                         check=True, capture_output=True, text=True).stdout
    return statistics.median(json.loads(out)["seconds"][100:]) * 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--save-dir", default=None,
                    help="passed to tensorio bench: save there (e.g. /dev/shm, to time the code "
                         "rather than the disk)")
    ap.add_argument("--opens", type=int, default=1000,
                    help="opens per file per round for the in-process open figure (0: none)")
    a = ap.parse_args()
    builds = {"old": a.old, "new": a.new}
    results = {(f, b): [] for f in a.files for b in builds}
    opens = {(fmt, b): [] for fmt in ("npz", "safetensors", "gguf") for b in builds}
    many_opens = {(f, b): [] for f in a.files for b in builds}
    for r in range(a.rounds):
        order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
        for f in a.files:
            for b in order:
                results[(f, b)].append(bench(builds[b], f, a.runs, a.save_dir))
                if a.opens > 0:
                    many_opens[(f, b)].append(driver_open(builds[b], f, a.opens))
        for fmt in ("npz", "safetensors", "gguf"):
            for b in order:
                opens[(fmt, b)].append(bench_open(builds[b], fmt))
        print(f"round {r + 1}/{a.rounds} done", file=sys.stderr)

    print(f"| file | figure | old | new | new vs old | old ratio to limit | new ratio to limit |")
    print(f"|---|---|---|---|---|---|---|")
    for f in a.files:
        for name, (_, unit, higher) in FIGURES.items():
            vals = {b: [x[name] for x in results[(f, b)] if name in x] for b in builds}
            if not vals["old"] or not vals["new"]:
                continue
            med = {b: statistics.median(v[0] for v in vals[b]) for b in builds}
            lim = {b: (statistics.median(v[1] for v in vals[b]) if vals[b][0][1] is not None
                       else None) for b in builds}
            better = med["new"] / med["old"] if higher else med["old"] / med["new"]
            fmt_lim = lambda x: f"{x:.2f}x" if x is not None else "—"
            print(f"| {f} | {name} | {med['old']:.2f} {unit} | {med['new']:.2f} {unit} | "
                  f"{better:.2f} | {fmt_lim(lim['old'])} | {fmt_lim(lim['new'])} |")
        if a.opens > 0:
            mo = statistics.median(many_opens[(f, "old")])
            mn = statistics.median(many_opens[(f, "new")])
            print(f"| {f} | open ({a.opens} in one process) | {mo:.1f} us | {mn:.1f} us | "
                  f"{mo / mn:.2f} | — | — |")
    for fmt in ("npz", "safetensors", "gguf"):
        o = [x for x in opens[(fmt, "old")] if x]
        n = [x for x in opens[(fmt, "new")] if x]
        if o and n:
            mo, mn = statistics.median(o), statistics.median(n)
            print(f"| bench_open 1,000 tensors | {fmt} open | {mo:.1f} us | {mn:.1f} us | "
                  f"{mo / mn:.2f} | — | — |")


if __name__ == "__main__":
    main()
