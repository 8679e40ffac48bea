"""scripts/demo: writes a synthetic checkpoint as .npy files, then inspects, verifies and
converts it with the tensorio CLI and checks that NumPy reads back exactly what was written."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "build", "src", "tensorio")


def run(*args):
    return subprocess.run([CLI, *args], check=True, capture_output=True, text=True).stdout


def main():
    work = tempfile.mkdtemp(prefix="tensorio-demo-")
    try:
        rng = np.random.default_rng(0)
        tensors = {
            "embed": rng.standard_normal((1024, 256)).astype(np.float16),
            "layer0_attn_q": rng.standard_normal((256, 256)).astype(np.float32),
            "layer0_mlp_up": rng.standard_normal((256, 1024)).astype(">f4"),
            "norm": np.asfortranarray(rng.standard_normal((64, 32))),
        }
        for name, arr in tensors.items():
            np.save(os.path.join(work, name + ".npy"), arr)
        print(f"{'tensor':<16} {'dtype':<9} {'shape':<14} {'offset':>6}  round trip")
        for name, arr in tensors.items():
            src = os.path.join(work, name + ".npy")
            info = json.loads(run("inspect", "--json", src))["tensors"][0]
            run("verify", src)
            out = os.path.join(work, name + ".out.npy")
            run("convert", src, out)
            back = np.load(out)
            ok = back.dtype == arr.dtype.newbyteorder("=") and np.array_equal(back, arr)
            print(f"{name:<16} {info['dtype']:<9} {str(tuple(info['shape'])):<14} "
                  f"{info['offset']:>6}  {'exact' if ok else 'MISMATCH'}")
            if not ok:
                sys.exit(1)
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
