"""gguf quantized tensors: MLX's (weight, scales, biases) triplet for Q4_0 / Q4_1 / Q8_0, other
types dequantized to float16, and the lazy accessors."""
import struct

import numpy as np
import pytest

import tensorio

Q4_0, Q4_1, Q8_0, Q4_K = 2, 3, 8, 12


def gstr(s):
    b = s if isinstance(s, bytes) else s.encode()
    return struct.pack("<Q", len(b)) + b


def write_gguf(path, tensors, kv=()):
    """GGUF v3 by hand: tensors are (name, row-major shape, ggml type, raw bytes)."""
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kv))
    for k, v in kv:
        head += gstr(k) + struct.pack("<I", 8) + gstr(v)
    offset = 0
    for name, shape, gtype, data in tensors:
        dims = tuple(reversed(shape))
        head += gstr(name) + struct.pack("<I", len(dims)) + struct.pack(f"<{len(dims)}Q", *dims)
        head += struct.pack("<IQ", gtype, offset)
        offset += (len(data) + 31) // 32 * 32
    with open(path, "wb") as f:
        f.write(head + b"\0" * (-len(head) % 32))
        for *_, data in tensors:
            f.write(data + b"\0" * (-len(data) % 32))


def blocks(rng, n_blocks, gtype):
    """Random ggml blocks with finite, modest fp16 scales."""
    d = rng.uniform(-0.1, 0.1, n_blocks).astype(np.float16)
    if gtype == Q4_0:
        q = rng.integers(0, 256, (n_blocks, 16), dtype=np.uint8)
        return np.concatenate([d.view(np.uint8).reshape(-1, 2), q], axis=1), d, None, q
    if gtype == Q4_1:
        m = rng.uniform(-0.1, 0.1, n_blocks).astype(np.float16)
        q = rng.integers(0, 256, (n_blocks, 16), dtype=np.uint8)
        raw = np.concatenate([d.view(np.uint8).reshape(-1, 2), m.view(np.uint8).reshape(-1, 2), q],
                             axis=1)
        return raw, d, m, q
    q = rng.integers(-128, 128, (n_blocks, 32), dtype=np.int8)
    return np.concatenate([d.view(np.uint8).reshape(-1, 2), q.view(np.uint8)], axis=1), d, None, q


def ggml_reference(gtype, d, m, q):
    """ggml's dequantize_row_* formulas, in float32."""
    d = d.astype(np.float32)[:, None]
    if gtype == Q8_0:
        return (q.astype(np.float32) * d).reshape(-1)
    lo, hi = (q & 0x0F).astype(np.float32), (q >> 4).astype(np.float32)
    vals = np.concatenate([lo, hi], axis=1)  # element j low nibble, j + 16 high nibble
    if gtype == Q4_0:
        return ((vals - 8) * d).reshape(-1)
    return (vals * d + m.astype(np.float32)[:, None]).reshape(-1)


def mlx_dequantize(w, scales, biases, bits):
    """mx.dequantize(w, scales, biases, group_size=32, bits): codes LSB-first in uint32 words."""
    per_word = 32 // bits
    words = w.reshape(w.shape[0], -1).astype(np.uint64)
    shifts = (np.arange(per_word, dtype=np.uint64) * bits)
    codes = ((words[..., None] >> shifts) & ((1 << bits) - 1)).reshape(w.shape[0], -1)
    groups = codes.reshape(w.shape[0], -1, 32).astype(np.float32)
    out = groups * scales.astype(np.float32)[..., None] + biases.astype(np.float32)[..., None]
    return out.reshape(-1)


@pytest.mark.parametrize("gtype,bits", [(Q4_0, 4), (Q4_1, 4), (Q8_0, 8)])
def test_q4_q8_come_back_as_mlx_triplets(workdir, gtype, bits):
    rng = np.random.default_rng(gtype)
    rows, cols = 2, 64
    raw, d, m, q = blocks(rng, rows * cols // 32, gtype)
    write_gguf("q.gguf", [("tensor.weight", (rows, cols), gtype, raw.tobytes())])
    out = tensorio.load("q.gguf")
    assert list(out) == ["tensor.weight", "tensor.scales", "tensor.biases"]
    w, s, b = out["tensor.weight"], out["tensor.scales"], out["tensor.biases"]
    assert w.dtype == np.uint32 and w.shape == (rows, cols * bits // 32)
    assert s.dtype == np.float16 and s.shape == (rows, cols // 32) and b.shape == s.shape
    expect = ggml_reference(gtype, d, m, q)
    got = mlx_dequantize(w, s, b, bits)
    assert np.array_equal(got, expect)
    with tensorio.open("q.gguf") as f:
        assert list(f) == list(out)
        assert f.info("tensor.weight").dtype == {Q4_0: "q4_0", Q4_1: "q4_1", Q8_0: "q8_0"}[gtype]
        assert f.info("tensor.weight").shape == (rows, cols)
        assert f.raw("tensor.scales").tobytes() == raw.tobytes()
        assert np.array_equal(f.dequantize("tensor.weight"), expect.reshape(rows, cols))
        assert np.array_equal(f.get_slice("tensor.weight")[1:2], w[1:2])


def test_other_quantized_types_are_dequantized_to_float16(workdir):
    rng = np.random.default_rng(1)
    raw = rng.integers(0, 256, (4, 144), dtype=np.uint8)  # q4_k: 256 values in 144 bytes
    raw[:, :4] = np.array([0.01, 0.02], np.float16).view(np.uint8)  # d, dmin: small, finite
    write_gguf("k.gguf", [("blk.0.ffn.weight", (2, 512), Q4_K, raw.tobytes())],
               kv=[("general.architecture", "llama")])
    out, md = tensorio.load("k.gguf", return_metadata=True)
    assert md == {"general.architecture": "llama"}
    w = out["blk.0.ffn.weight"]
    assert w.dtype == np.float16 and w.shape == (2, 512) and not w.flags.writeable
    with tensorio.open("k.gguf") as f:
        exact = f.dequantize("blk.0.ffn.weight")
        assert exact.dtype == np.float32 and exact.flags.writeable
        assert np.array_equal(w, exact.astype(np.float16))  # round to nearest even
        assert np.array_equal(f.dequantize("blk.0.ffn.weight", np.float16), w)
        info = f.info("blk.0.ffn.weight")
        assert info[:3] == ("q4_k", (2, 512), raw.nbytes) and info.offset % 32 == 0
        assert f.raw("blk.0.ffn.weight").tobytes() == raw.tobytes()
        with pytest.raises(ValueError):
            f.dequantize("blk.0.ffn.weight", "int8")


def test_name_collision_of_the_triplet_is_refused(workdir):
    rng = np.random.default_rng(2)
    raw, *_ = blocks(rng, 2, Q8_0)
    write_gguf("c.gguf", [("x.weight", (1, 64), Q8_0, raw.tobytes()),
                          ("x.scales", (2,), 0, np.zeros(2, np.float32).tobytes())])
    with pytest.raises(tensorio.Error) as e:
        tensorio.load("c.gguf")
    assert e.value.code == "duplicate_name" and "x.scales" in str(e.value)


def test_names_that_are_not_utf8_round_trip(workdir):
    data = np.arange(4, dtype=np.float32)
    write_gguf("n.gguf", [(b"w\xff", (4,), 0, data.tobytes())])
    out = tensorio.load("n.gguf")
    assert list(out) == ["w\udcff"] and np.array_equal(out["w\udcff"], data)
    with tensorio.open("n.gguf") as f:
        assert np.array_equal(f["w\udcff"], data) and f.info("w\udcff").shape == (4,)
