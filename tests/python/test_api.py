"""MLX's API: the seed examples, extension handling, format override, metadata, names."""
import os
import pathlib

import numpy as np
import pytest

import tensorio
from conftest import sample, same


def test_seed_examples_verbatim(workdir):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([1, 2, 3], dtype=np.int32)
    tensorio.save("array", a)
    assert os.path.exists("array.npy")
    assert same(tensorio.load("array.npy"), a)
    tensorio.savez("arrays", a, b=b)
    loaded = tensorio.load("arrays.npz")
    assert loaded.keys() == {"arr_0", "b"}
    assert same(loaded["arr_0"], a) and same(loaded["b"], b)
    tensorio.save_safetensors("arrays", {"a": a, "b": b})
    assert os.path.exists("arrays.safetensors")
    loaded = tensorio.load("arrays.safetensors")
    assert same(loaded["a"], a) and same(loaded["b"], b)
    tensorio.save_gguf("arrays", {"a": a, "b": b})
    assert os.path.exists("arrays.gguf")
    loaded = tensorio.load("arrays.gguf")
    assert same(loaded["a"], a) and same(loaded["b"], b)


def test_extension_is_appended_exactly_as_mlx_does(workdir):
    a = np.zeros(2, np.float32)
    tensorio.save("x.npy", a)  # already there: kept
    tensorio.save("y.txt", a)  # MLX appends to any other name
    tensorio.save("Z.NPY", a)  # case-sensitive, as in MLX
    tensorio.savez("p.npz", a)
    tensorio.savez_compressed("q", a)
    tensorio.save_safetensors("r.safetensors", {"a": a})
    tensorio.save_gguf("s.bin", {"a": a})
    assert sorted(os.listdir()) == sorted(
        ["x.npy", "y.txt.npy", "Z.NPY.npy", "p.npz", "q.npz", "r.safetensors", "s.bin.gguf"])


def test_pathlike_everywhere(workdir):
    p = pathlib.Path(workdir) / "sub"
    p.mkdir()
    a = sample("float32", (3,))
    tensorio.save(p / "a", a)
    tensorio.save_safetensors(p / "b", {"a": a})
    assert same(tensorio.load(p / "a.npy"), a)
    assert same(tensorio.load(p / "b.safetensors")["a"], a)
    with tensorio.open(p / "b.safetensors") as f:
        assert same(f["a"], a)


def test_file_objects_and_other_types_are_type_errors(workdir):
    with pytest.raises(TypeError):
        tensorio.load(123)
    with open("f.npy", "wb") as f, pytest.raises(TypeError):
        tensorio.save(f, np.zeros(1))


def test_savez_order_and_positional_clash(workdir):
    a, b, c = np.zeros(1), np.ones(1), np.full(1, 2.0)
    tensorio.savez("z", a, b, k=c)
    with np.load("z.npz") as z:
        assert z.files == ["k", "arr_0", "arr_1"]  # NumPy's own order
    np.savez("n.npz", a, b, k=c)
    assert list(tensorio.load("n.npz")) == ["k", "arr_0", "arr_1"]
    with pytest.raises(ValueError, match="arr_0"):
        tensorio.savez("bad", a, arr_0=b)
    assert not os.path.exists("bad.npz")


def test_format_override_and_inference_errors(workdir):
    a = sample("float32", (2, 2))
    tensorio.save_safetensors("w", {"a": a})
    os.rename("w.safetensors", "weights.bin")
    assert same(tensorio.load("weights.bin", format="safetensors")["a"], a)
    with pytest.raises(ValueError, match="'npy', 'npz', 'safetensors' or 'gguf'"):
        tensorio.load("weights.bin")
    os.rename("weights.bin", "noext")
    with pytest.raises(ValueError, match="'npy', 'npz', 'safetensors' or 'gguf'"):
        tensorio.load("noext")
    with pytest.raises(ValueError, match="'npy', 'npz', 'safetensors' or 'gguf'"):
        tensorio.load("noext", format="pickle")
    assert same(tensorio.load("noext", format="safetensors")["a"], a)
    # A format the bytes are not: the library's validation says so.
    with pytest.raises(tensorio.Error):
        tensorio.load("noext", format="gguf")


def test_return_metadata(workdir):
    a = sample("float32", (2,))
    tensorio.save_safetensors("s", {"a": a}, metadata={"format": "mlx", "note": "é"})
    arrays, md = tensorio.load("s.safetensors", return_metadata=True)
    assert md == {"format": "mlx", "note": "é"} and same(arrays["a"], a)
    arrays, md = tensorio.load("s.safetensors", None, True)  # MLX's positional form
    assert md["format"] == "mlx"
    tensorio.save("n", a)
    tensorio.savez("z", a)
    for f in ("n.npy", "z.npz"):
        with pytest.raises(ValueError, match="metadata not supported"):
            tensorio.load(f, return_metadata=True)
    with pytest.raises(ValueError, match="string keys and values"):
        tensorio.save_safetensors("bad", {"a": a}, metadata={"testing": 0})


def test_gguf_metadata_round_trip(workdir):
    md = {
        "general.name": "tiny",
        "tokens": ["a", "b", "ü"],
        "n": 7, "big": 2**40, "neg": -3,
        "f": 0.5, "flag": True,
        "ints": [1, 2, 3], "floats": [0.5, 1.5], "bools": [True, False],
        "u8": np.uint8(200), "i64arr": np.array([-1, 2**62], np.int64),
        "f64": np.float64(1e300), "u32arr": np.array([1, 2], np.uint32),
    }
    tensorio.save_gguf("m", {"w": np.zeros((2, 32), np.float32)}, md)
    _, got = tensorio.load("m.gguf", return_metadata=True)
    assert list(got) == list(md)
    assert got["general.name"] == "tiny" and got["tokens"] == ["a", "b", "ü"]
    assert got["n"] == 7 and got["big"] == 2**40 and got["neg"] == -3
    assert got["f"] == 0.5 and got["flag"] is True
    assert got["ints"] == [1, 2, 3] and got["floats"] == [0.5, 1.5]
    assert got["bools"] == [True, False] and got["u8"] == 200
    assert got["i64arr"] == [-1, 2**62] and got["f64"] == 1e300 and got["u32arr"] == [1, 2]
    for bad in (np.float16(1), np.array([1 + 2j], np.complex64), np.zeros((2, 2), np.int32),
                np.array([], np.int32), []):
        with pytest.raises(ValueError):
            tensorio.save_gguf("bad", {"w": np.zeros(2, np.float32)}, {"k": bad})
    assert not os.path.exists("bad.gguf")


def test_empty_metadata_and_no_metadata(workdir):
    tensorio.save_gguf("e", {"w": np.zeros(2, np.float32)}, {})
    assert tensorio.load("e.gguf", return_metadata=True)[1] == {}
    tensorio.save_safetensors("s", {"w": np.zeros(2, np.float32)})
    assert tensorio.load("s.safetensors", return_metadata=True)[1] == {}


def test_npy_returns_one_array_and_others_a_dict_in_file_order(workdir):
    a = sample("int16", (3,))
    tensorio.save("one", a)
    assert isinstance(tensorio.load("one.npy"), np.ndarray)
    names = [f"t{i:02d}" for i in range(20)][::-1]
    tensorio.save_gguf("many", {n: a for n in names})
    assert list(tensorio.load("many.gguf")) == names


def test_unsupported_objects_to_save_are_type_errors(workdir):
    for bad in (object(), np.array([object()]), np.zeros(2, dtype=[("x", "<f4"), ("o", "O")]),
                {"not": "an array"}):
        with pytest.raises(TypeError):
            tensorio.save("bad", bad)
        with pytest.raises(TypeError):
            tensorio.save_safetensors("bad", {"x": bad})
    # Strings and records are arrays .npy/.npz hold (test_opaque.py); other formats refuse them.
    for opaque in (np.array(["a", "b"]), np.zeros(2, dtype=[("x", "<f4")])):
        with pytest.raises(tensorio.Error) as e:
            tensorio.save_safetensors("bad", {"x": opaque})
        assert e.value.code == "unrepresentable"
    with pytest.raises(TypeError):
        tensorio.save_safetensors("bad", [np.zeros(1)])
    assert not os.path.exists("bad.npy") and not os.path.exists("bad.safetensors")


def test_help_is_useful():
    for f in (tensorio.load, tensorio.save, tensorio.savez, tensorio.savez_compressed,
              tensorio.save_safetensors, tensorio.save_gguf, tensorio.open, tensorio.verify):
        assert f.__doc__ and len(f.__doc__) > 200, f.__name__
    for name in ("get", "get_slice", "raw", "info", "dequantize", "metadata", "keys"):
        assert getattr(tensorio.TensorFile, name).__doc__, name
    assert "ValueError" in tensorio.Error.__doc__ or issubclass(tensorio.Error, ValueError)


def test_the_installed_package_is_under_test():
    """scripts/test-python sets TENSORIO_EXPECT_INSTALLED to the venv it installed into."""
    import os
    venv = os.environ.get("TENSORIO_EXPECT_INSTALLED")
    if not venv:
        pytest.skip("not run by scripts/test-python")
    assert os.path.realpath(tensorio.__file__).startswith(os.path.realpath(venv))
    assert tensorio._tensorio.__file__.startswith(os.path.dirname(tensorio.__file__))


def test_savez_keyword_named_file(workdir):
    tensorio.savez("k", file=np.zeros(2), arr=np.ones(1))
    assert set(tensorio.load("k.npz")) == {"file", "arr"}
