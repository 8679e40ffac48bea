"""`tensorio convert --dequantize`: quantized gguf tensors refused by non-gguf targets (with a
hint), converted to float32 / float16 / bfloat16 with the flag, and checked against NumPy's own
float32 arithmetic for q8_0 (y = q · d, one rounding, as in ggml) and q4_0 (y = (q − 8) · d)."""
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np

CLI = sys.argv[1]


def gguf_bytes(name, ggml_type, ne, payload):
    """A minimal GGUF v3 file: one key, one tensor at offset 0, data padded to 32."""
    def string(s):
        b = s.encode()
        return struct.pack("<Q", len(b)) + b
    out = b"GGUF" + struct.pack("<IQQ", 3, 1, 1)
    out += string("general.architecture") + struct.pack("<I", 8) + string("llama")
    out += string(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", n) for n in ne)
    out += struct.pack("<IQ", ggml_type, 0)
    out += b"\0" * (-len(out) % 32) + payload + b"\0" * (-len(payload) % 32)
    return out


def run(*args, expect=0):
    p = subprocess.run([CLI, "convert", *args], capture_output=True, text=True)
    assert p.returncode == expect, (args, p.returncode, p.stdout, p.stderr)
    return p


def main():
    rng = np.random.default_rng(5)
    rows, cols = 3, 64
    blocks = rows * cols // 32
    d = (rng.random(blocks) * 0.1 + 0.01).astype(np.float16)
    q8 = rng.integers(-128, 128, size=(blocks, 32)).astype(np.int8)
    q8_payload = b"".join(d[i].tobytes() + q8[i].tobytes() for i in range(blocks))
    q8_expected = (q8.astype(np.float32) * d.astype(np.float32)[:, None]).reshape(rows, cols)

    q4 = rng.integers(0, 16, size=(blocks, 32)).astype(np.uint8)
    packed = (q4[:, :16] | (q4[:, 16:] << 4)).astype(np.uint8)  # ggml's split-half nibbles
    q4_payload = b"".join(d[i].tobytes() + packed[i].tobytes() for i in range(blocks))
    q4_expected = ((q4.astype(np.int32) - 8).astype(np.float32) *
                   d.astype(np.float32)[:, None]).reshape(rows, cols)

    with tempfile.TemporaryDirectory(prefix="tensorio-convert-deq-") as work:
        for type_id, payload, expected in ((8, q8_payload, q8_expected),
                                           (2, q4_payload, q4_expected)):
            src = os.path.join(work, f"t{type_id}.gguf")
            with open(src, "wb") as f:
                f.write(gguf_bytes("blk.0.w", type_id, [cols, rows], payload))
            out = os.path.join(work, f"t{type_id}.npy")

            p = run(src, out, expect=1)
            assert "--dequantize" in p.stderr, p.stderr
            assert not os.path.exists(out)

            run(src, out, "--dequantize")
            got = np.load(out)
            assert got.dtype == np.float32 and got.shape == (rows, cols), (got.dtype, got.shape)
            assert got.tobytes() == expected.tobytes(), (got, expected)

            run(src, out, "--dequantize", "--dequantize-to", "float16")
            got = np.load(out)
            assert got.dtype == np.float16
            assert got.tobytes() == expected.astype(np.float16).tobytes()

            run(src, out, "--dequantize", "--dequantize-to", "bfloat16")
            bf = np.frombuffer(np.load(out).tobytes(), dtype=np.uint16)
            bits = expected.view(np.uint32).ravel()
            want = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)  # RNE
            assert np.array_equal(bf, want)

            # gguf → gguf keeps the blocks unless asked to dequantize.
            back = os.path.join(work, f"back{type_id}.gguf")
            run(src, back)
            run(back, out, "--dequantize")
            assert np.load(out).tobytes() == expected.tobytes()

        run(src, out, "--dequantize-to", "float16", expect=2)  # needs --dequantize
        run(src, out, "--dequantize", "--dequantize-to", "int8", expect=2)
    print("ok")


if __name__ == "__main__":
    main()
