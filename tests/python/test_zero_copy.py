"""Zero-copy, lifetime, read-only arrays, PyTorch's copy-on-write tensors, threads."""
import gc
import hashlib
import os
import sys
import threading
import time

import numpy as np
import pytest

import tensorio
from conftest import requires_torch, sample, same

MIB = 1 << 20


def mappings_of(path):
    """(start, end, perms) of every mapping of `path` in this process."""
    real = os.path.realpath(path)
    out = []
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) == 6 and parts[5].strip() == real:
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                out.append((lo, hi, parts[1]))
    return out


def address(a):
    return a.__array_interface__["data"][0]


def in_mapping(path, addr, perms_prefix=""):
    return any(lo <= addr < hi and perms.startswith(perms_prefix)
               for lo, hi, perms in mappings_of(path))


def resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture()
def big_files(workdir):
    """The same 16 tensors of 2 MiB in safetensors, gguf and stored npz."""
    rng = np.random.default_rng(0)
    arrays = {f"w{i}": rng.standard_normal((512, 1024), dtype=np.float32) for i in range(16)}
    tensorio.save_safetensors("big", arrays)
    tensorio.save_gguf("big", arrays)
    tensorio.savez("big", **arrays)
    return arrays


@pytest.mark.parametrize("name", ["big.safetensors", "big.gguf", "big.npz"])
def test_arrays_point_into_the_mapping_and_load_reads_nothing(big_files, name):
    size = os.path.getsize(name)
    open(name, "rb").read()  # in the page cache, so only mapping it could make it resident
    gc.collect()
    before = resident_bytes()
    arrays = tensorio.load(name)
    grown = resident_bytes() - before
    assert grown < size * 0.05, f"load made {grown} bytes resident of a {size}-byte file"
    for k, a in arrays.items():
        assert in_mapping(name, address(a), "r--"), k
        assert not a.flags.writeable and not a.flags.owndata
    total = sum(float(a.sum(dtype=np.float64)) for a in arrays.values())  # first touch
    assert resident_bytes() - before > size * 0.5
    assert total == pytest.approx(sum(float(v.sum(dtype=np.float64))
                                      for v in big_files.values()))


def test_arrays_are_read_only(big_files):
    a = tensorio.load("big.safetensors")["w0"]
    with pytest.raises(ValueError, match="read-only"):
        a[0, 0] = 1
    with pytest.raises(ValueError):
        a.setflags(write=True)
    with pytest.raises(ValueError, match="read-only"):
        a[1:3][0, 0] = 1
    # Transformed payloads are read-only too.
    np.savez_compressed("c.npz", x=np.arange(10))
    c = tensorio.load("c.npz")["x"]
    assert not c.flags.writeable
    with pytest.raises(ValueError):
        c[0] = 5


@pytest.mark.parametrize("name", ["big.safetensors", "big.gguf", "big.npz"])
def test_a_kept_array_outlives_the_dict_and_the_open_object(big_files, name):
    arrays = tensorio.load(name)
    kept = arrays["w3"]
    kept_slice = arrays["w5"][10:20, ::3]
    del arrays
    with tensorio.open(name) as f:
        from_open = f["w7"]
        rows = f.get_slice("w9")[100:200]
    del f
    gc.collect()
    assert same(kept, big_files["w3"])
    assert same(kept_slice, big_files["w5"][10:20, ::3])
    assert same(from_open, big_files["w7"])
    assert same(rows, big_files["w9"][100:200])
    assert mappings_of(name)
    del kept, kept_slice, from_open, rows
    gc.collect()
    assert not mappings_of(name), "the mapping outlived every array"


def test_open_after_close_raises_but_arrays_survive(big_files):
    f = tensorio.open("big.safetensors")
    a = f["w0"]
    f.close()
    with pytest.raises(ValueError, match="closed"):
        f["w0"]
    assert same(a, big_files["w0"])


def test_transformed_payloads_materialize_once_in_parallel(workdir):
    arrays = {f"m{i}": sample("float64", (300, 70), seed=i) for i in range(40)}
    np.savez_compressed("c.npz", **arrays)
    np.save("be.npy", arrays["m0"].astype(">f8"))
    loaded = tensorio.load("c.npz")
    for k, a in arrays.items():
        assert same(loaded[k], a)
        assert not in_mapping("c.npz", address(loaded[k]))  # inflated into memory
    assert same(tensorio.load("be.npy"), arrays["m0"])


def test_eight_threads_load_the_same_files(workdir):
    rng = np.random.default_rng(1)
    arrays = {f"w{i}": rng.standard_normal((64, 96), dtype=np.float32) for i in range(40)}
    tensorio.save_safetensors("s", arrays)
    tensorio.save_gguf("g", arrays)
    tensorio.savez("n", **arrays)
    np.savez_compressed("c.npz", **arrays)
    np.save("be.npy", arrays["w0"].astype(">f4"))
    files = ["s.safetensors", "g.gguf", "n.npz", "c.npz", "be.npy"]
    expect = {f: {k: hashlib.sha256(v.tobytes()).hexdigest() for k, v in arrays.items()}
              for f in files}
    expect["be.npy"] = {"be": hashlib.sha256(arrays["w0"].tobytes()).hexdigest()}
    barrier = threading.Barrier(8)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            for _ in range(3):
                for f in files:
                    got = tensorio.load(f)
                    got = got if isinstance(got, dict) else {"be": got}
                    results.append((f, {k: hashlib.sha256(v.tobytes()).hexdigest()
                                        for k, v in got.items()}))
                    with tensorio.open(f) as tf:
                        results.append((f, {k: hashlib.sha256(tf[k].tobytes()).hexdigest()
                                            for k in tf}))
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 8 * 3 * len(files) * 2
    for f, hashes in results:
        assert hashes == expect[f], f


@requires_torch
@pytest.mark.parametrize("name", ["big.safetensors", "big.gguf", "big.npz"])
def test_torch_writes_copy_on_write_and_never_change_the_file(big_files, name):
    import torch
    before = digest(name)
    tensors = tensorio.load(name, framework="torch")
    t = tensors["w2"]
    assert isinstance(t, torch.Tensor)
    # Zero-copy: the tensor's memory is a private (copy-on-write) mapping of the file.
    assert in_mapping(name, t.data_ptr(), "rw-p")
    t[0, 0] = 12345.0
    t.mul_(2)
    assert float(t[0, 0]) == 24690.0
    assert digest(name) == before
    again = tensorio.load(name)["w2"]
    assert same(again, big_files["w2"])
    with tensorio.open(name, framework="torch") as f:
        u = f["w2"]
        u += 1
        assert torch.equal(f["w2"], torch.from_numpy(big_files["w2"]))
        r = f.get_slice("w2")[0:4]
        r.zero_()
    assert digest(name) == before


@requires_torch
def test_torch_writes_into_transformed_payloads_stay_private(workdir):
    import torch
    x = np.arange(100, dtype=np.float32)
    np.savez_compressed("c.npz", x=x)
    np.save("be.npy", x.astype(">f4"))
    for name in ("c.npz", "be.npy"):
        before = digest(name)
        with tensorio.open(name, framework="torch") as f:
            key = next(iter(f))
            t = f[key]
            t += 1
            assert torch.equal(f[key], torch.from_numpy(x))  # a copy each time from open()
        loaded = tensorio.load(name, framework="torch")
        t = loaded if isinstance(loaded, torch.Tensor) else loaded["x"]
        t += 1
        assert torch.equal(t, torch.from_numpy(x + 1))
        assert digest(name) == before


@pytest.mark.parametrize("saver", ["savez_compressed", "save_safetensors"])
def test_the_gil_is_released_while_saving(workdir, saver):
    """While a save runs in one thread, this thread must see its temp file: it could not run
    at all (and would only ever see the renamed result) if the save held the GIL."""
    rng = np.random.default_rng(4)
    arrays = {f"w{i}": rng.standard_normal((1024, 1024), dtype=np.float32) for i in range(8)}
    target = "g.npz" if saver == "savez_compressed" else "g.safetensors"
    done = threading.Event()

    def save():
        try:
            if saver == "savez_compressed":
                tensorio.savez_compressed("g", **arrays)
            else:
                tensorio.save_safetensors("g", arrays)
        finally:
            done.set()

    t = threading.Thread(target=save)
    t.start()
    seen = False
    while not done.is_set():
        if any(n.startswith(f".{target}") for n in os.listdir(".")):
            seen = True
            break
    t.join()
    assert seen, "the saving thread held the GIL for the whole write"
    assert os.path.exists(target)


def test_the_gil_is_released_while_inflating(workdir):
    """A load that inflates runs beside a Python thread that keeps counting."""
    rng = np.random.default_rng(5)
    np.savez_compressed("c.npz", **{f"w{i}": rng.standard_normal(1 << 20) for i in range(16)})
    ticks = []
    started, done = threading.Event(), threading.Event()

    def count():
        started.set()
        while not done.is_set():
            ticks.append(1)
            time.sleep(0)

    counter = threading.Thread(target=count)
    counter.start()
    started.wait()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(10.0)  # without a release inside load(), the counter never runs
    try:
        before = len(ticks)
        tensorio.load("c.npz")
        during = len(ticks) - before
    finally:
        sys.setswitchinterval(interval)
        done.set()
        counter.join()
    assert during > 0
