"""framework="torch": PyTorch tensors in and out, bfloat16 and float16 exact."""
import numpy as np
import pytest

import tensorio
from conftest import bf16_bits, requires_torch, sample

pytestmark = requires_torch

TORCH_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
                "float32", "float64", "complex64", "complex128"]
HOLDS = {
    "npy": set(TORCH_DTYPES), "npz": set(TORCH_DTYPES),
    "safetensors": set(TORCH_DTYPES) - {"complex128"},
    "gguf": {"int8", "int16", "int32", "int64", "float16", "bfloat16", "float32", "float64"},
}


def torch_sample(dtype, shape, seed=0):
    import torch
    if dtype == "bfloat16":
        bits = bf16_bits(sample("float32", shape, seed))
        return torch.from_numpy(bits.view(np.int16).copy()).view(torch.bfloat16)
    return torch.from_numpy(np.ascontiguousarray(sample(dtype, shape, seed)))


def identical(a, b):
    import torch
    return (a.dtype == b.dtype and a.shape == b.shape
            and torch.equal(a.reshape(-1).view(torch.uint8) if a.dtype != torch.bool else a,
                            b.reshape(-1).view(torch.uint8) if b.dtype != torch.bool else b))


@pytest.mark.parametrize("fmt", ["npy", "npz", "npz_compressed", "safetensors", "gguf"])
@pytest.mark.parametrize("dtype", TORCH_DTYPES)
def test_torch_round_trips(workdir, fmt, dtype):
    import torch
    base = fmt.replace("_compressed", "")
    tensors = {f"t{i}": torch_sample(dtype, shape, i)
               for i, shape in enumerate([(), (5,), (3, 4), (2, 0, 3)])}
    if dtype not in HOLDS[base]:
        with pytest.raises(tensorio.Error):
            tensorio.save_safetensors("x", tensors) if base == "safetensors" else \
                tensorio.save_gguf("x", tensors)
        return
    if fmt == "npy":
        for k, t in tensors.items():
            tensorio.save(k, t)
            got = tensorio.load(f"{k}.npy", framework="torch")
            assert isinstance(got, torch.Tensor) and identical(got, t), k
        return
    if fmt == "npz":
        tensorio.savez("x", **tensors)
    elif fmt == "npz_compressed":
        tensorio.savez_compressed("x", **tensors)
    elif fmt == "safetensors":
        tensorio.save_safetensors("x", tensors)
    else:
        tensorio.save_gguf("x", tensors)
    got = tensorio.load(f"x.{base}", framework="torch")
    assert set(got) == set(tensors)
    for k, t in tensors.items():
        assert identical(got[k], t), k


def test_bfloat16_npy_is_mlx_v2_and_numpy_reads_the_bits(workdir):
    import torch
    t = torch_sample("bfloat16", (3, 4))
    tensorio.save("b", t)
    raw = np.load("b.npy")
    assert raw.dtype.kind == "V" and raw.dtype.itemsize == 2
    assert np.array_equal(raw.view(np.int16), t.view(torch.int16).numpy())
    with tensorio.open("b.npy") as f:
        assert f.info("b").dtype == "bfloat16"
        assert f.raw("b").tobytes() == t.view(torch.int16).numpy().tobytes()
        assert identical(f.get("b", framework="torch"), t)


def test_non_contiguous_gpu_free_and_grad_tensors_save(workdir):
    import torch
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    inputs = {"t": base.t(), "s": base[:, ::2], "g": base.clone().requires_grad_(True),
              "c": torch.tensor([1 + 2j, 3 - 4j]).conj()}
    tensorio.save_safetensors("x", inputs)
    got = tensorio.load("x.safetensors", framework="torch")
    for k, v in inputs.items():
        assert torch.equal(got[k], v.detach().resolve_conj().contiguous()), k


def test_torch_types_it_lacks_are_type_errors(workdir):
    import torch
    tensorio.save_safetensors("u", {"u32": np.arange(3, dtype=np.uint32)})
    if hasattr(torch, "uint32"):
        assert tensorio.load("u.safetensors", framework="torch")["u32"].tolist() == [0, 1, 2]
    else:
        with pytest.raises(TypeError, match="u32.*framework=\"numpy\""):
            tensorio.load("u.safetensors", framework="torch")


def test_framework_argument_is_checked(workdir):
    tensorio.save("a", np.zeros(2))
    with pytest.raises(ValueError, match="framework"):
        tensorio.load("a.npy", framework="jax")
    assert tensorio.load("a.npy", framework="pt").shape == (2,)
