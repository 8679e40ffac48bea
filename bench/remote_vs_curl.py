#!/usr/bin/env python3
"""Remote files against the network's limit, on loopback nginx: the figures of bench/RESULTS.md,
"Remote".

    /usr/bin/python3 bench/remote_vs_curl.py BUILD_DIR [--rounds N] [--gib G] [--dir DIR]

Writes, in a scratch directory (default: under /dev/shm, so nginx serves from memory and the
disk stays out of it): a G GiB safetensors of 8 float32 tensors, a 1,000-tensor safetensors
(64 KiB each) and the 150,000-token gguf of BUILD_DIR/tests/make_big_gguf. Starts nginx on an
ephemeral loopback port (tests/remote/run_remote_tests.py's config), then, per round, in turns:

  * `curl -o /dev/null URL` of the big file (the curl command, one connection), timed here;
  * `tensorio bench --json --runs 1 --no-save URL`: read_into of every tensor (parallel
    ranges) and the same run's plain GET through libcurl;

and reports medians and the median per-round ratio read_into / curl. Then the open of the
1,000-tensor safetensors and of the gguf with `tensorio inspect URL`: requests and bytes as
nginx's access log counts them.
"""
import argparse
import json
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "remote"))
import run_remote_tests  # noqa: E402  (nginx config and start-up)


def write_safetensors(path, tensors):
    """tensors: list of (name, dtype, shape, nbytes, fill byte)."""
    header, offset = {}, 0
    for name, dtype, shape, nbytes, _ in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        chunk = 64 << 20
        for _, _, _, nbytes, fill in tensors:
            block = bytes([fill]) * min(chunk, nbytes)
            left = nbytes
            while left:
                f.write(block[:min(left, chunk)])
                left -= min(left, chunk)


def logged(log, uri):
    """(requests, body bytes) nginx logged for exactly `uri`."""
    time.sleep(0.2)
    n = b = 0
    with open(log) as f:
        for line in f:
            parts = line.split()
            if parts and parts[0] == uri:
                n += 1
                b += int(parts[-1])
    return n, b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--gib", type=float, default=1.0)
    ap.add_argument("--dir", default="/dev/shm" if os.path.isdir("/dev/shm") else None)
    args = ap.parse_args()
    cli = os.path.join(args.build, "src", "tensorio")
    make_gguf = os.path.join(args.build, "tests", "make_big_gguf")
    nginx = run_remote_tests.find_nginx()
    curl = shutil.which("curl")
    if nginx is None or curl is None:
        sys.exit("needs nginx (nginx-light) and curl")
    work = tempfile.mkdtemp(prefix="tensorio-remote-bench-", dir=args.dir)
    proc = None
    try:
        os.chmod(work, 0o755)
        www = os.path.join(work, "www")
        os.makedirs(www)
        per = int(args.gib * (1 << 30)) // 8 // 4 * 4
        write_safetensors(os.path.join(www, "big.safetensors"),
                          [(f"w{i}", "F32", [per // 4], per, 17 + i) for i in range(8)])
        write_safetensors(os.path.join(www, "thousand.safetensors"),
                          [(f"model.layers.{i // 10}.w{i % 10}.weight", "F16", [32768], 65536, 1)
                           for i in range(1000)])
        subprocess.run([make_gguf, os.path.join(www, "vocab150k.gguf")], check=True,
                       stdout=subprocess.DEVNULL)
        for f in os.listdir(www):
            os.chmod(os.path.join(www, f), 0o644)
        os.chmod(www, 0o755)
        proc, port = run_remote_tests.start_nginx(nginx, work, www)
        base = f"http://127.0.0.1:{port}"
        log = os.path.join(work, "access.log")
        env = dict(os.environ, no_proxy="*")
        big = base + "/big.safetensors"
        size = os.path.getsize(os.path.join(www, "big.safetensors"))
        subprocess.run([curl, "-s", "-o", "/dev/null", big], check=True)  # warm the page cache

        curl_bps, read_bps, get_bps, ratio = [], [], [], []
        read_requests = 0
        for r in range(args.rounds):
            def run_curl():
                t = time.perf_counter()
                subprocess.run([curl, "-s", "-o", "/dev/null", big], check=True, env=env)
                curl_bps.append(size / (time.perf_counter() - t))

            def run_tensorio():
                nonlocal read_requests
                out = subprocess.run([cli, "bench", "--json", "--runs", "1", "--no-save", big],
                                     check=True, capture_output=True, text=True, env=env).stdout
                f = json.loads(out)["files"][0]
                read_bps.append(f["read_into_gbps"] * 1e9)
                get_bps.append(f["plain_get_gbps"] * 1e9)
                read_requests = f["read_requests"]

            if r % 2 == 0:
                run_curl()
                run_tensorio()
            else:
                run_tensorio()
                run_curl()
            ratio.append(read_bps[-1] / curl_bps[-1])

        def gbs(v):
            return f"{statistics.median(v) / 1e9:.2f} GB/s ({min(v) / 1e9:.2f}..{max(v) / 1e9:.2f})"

        print(f"file: {size} bytes, 8 tensors; {args.rounds} rounds; nginx {base}")
        print(f"curl -o /dev/null        {gbs(curl_bps)}")
        print(f"read_into (read_all)     {gbs(read_bps)}  {read_requests} requests")
        print(f"plain GET (libcurl)      {gbs(get_bps)}")
        print(f"read_into / curl         {statistics.median(ratio):.2f}x "
              f"({min(ratio):.2f}..{max(ratio):.2f})")
        for name in ("thousand.safetensors", "vocab150k.gguf"):
            uri = f"/{name}?inspect=1"
            subprocess.run([cli, "inspect", base + uri], check=True, stdout=subprocess.DEVNULL,
                           env=env)
            n, b = logged(log, uri)
            print(f"inspect {name}: {n} requests, {b} bytes "
                  f"(file {os.path.getsize(os.path.join(www, name))} bytes)")
    finally:
        if proc:
            proc.terminate()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
