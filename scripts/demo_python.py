"""scripts/demo, Python side: the demo checkpoint loaded with tensorio.load beside NumPy.

    .venv/bin/python scripts/demo_python.py [--runs N] FILE_OR_NPY_DIR...

For each file, medians of --runs runs with a warm page cache:
  tensorio.load           the dict of arrays (zero-copy views; deflated members inflated)
  load + first touch      the same, then every byte of every array summed
  NumPy                   np.load (npz: every member read; a folder of .npy: np.load of each
                          file with mmap_mode="r"), then the same sum
The checkpoint holds bfloat16 tensors, which NumPy cannot represent: without ml_dtypes the files
that hold them are loaded with framework="torch" (exact bfloat16, copy-on-write; the "fw"
column says which), and NumPy's side reads them as 2-byte void arrays. The quantized gguf comes
back as MLX's triplets (uint32 packed codes, float16 scales and biases), which PyTorch before 2.3
cannot hold (no uint32): it is loaded as NumPy.
"""
import argparse
import os
import statistics
import time

import numpy as np

import tensorio


def framework(path):
    """NumPy, unless the file holds a dtype NumPy lacks (bfloat16 without ml_dtypes)."""
    try:
        tensorio_load(path, "numpy")
        return "numpy"
    except TypeError:
        return "torch"


def touch(values):
    """Reads every byte (as 64-bit words where the size allows)."""
    acc = 0
    for v in values:
        if isinstance(v, np.ndarray):
            raw = v.reshape(-1).view(np.uint8)
            acc += int(raw.view(np.uint64).sum()) if raw.size % 8 == 0 else int(raw.sum())
        else:  # torch.Tensor
            import torch
            raw = v.reshape(-1).view(torch.uint8)
            acc += int(raw.view(torch.int64).sum()) if raw.numel() % 8 == 0 else int(raw.sum())
    return acc


def median_time(fn, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def tensorio_load(path, fw):
    if os.path.isdir(path):
        return {n: tensorio.load(os.path.join(path, n), framework=fw)
                for n in sorted(os.listdir(path))}
    return tensorio.load(path, framework=fw)


def numpy_load(path):
    if os.path.isdir(path):
        return [np.load(os.path.join(path, n), mmap_mode="r") for n in sorted(os.listdir(path))]
    if path.endswith(".npz"):
        with np.load(path) as z:
            return [z[k] for k in z.files]
    return None  # NumPy reads neither safetensors nor gguf


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()
    print(f"\nPython: tensorio.load beside NumPy, medians of {args.runs} runs")
    print(f"{'file':<30} {'fw':>5} {'tensors':>7} {'load':>10} {'load+touch':>11} {'GB/s':>6} "
          f"{'NumPy':>10} {'NumPy+touch':>12} {'GB/s':>6} {'speed-up':>9}")
    for path in args.paths:
        fw = framework(path)
        first = tensorio_load(path, fw)
        values = list(first.values())
        nbytes = sum((v.nbytes if isinstance(v, np.ndarray) else v.numel() * v.element_size())
                     for v in values)
        del first, values
        t_load = median_time(lambda: tensorio_load(path, fw), args.runs)
        t_touch = median_time(lambda: touch(tensorio_load(path, fw).values()), args.runs)
        name = os.path.basename(path.rstrip("/"))
        line = (f"{name:<30} {fw:>5} {len(tensorio_load(path, fw)):>7} {t_load * 1e3:>8.2f}ms "
                f"{t_touch * 1e3:>9.1f}ms {nbytes / t_touch / 1e9:>6.2f}")
        if numpy_load(path) is not None:
            t_np = median_time(lambda: numpy_load(path), args.runs)
            t_np_touch = median_time(lambda: touch(numpy_load(path)), args.runs)
            line += (f" {t_np * 1e3:>8.2f}ms {t_np_touch * 1e3:>10.1f}ms "
                     f"{nbytes / t_np_touch / 1e9:>6.2f} {t_np_touch / t_touch:>8.2f}x")
        else:
            line += f" {'—':>10} {'—':>12} {'':>6} {'':>9}"
        print(line, flush=True)
    print("speed-up: NumPy's load + touch time over tensorio's (higher is better)")


if __name__ == "__main__":
    main()
