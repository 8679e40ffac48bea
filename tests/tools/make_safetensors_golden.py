#!/usr/bin/python3
"""Writes the golden .safetensors files that tests/unit/safetensors_writer_test.cpp compares
tensorio's writer against, byte for byte.

    /usr/bin/python3 tests/tools/make_safetensors_golden.py   # rewrites tests/golden/safetensors

The bytes are computed here from the reference writer's published rules (safetensors 0.8
`prepare` + `serialize`, /work/shared/reference/safetensors.md section 2.3), independently of
tensorio: tensors sorted by the reference's dtype enum descending, then by name (bytewise);
offsets back to back; compact JSON as serde_json prints it (Python's json with ',' ':'
separators and ensure_ascii=False escapes exactly the same characters: '"', '\\', and controls
as \\n \\r \\t \\b \\f or \\u00xx); "__metadata__" first when there is metadata; the header padded
with spaces to a multiple of 8; an 8-byte little-endian length in front. (The safetensors Python
package itself is not installed here; when it is, `safetensors.numpy.save` can be checked
against these files too.)

Each case lists its tensors in the order the C++ test passes them (deliberately not the sorted
order) as (name, dtype, shape); tensor i's data is pattern(i, nbytes), the same function the C++
test uses.
"""
import json
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden", "safetensors")

# The reference's Dtype enum in declaration order, and each dtype's size in bits.
ORDER = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0",
         "F8_E4M3FNUZ", "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64",
         "F64", "I64", "U64"]
BITS = {"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "I16": 16, "U16": 16, "F16": 16,
        "BF16": 16, "I32": 32, "U32": 32, "F32": 32, "C64": 64, "F64": 64, "I64": 64, "U64": 64}


def bits(dtype):
    return BITS.get(dtype, 8)


def nbytes(dtype, shape):
    n = 1
    for d in shape:
        n *= d
    assert n * bits(dtype) % 8 == 0
    return n * bits(dtype) // 8


def pattern(i, n):
    return bytes(((i + 1) * 31 + k * 7) & 0xFF for k in range(n))


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def serialize(tensors, metadata):
    """tensors: [(name, dtype, shape, data)]; metadata: [(key, value)] or []."""
    ordered = sorted(tensors, key=lambda t: (-ORDER.index(t[1]), t[0].encode("utf-8")))
    parts, data, off = [], b"", 0
    if metadata:
        parts.append(dumps("__metadata__") + ":" + dumps(dict(metadata)))
    for name, dtype, shape, payload in ordered:
        info = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(payload)]}
        parts.append(dumps(name) + ":" + dumps(info))
        data += payload
        off += len(payload)
    header = ("{" + ",".join(parts) + "}").encode("utf-8")
    header += b" " * ((8 - len(header) % 8) % 8)
    return struct.pack("<Q", len(header)) + header + data


CASES = {
    # The reference's own golden tests (tensor.rs): attn.0 F32 [1,2,3] gives N = 64, unpadded.
    "reference_attn0": ([("attn.0", "F32", [1, 2, 3])], []),
    "reference_fp4": ([("attn.0", "F4", [1, 2])], []),
    "reference_forced_alignment": ([("attn0", "F32", [1, 1, 2, 3])], []),
    "reference_empty": ([], []),
    "reference_empty_with_metadata": ([], [("framework", "pt")]),
    # test_simple.py: I32 and F16 side by side, order-independent.
    "numpy_i32_f16": ([("test2", "F16", [2, 2]), ("test", "I32", [2, 2])], []),
    # Every dtype, several of each width so the name tie-break matters, names that need JSON
    # escaping, and metadata in a given order.
    "all_dtypes_escaping": (
        [("z\"quote", "BOOL", [3]), ("a\\backslash", "F4", [2, 2]), ("ctl\x01\x1f\x7f", "F6_E2M3", [4]),
         ("tab\tnl\ncr\r", "F6_E3M2", [2, 4]), ("uni_é😀", "U8", [2, 1, 2]), ("slash/x", "I8", [5]),
         ("f8a", "F8_E5M2", [2]), ("f8b", "F8_E4M3", [3]), ("f8c", "F8_E8M0", [1]),
         ("f8d", "F8_E4M3FNUZ", [2, 2]), ("f8e", "F8_E5M2FNUZ", []), ("i16", "I16", [3]),
         ("u16", "U16", [1, 3]), ("h", "F16", [2]), ("bf", "BF16", [3, 1]), ("B", "I32", [2]),
         ("u32", "U32", []), ("a32", "F32", [2, 2]), ("c", "C64", [2]), ("d", "F64", [1]),
         ("Z64", "I64", [2]), ("u64", "U64", [1, 1, 1, 1, 1, 1, 1, 1]), ("empty", "F32", [0, 4]),
         ("\b\f", "U8", [1])],
        [("format", "pt"), ("note", "quote\" backslash\\ nl\n \x00 é"), ("a", "")]),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (specs, metadata) in CASES.items():
        tensors = [(n, d, s, pattern(i, nbytes(d, s))) for i, (n, d, s) in enumerate(specs)]
        with open(os.path.join(OUT, name + ".safetensors"), "wb") as f:
            f.write(serialize(tensors, metadata))
    print("wrote %d golden files to %s" % (len(CASES), os.path.normpath(OUT)))


if __name__ == "__main__":
    main()
