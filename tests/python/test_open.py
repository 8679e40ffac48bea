"""tensorio.open: the lazy, read-only Mapping (safetensors' safe_open for every format)."""
from collections.abc import Mapping

import numpy as np
import pytest

import tensorio
from conftest import requires_torch, same


@pytest.fixture()
def files(workdir):
    rng = np.random.default_rng(3)
    arrays = {"emb": rng.standard_normal((50, 16), dtype=np.float32),
              "bias": np.arange(7, dtype=np.int64),
              "scalar": np.array(2.5, np.float64)}
    tensorio.save_safetensors("m", arrays, metadata={"format": "np"})
    tensorio.save_gguf("m", {k: v for k, v in arrays.items()}, {"general.name": "m"})
    tensorio.savez("m", **arrays)
    np.savez_compressed("mc.npz", **arrays)
    return arrays


@pytest.mark.parametrize("name", ["m.safetensors", "m.gguf", "m.npz", "mc.npz"])
def test_mapping_protocol(files, name):
    with tensorio.open(name) as f:
        assert isinstance(f, Mapping)
        assert set(f.keys()) == set(files) and len(f) == len(files)
        assert "emb" in f and "nope" not in f and 3 not in f
        for k, v in files.items():
            assert same(f[k], v) and same(f.get(k), v)
        assert f.get("nope") is None and f.get("nope", 7) == 7
        with pytest.raises(KeyError):
            f["nope"]
        assert dict(f.items()).keys() == files.keys()
        info = f.info("emb")
        assert info.dtype == "float32" and info.shape == (50, 16)
        assert info.nbytes == 50 * 16 * 4 if name != "mc.npz" else info.nbytes > 0
        assert f.format == name.split(".")[1]
        assert f.verify() == []


def test_metadata(files):
    with tensorio.open("m.safetensors") as f:
        assert f.metadata() == {"format": "np"}
    with tensorio.open("m.gguf") as f:
        assert f.metadata() == {"general.name": "m"}
    with tensorio.open("m.npz") as f:
        assert f.metadata() == {}


@pytest.mark.parametrize("name", ["m.safetensors", "m.gguf", "m.npz", "mc.npz"])
def test_get_slice(files, name):
    emb = files["emb"]
    with tensorio.open(name) as f:
        s = f.get_slice("emb")
        assert s.get_shape() == [50, 16] and s.get_dtype() == "float32" and len(s) == 50
        cases = [np.s_[3:9], np.s_[-5:], np.s_[:], np.s_[10:2], np.s_[4], np.s_[-1],
                 np.s_[2:20:3], np.s_[::-4], np.s_[5:7, 3:10], np.s_[..., 2:4], np.s_[1, 2],
                 np.s_[48:100], np.s_[3:9, ::2]]
        for key in cases:
            assert same(s[key], emb[key]), key
        rows = s[3:9]
        if name in ("m.safetensors", "m.gguf", "m.npz"):
            assert not rows.flags.writeable  # zero-copy rows of the mapping
        with pytest.raises(IndexError):
            s[50]
        with pytest.raises(IndexError):
            s[1, 2, 3]
        with pytest.raises(TypeError):
            s["a"]
        assert same(f.get_slice("scalar")[()], files["scalar"])


def test_raw_is_the_stored_bytes(files):
    with tensorio.open("m.safetensors") as f:
        raw = f.raw("emb")
        assert raw.dtype == np.uint8 and raw.tobytes() == files["emb"].tobytes()
        assert not raw.flags.writeable
    np.save("be.npy", files["emb"].astype(">f4"))
    with tensorio.open("be.npy") as f:
        assert f.raw("be").tobytes() == files["emb"].astype(">f4").tobytes()
        assert same(f["be"], files["emb"])


def test_dequantize_float_inputs(files):
    tensorio.save_gguf("h", {"h": files["emb"].astype(np.float16)})
    with tensorio.open("h.gguf") as f:
        out = f.dequantize("h")
        assert out.dtype == np.float32 and np.array_equal(out, files["emb"].astype(np.float16))
        with pytest.raises(tensorio.Error) as e:
            tensorio.save_gguf("i", {"i": np.arange(4, dtype=np.int32)})
            with tensorio.open("i.gguf") as g:
                g.dequantize("i")
        assert e.value.code == "unsupported_dtype"


def test_closed_and_repr(files):
    f = tensorio.open("m.safetensors")
    assert "m.safetensors" in repr(f) and not f.closed
    f.close()
    assert f.closed and "closed" in repr(f)
    for call in (lambda: f["emb"], lambda: f.keys() and list(f), lambda: f.metadata(),
                 lambda: f.info("emb"), lambda: f.raw("emb"), lambda: len(f)):
        with pytest.raises(ValueError, match="closed"):
            call()


def test_open_validates_the_header_at_once(workdir):
    with open("bad.safetensors", "wb") as fh:
        fh.write((8).to_bytes(8, "little") + b"{]      ")
    with pytest.raises(tensorio.Error) as e:
        tensorio.open("bad.safetensors")
    assert e.value.code == "bad_json"


@requires_torch
def test_torch_framework_default_and_override(files):
    import torch
    with tensorio.open("m.safetensors", framework="torch") as f:
        assert isinstance(f["emb"], torch.Tensor)
        assert isinstance(f.get("emb", framework="numpy"), np.ndarray)
        assert isinstance(f.get_slice("emb")[1:3], torch.Tensor)
        assert torch.equal(f.get_slice("emb")[::-2], torch.from_numpy(files["emb"][::-2].copy()))
        assert isinstance(f.dequantize("emb"), torch.Tensor)
