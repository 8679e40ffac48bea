"""Round trips of every dtype in every format, against NumPy's own np.load / np.save /
np.savez and against the C++ reader and writer (the tensorio CLI)."""
import numpy as np
import pytest

import tensorio
from conftest import sample, same

NUMPY_DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                "float16", "float32", "float64", "complex64", "complex128"]
SHAPES = [(), (0,), (7,), (2, 3, 4), (3, 0, 2)]
# What each format can hold (of the NumPy dtypes); the rest must be refused as unrepresentable.
HOLDS = {
    "npy": set(NUMPY_DTYPES),
    "npz": set(NUMPY_DTYPES),
    "safetensors": set(NUMPY_DTYPES) - {"complex128"},
    "gguf": {"int8", "int16", "int32", "int64", "float16", "float32", "float64"},
}


def arrays_of(dtype):
    return {f"t{i}": sample(dtype, shape, seed=i) for i, shape in enumerate(SHAPES)}


@pytest.mark.parametrize("dtype", NUMPY_DTYPES)
def test_npy_is_byte_identical_to_numpy_and_loads_back(workdir, cli, dtype):
    for i, shape in enumerate(SHAPES):
        a = sample(dtype, shape, seed=i)
        tensorio.save(f"ours{i}", a)
        np.save(f"theirs{i}.npy", a)
        assert open(f"ours{i}.npy", "rb").read() == open(f"theirs{i}.npy", "rb").read()
        assert same(np.load(f"ours{i}.npy"), a)
        assert same(tensorio.load(f"theirs{i}.npy"), a)
        # The C++ reader and writer (the CLI) on what Python wrote.
        cli("convert", f"ours{i}.npy", f"cpp{i}.npy")
        assert same(np.load(f"cpp{i}.npy"), a)


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("dtype", NUMPY_DTYPES)
def test_npz_against_numpy_both_ways(workdir, cli, dtype, compressed):
    arrays = arrays_of(dtype)
    ours = tensorio.savez_compressed if compressed else tensorio.savez
    theirs = np.savez_compressed if compressed else np.savez
    ours("ours", **arrays)
    theirs("theirs.npz", **arrays)
    with np.load("ours.npz") as z:
        assert sorted(z.files) == sorted(arrays)
        for k, a in arrays.items():
            assert same(z[k], a)
    loaded = tensorio.load("theirs.npz")
    assert list(loaded) == list(arrays)
    for k, a in arrays.items():
        assert same(loaded[k], a)
    # The C++ reader and writer (the CLI) on what Python wrote.
    cli("convert", "ours.npz", "cpp.npz")
    with np.load("cpp.npz") as z:
        for k, a in arrays.items():
            assert same(z[k], a)


@pytest.mark.parametrize("fmt", ["safetensors", "gguf"])
@pytest.mark.parametrize("dtype", NUMPY_DTYPES)
def test_safetensors_and_gguf_against_the_cpp_reader_and_writer(workdir, cli, dtype, fmt):
    arrays = arrays_of(dtype)
    save = tensorio.save_safetensors if fmt == "safetensors" else tensorio.save_gguf
    if dtype not in HOLDS[fmt]:
        with pytest.raises(tensorio.Error) as e:
            save("x", arrays)
        assert e.value.code == "unrepresentable"
        return
    save("x", arrays)
    # Python writer -> Python reader
    loaded = tensorio.load(f"x.{fmt}")
    assert set(loaded) == set(arrays)
    for k, a in arrays.items():
        assert same(loaded[k], a)
    # Python writer -> C++ reader (converted to .npz by the CLI, read by NumPy)
    cli("convert", f"x.{fmt}", "cpp.npz")
    with np.load("cpp.npz") as z:
        for k, a in arrays.items():
            assert same(z[k], a)
    # C++ writer (from a NumPy-written .npz) -> Python reader
    np.savez("src.npz", **arrays)
    cli("convert", "src.npz", f"cpp.{fmt}")
    loaded = tensorio.load(f"cpp.{fmt}")
    for k, a in arrays.items():
        assert same(loaded[k], a)


def test_cpp_reader_sees_what_python_wrote_in_every_format(workdir, cli):
    a = sample("float32", (4, 5))
    tensorio.save("a", a)
    tensorio.savez("b", w=a)
    tensorio.savez_compressed("c", w=a)
    tensorio.save_safetensors("d", {"w": a})
    tensorio.save_gguf("e", {"w": a})
    for f in ("a.npy", "b.npz", "c.npz", "d.safetensors", "e.gguf"):
        out = cli("inspect", "--json", f)
        assert "float32" in out and "[4, 5]" in out.replace("[4,5]", "[4, 5]")
        assert cli("verify", f).strip() == "" or "ok" in cli("verify", f).lower()


@pytest.mark.parametrize("saver", ["npy", "npz", "safetensors", "gguf"])
def test_strided_fortran_and_big_endian_inputs_are_saved_by_value(workdir, saver):
    base = sample("float32", (6, 8))
    inputs = {
        "transposed": base.T,
        "strided": base[::2, 1::3],
        "big_endian": base.astype(">f4"),
        "broadcast": np.broadcast_to(base[0], (3, 8)),
        "fortran": np.asfortranarray(base),
        "from_list": [[1.5, 2.5], [3.5, 4.5]],
        "scalar": 3.25,
    }
    for name, value in inputs.items():
        expect = np.asarray(value).astype("<f8" if name in ("from_list", "scalar") else "<f4")
        if saver == "npy":
            tensorio.save(name, value)
            got = np.load(f"{name}.npy")
        elif saver == "npz":
            tensorio.savez(name, value)
            got = np.load(f"{name}.npz")["arr_0"]
        elif saver == "safetensors":
            tensorio.save_safetensors(name, {"v": value})
            got = tensorio.load(f"{name}.safetensors")["v"]
        else:
            tensorio.save_gguf(name, {"v": value})
            got = tensorio.load(f"{name}.gguf")["v"]
        assert same(got, expect), name


def test_npy_transformed_payloads_load_by_value(workdir):
    a = sample("int32", (5, 7))
    np.save("be.npy", a.astype(">i4"))
    np.save("f.npy", np.asfortranarray(a))
    np.save("bef.npy", np.asfortranarray(a.astype(">i4")))
    for f in ("be.npy", "f.npy", "bef.npy"):
        got = tensorio.load(f)
        assert got.dtype == np.dtype("<i4") and np.array_equal(got, a)
        assert not got.flags.writeable and got.flags.c_contiguous


def test_sharded_safetensors_index(workdir, cli):
    arrays = {f"layer{i}.weight": sample("float32", (64, 32), seed=i) for i in range(6)}
    np.savez("src.npz", **arrays)
    cli("convert", "src.npz", "model.safetensors.index.json", "--max-shard-size", "20000")
    shards = sorted(p.name for p in workdir.glob("model-*.safetensors"))
    assert len(shards) > 1
    loaded, metadata = tensorio.load("model.safetensors.index.json", return_metadata=True)
    assert set(loaded) == set(arrays)
    for k, a in arrays.items():
        assert same(loaded[k], a)
    with tensorio.open("model.safetensors.index.json") as f:
        assert set(f.keys()) == set(arrays)
        assert same(f["layer3.weight"], arrays["layer3.weight"])
