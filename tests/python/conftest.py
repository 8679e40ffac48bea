"""Shared fixtures of the Python suite (run by scripts/test against the pip-installed package).

TENSORIO_CLI names the C++ command-line tool (the C++ reader and writer the round trips are
checked against); by default the one the normal meson build made in build/src/tensorio.
"""
import os
import subprocess

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli_path():
    return os.environ.get("TENSORIO_CLI") or os.path.join(ROOT, "build", "src", "tensorio")


@pytest.fixture(scope="session")
def cli():
    """Runs the C++ tensorio CLI; fails the test when it cannot be found (set TENSORIO_CLI)."""
    path = cli_path()
    if not os.access(path, os.X_OK):
        pytest.fail(f"the C++ CLI is needed at {path} (build it with scripts/setup or set "
                    "TENSORIO_CLI)")

    def run(*args):
        p = subprocess.run([path, *map(str, args)], capture_output=True, text=True)
        if p.returncode != 0:
            raise AssertionError(f"tensorio {' '.join(map(str, args))} failed: {p.stderr}")
        return p.stdout
    return run


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    """A fresh current directory (the MLX seed examples use bare names)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def has_torch():
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


def has_ml_dtypes():
    try:
        import ml_dtypes  # noqa: F401
        return True
    except ImportError:
        return False


def bf16_bits(values):
    """float32 values as bfloat16 bit patterns (truncation; the test values are exact)."""
    return np.asarray(np.asarray(values, np.float32).view(np.uint32) >> 16).astype(np.uint16)


def sample(dtype, shape, seed=0):
    """Deterministic values of a NumPy dtype, covering signs, extremes and NaN where they
    exist."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    dt = np.dtype(dtype)
    if dt.kind == "b":
        v = rng.integers(0, 2, n).astype(bool)
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        v = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
        if n >= 2:
            v[0], v[1] = info.min, info.max
    elif dt.kind == "f":
        v = (rng.standard_normal(n) * 100).astype(dt)
        if n >= 3:
            v[0], v[1], v[2] = np.inf, -0.0, np.nan
    else:
        v = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dt)
    return v.reshape(shape)


def same(a, b):
    """Equal dtype, shape and bytes (NaN-safe)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


requires_torch = pytest.mark.skipif(not has_torch(), reason="PyTorch is not installed")
