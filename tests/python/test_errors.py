"""Errors: tensorio.Error with the C++ code and message, OS errors as OSError subclasses, and
every malformed file of the repository's corpora giving the code the C++ tests expect."""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pytest

import tensorio
from conftest import ROOT

CORPUS = pathlib.Path(ROOT) / "tests" / "corpus"
FORMAT_OF = {".npy": "npy", ".npz": "npz", ".safetensors": "safetensors", ".gguf": "gguf"}


def corpus_files(kind):
    """Files under a `kind` ('bad' or 'good') directory, as tests/tools/corpus_replay.cpp finds
    them (hidden files skipped)."""
    return sorted(p for p in CORPUS.rglob("*")
                  if p.is_file() and kind in p.relative_to(CORPUS).parts
                  and not p.name.startswith("."))


def stated_code(path):
    """The ErrorCode a bad file's name states: `<error_code>__<what>.<ext>`."""
    prefix, sep, _ = path.name.partition("__")
    assert sep and prefix, f"{path}: a bad/ file must be named <error_code_name>__<what>"
    return prefix


def read_fully(file):
    """Everything a user can reach of a loaded file (so a payload error cannot hide)."""
    arrays = file if isinstance(file, dict) else {"": file}
    for a in arrays.values():
        np.asarray(a).tobytes()


BAD = corpus_files("bad")
GOOD = corpus_files("good")


def test_the_corpus_is_there():
    assert len(BAD) > 100 and len(GOOD) > 10
    codes = set(tensorio._tensorio.error_code_names())
    for p in BAD:
        assert stated_code(p) in codes, p


@pytest.mark.parametrize("path", BAD, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_malformed_corpus_file_raises_its_code(path):
    want = stated_code(path)
    fmt = None if path.suffix in FORMAT_OF or path.name.endswith(".index.json") else "npy"
    with pytest.raises(tensorio.Error) as e:
        try:
            read_fully(tensorio.load(path, format=fmt))
        except TypeError:  # a dtype NumPy lacks: read the same file as PyTorch would
            read_fully(tensorio.load(path, format=fmt, framework="torch"))
        # Loaded: the problem is one only a full read finds (a stored member's CRC).
        read_fully(tensorio.load(path, format=fmt, verify_crc=True))
    assert e.value.code == want, f"{path.name}: {e.value}"
    assert isinstance(e.value, ValueError)
    assert str(e.value) and e.value.reason
    # The same code through open() + verify(), the lazy path.
    try:
        problems = tensorio.verify(path, format=fmt)
    except tensorio.Error as e2:
        assert e2.code == want
    else:
        assert problems, f"{path.name}: verify() found nothing"


@pytest.mark.parametrize("path", GOOD, ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_good_corpus_file_loads(path):
    fmt = None if path.suffix in FORMAT_OF or path.name.endswith(".index.json") else "npy"
    try:
        loaded = tensorio.load(path, format=fmt)
    except (TypeError, tensorio.Error) as e:
        # A dtype NumPy lacks (bfloat16/float8 without ml_dtypes, float4/float6) or a gguf
        # codebook type tensorio cannot dequantize: named, with the ways out; the stored bytes
        # of every tensor stay reachable.
        assert isinstance(e, TypeError) or e.code == "unsupported_dtype", e
        assert ".raw(" in str(e)
        with tensorio.open(path, format=fmt) as f:
            for k in f:
                assert f.raw(k).nbytes == f.info(k).nbytes
        return
    except ValueError as e:
        if "NumPy cannot create" not in str(e):
            raise
        # A shape NumPy cannot create (a zero dimension beside overflowing ones, which gguf
        # allows): named, with the way to the stored bytes.
        assert ".raw(" in str(e)
        with tensorio.open(path, format=fmt) as f:
            for k in f:
                assert f.raw(k).nbytes == f.info(k).nbytes
        return
    read_fully(loaded)
    assert tensorio.verify(path, format=fmt) == []


def test_fuzz_finds_never_crash_the_interpreter():
    """Corpus files outside good/ and bad/ (fuzzing finds) may load or fail, but only with
    tensorio.Error or TypeError; each runs in a child interpreter so a crash is seen as such."""
    others = sorted(p for p in CORPUS.rglob("*") if p.is_file() and not p.name.startswith(".")
                    and "good" not in p.parts and "bad" not in p.parts and p.suffix != ".py")
    assert others
    script = (
        "import sys, numpy as np, tensorio\n"
        "for p in sys.argv[1:]:\n"
        "    fmt = p.split('/')[-2] if p.split('/')[-2] in ('npy','npz','safetensors','gguf')"
        " else 'safetensors'\n"
        "    try:\n"
        "        d = tensorio.load(p, format=fmt)\n"
        "        [np.asarray(a).tobytes() for a in (d.values() if isinstance(d, dict) else [d])]\n"
        "    except (tensorio.Error, TypeError):\n"
        "        pass\n"
        "print('done')\n")
    p = subprocess.run([sys.executable, "-c", script, *map(str, others)], capture_output=True,
                       text=True)
    assert p.returncode == 0 and p.stdout.strip() == "done", p.stderr[-2000:]


def test_error_carries_code_file_offset_and_reason(workdir):
    with open("t.safetensors", "wb") as f:
        f.write((1000).to_bytes(8, "little") + b"{}")
    with pytest.raises(tensorio.Error) as e:
        tensorio.load("t.safetensors")
    err = e.value
    assert err.code == "out_of_bounds"
    assert err.file.endswith("t.safetensors") and "t.safetensors" in str(err)
    assert isinstance(err.offset, int) and err.reason and err.reason in str(err)
    assert type(err).__module__ == "tensorio" and issubclass(tensorio.Error, ValueError)


def test_missing_file_and_directory(workdir):
    for name in ("nope.npy", "nope.npz", "nope.safetensors", "nope.gguf",
                 "nope.safetensors.index.json"):
        with pytest.raises(FileNotFoundError) as e:
            tensorio.load(name)
        assert e.value.filename.endswith(name)
        with pytest.raises(FileNotFoundError):
            tensorio.open(name)
    os.mkdir("d.npy")
    with pytest.raises(IsADirectoryError):
        tensorio.load("d.npy")
    with pytest.raises(FileNotFoundError):
        tensorio.save("no/such/dir/a", np.zeros(1))


def test_permission_errors():
    """As an unprivileged user (a child process: root would bypass the permissions), in a
    directory of its own that the child can enter."""
    work = tempfile.mkdtemp(prefix="tensorio-perm-")
    try:
        os.chmod(work, 0o755)
        tensorio.save(os.path.join(work, "secret"), np.zeros(3))
        os.chmod(os.path.join(work, "secret.npy"), 0o000)
        os.mkdir(os.path.join(work, "ro"), 0o555)
        code = (
            "import numpy as np, tensorio\n"
            "try:\n    tensorio.load('secret.npy')\nexcept PermissionError:\n"
            "    print('load ok')\n"
            "try:\n    tensorio.save('ro/x', np.zeros(1))\nexcept PermissionError:\n"
            "    print('save ok')\n")
        kwargs = {}
        if os.geteuid() == 0:
            kwargs = {"user": 65534, "group": 65534, "extra_groups": []}
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           cwd=work, **kwargs)
        assert p.stdout.split("\n")[:2] == ["load ok", "save ok"], p.stderr
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_failed_saves_leave_the_target_untouched(workdir):
    tensorio.save_safetensors("keep", {"a": np.ones(3, np.float32)})
    before = open("keep.safetensors", "rb").read()
    with pytest.raises(tensorio.Error):
        tensorio.save_safetensors("keep", {"a": np.ones(3, np.float32),
                                           "c": np.ones(2, np.complex128)})
    with pytest.raises(tensorio.Error):
        tensorio.save_safetensors("keep", {"a": np.array(["s"])})
    with pytest.raises(TypeError):
        tensorio.save_safetensors("keep", {"a": np.array([None])})
    assert open("keep.safetensors", "rb").read() == before
    assert sorted(os.listdir()) == ["keep.safetensors"]


def test_bfloat16_without_ml_dtypes_is_a_type_error_naming_the_ways_out(workdir):
    try:
        import ml_dtypes  # noqa: F401
        pytest.skip("ml_dtypes is installed: bfloat16 loads as ml_dtypes.bfloat16")
    except ImportError:
        pass
    np.save("b.npy", np.zeros(4, np.uint16).view("V2"))
    with pytest.raises(TypeError) as e:
        tensorio.load("b.npy")
    msg = str(e.value)
    assert "'b'" in msg and "bfloat16" in msg and 'framework="torch"' in msg and ".raw(" in msg


def test_bfloat16_and_float8_come_from_ml_dtypes_when_importable(workdir, monkeypatch):
    """ml_dtypes is not packaged for Debian 12, so a stand-in module provides the dtypes (2-
    and 1-byte void types): what matters is that load() presents the tensors with whatever
    dtype ml_dtypes gives, over the same bytes."""
    import types
    from tensorio import _frameworks
    fake = types.ModuleType("ml_dtypes")
    fake.bfloat16 = np.dtype("V2")
    fake.float8_e4m3fn = np.dtype("V1")
    monkeypatch.setitem(sys.modules, "ml_dtypes", fake)
    _frameworks.numpy_policy.cache_clear()
    try:
        bits = np.array([0x3F80, 0xC000, 0x7FC0], np.uint16)
        np.save("b.npy", bits.view("V2"))
        got = tensorio.load("b.npy")
        assert got.dtype == fake.bfloat16 and got.view(np.uint16).tolist() == bits.tolist()
        assert not got.flags.writeable
        with open("f8.safetensors", "wb") as f:
            header = b'{"x":{"dtype":"F8_E4M3","shape":[3],"data_offsets":[0,3]}}'
            header += b" " * (-len(header) % 8)
            f.write(len(header).to_bytes(8, "little") + header + bytes([0x38, 0xB8, 0x7E]))
        x = tensorio.load("f8.safetensors")["x"]
        assert x.dtype == fake.float8_e4m3fn and x.view(np.uint8).tolist() == [0x38, 0xB8, 0x7E]
    finally:
        _frameworks.numpy_policy.cache_clear()
