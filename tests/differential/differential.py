#!/usr/bin/python3
"""Differential tests: tensorio against the peer's own reader on seeded, mutated files.

    differential.py PEER --probe differential_probe [--harness ggml_harness]
                    [--seed N] [--count N] [--out DIR] [--report FILE] [--quiet]

PEER is npy or npz (the peer is NumPy's np.load, reading every member) or gguf (ggml's
gguf_init_from_file with its data loader, through tests/ggml/ggml_harness dump-batch). Each case
is a valid seed file (built here, by NumPy or by ggml's writer) with one mutation drawn from a
random.Random(SEED * 1000003 + case): structured ones that know the format's fields (header
dict text, zip records, gguf keys, types, counts, dimensions, offsets) and raw ones (byte
flips, truncation, appended bytes). Both readers see the same file:

  - both accept it and read the same tensors (names, dtypes, shapes, and a hash of the values
    in native byte order and C order; for gguf, the harness's whole dump: keys, value types,
    values, tensor infos, bytes): agreement;
  - both refuse it: agreement (what each says is not compared);
  - otherwise a disagreement. Each one must match an entry of INTENDED (below; the same list,
    with the reasons, is in tests/RELIABILITY.md), or the test fails and writes the file and
    both readers' views to --out as a reproducer.

A crash of tensorio (the probe dying) always fails. A crash of the peer (ggml aborts on some
inputs) is counted and the harness restarted. The summary gives inputs, agreements,
disagreements by kind and crashes; --report writes it as JSON. Exit status: 0 when every
disagreement is intended and nothing crashed in tensorio, 1 otherwise, 77 when the peer is
missing (ggml not fetched).
"""
import argparse
import ast
import io
import json
import os
import random
import re
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import warnings
import zipfile
import zlib

import numpy as np

# ---------------------------------------------------------------------------------------------
# The two readers.


class Worker:
    """A long-running child fed one path per line; restarted when it dies."""

    def __init__(self, argv, unlimited=False):
        self.argv = argv
        self.proc = None
        self.restarts = 0
        self.unlimited = unlimited  # lift the address-space cap (sanitizers reserve terabytes)

    def start(self):
        def lift():
            hard = resource.getrlimit(resource.RLIMIT_AS)[1]
            resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL,
                                     preexec_fn=lift if self.unlimited else None)

    def ask(self, path, read_reply):
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        try:
            self.proc.stdin.write(path.encode() + b"\n")
            self.proc.stdin.flush()
            reply = read_reply(self.proc.stdout)
        except (BrokenPipeError, OSError):
            reply = None
        if reply is None:  # the child died on this file
            code = self.proc.wait()
            self.proc = None
            self.restarts += 1
            return {"crash": True, "returncode": code}
        return reply

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait()


def read_probe_line(stdout):
    line = stdout.readline()
    return json.loads(line) if line else None


def read_harness_dump(stdout):
    head = stdout.readline()
    if not head:
        return None
    lines = []
    while True:
        line = stdout.readline()
        if not line:
            return None
        if line == b"=== end\n":
            break
        lines.append(line)
    if head == b"=== ok\n":
        return {"ok": True, "dump": b"".join(lines).decode("latin-1")}
    return {"ok": False}


def fnv1a(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


SUPPORTED = {("b", 1): "bool", ("i", 1): "int8", ("i", 2): "int16", ("i", 4): "int32",
             ("i", 8): "int64", ("u", 1): "uint8", ("u", 2): "uint16", ("u", 4): "uint32",
             ("u", 8): "uint64", ("f", 2): "float16", ("f", 4): "float32", ("f", 8): "float64",
             ("c", 8): "complex64", ("c", 16): "complex128"}


def numpy_tensor(name, arr):
    """A NumPy array in the probe's terms: dtype name, shape, FNV-1a of native C-order bytes."""
    dt = arr.dtype
    if dt.kind == "V" and dt.itemsize == 2 and dt.fields is None:
        dname = "bfloat16"  # the convention tensorio reads '<V2' with (same bytes)
    else:
        dname = SUPPORTED.get((dt.kind, dt.itemsize), "numpy:" + dt.str)
    # tensorio presents numeric arrays in native order; arrays of other dtypes (its opaque ones:
    # strings, records, ...) keep their bytes as stored, as NumPy holds them.
    if dt.kind != "V" and dt.byteorder not in ("=", "|") and not dname.startswith("numpy:"):
        arr = arr.astype(dt.newbyteorder("="))
    data = np.ascontiguousarray(arr).tobytes() if arr.size else b""
    return {"name": name, "dtype": dname, "shape": list(arr.shape), "fnv1a": fnv1a(data)}


def numpy_view(path, peer):
    """np.load's view of the file, reading every member, or its refusal."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if peer == "npy":
                return {"ok": True, "tensors": [numpy_tensor("", np.load(path))]}
            out = []
            with np.load(path) as z:
                for key in z.files:
                    v = z[key]
                    if isinstance(v, bytes):  # a member not named *.npy: its raw bytes
                        v = np.frombuffer(v, dtype=np.uint8)
                    out.append(numpy_tensor(key, v))
            return {"ok": True, "tensors": out}
    except Exception as e:  # every failure of np.load is a refusal
        return {"ok": False, "error": "%s: %s" % (type(e).__name__, str(e)[:200])}


# ---------------------------------------------------------------------------------------------
# The npy header dict as the npy writers write it (tensorio's documented grammar, README and
# include/tensorio/npy.hpp): a dict of the three keys once each, string values quoted with ' or
# ", True/False, a tuple of non-negative decimal integers (optional L), whitespace, trailing
# commas. literal_eval accepts far more Python (comments, +6, 0x6, 6_0, nested parentheses,
# string concatenation, ...): a header outside this grammar that NumPy reads is an intended
# difference.

GRAMMAR_TOKEN = re.compile(r"""\s*(?:(?P<str>[uU]?'[^'\\\n]*'|[uU]?"[^"\\\n]*")|(?P<int>[0-9]+[lL]?)|"""
                           r"""(?P<kw>True|False)|(?P<p>[{}():,]))""")


def in_writer_grammar(text):
    toks, pos = [], 0
    text = text.rstrip(" \t\n\r\f")
    while pos < len(text):
        m = GRAMMAR_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            return False
        pos = m.end()
        kind = m.lastgroup
        toks.append((kind, m.group(kind)))
    i = 0

    def take(kind, value=None):
        nonlocal i
        if i < len(toks) and toks[i][0] == kind and (value is None or toks[i][1] == value):
            i += 1
            return toks[i - 1][1]
        return None

    if not take("p", "{"):
        return False
    seen = set()
    while not take("p", "}"):
        key = take("str")
        if key is None or not take("p", ":"):
            return False
        key = key.lstrip("uU")[1:-1]
        if key in seen or key not in ("descr", "fortran_order", "shape"):
            return False
        seen.add(key)
        if key == "descr":
            if take("str") is None:
                return False
        elif key == "fortran_order":
            if take("kw") is None:
                return False
        else:
            if not take("p", "("):
                return False
            n, comma = 0, False
            while not take("p", ")"):
                d = take("int")
                if d is None or (len(d.rstrip("lL")) > 1 and d[0] == "0"):
                    return False
                n += 1
                comma = bool(take("p", ","))
                if not comma and not (i < len(toks) and toks[i] == ("p", ")")):
                    return False
            if n == 1 and not comma:
                return False
        if not take("p", ","):
            if not (i < len(toks) and toks[i] == ("p", "}")):
                return False
    return i == len(toks) and len(seen) == 3


def npy_header_text(data):
    """The header dict of an npy image (or None)."""
    if len(data) < 10 or data[:6] != b"\x93NUMPY":
        return None
    if data[6] == 1:
        n, start = struct.unpack_from("<H", data, 8)[0], 10
    elif len(data) >= 12:
        n, start = struct.unpack_from("<I", data, 8)[0], 12
    else:
        return None
    return data[start:start + n].decode("latin-1")


def member_headers(path, peer):
    """Every npy header text in the file (the file itself, or each member of the zip)."""
    with open(path, "rb") as f:
        data = f.read()
    if peer == "npy":
        h = npy_header_text(data)
        return [h] if h is not None else []
    out = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                try:
                    h = npy_header_text(z.read(info)[:70000])
                except Exception:
                    continue
                if h is not None:
                    out.append(h)
    except Exception:
        pass
    return out


# ---------------------------------------------------------------------------------------------
# Intended differences: (kind, name, reason, predicate(case) -> bool). kind is the direction:
# "stricter" (tensorio refuses what the peer reads), "laxer" (tensorio reads what the peer
# refuses) or "content" (both read, differently). The first matching entry names a case.

def _code(c):
    return c["tensorio"].get("code", "")


def _msg(c):
    return c["tensorio"].get("message", "")


def _headers(c):
    if "headers" not in c:
        c["headers"] = member_headers(c["path"], c["peer"])
    return c["headers"]


def _dict_literal(h):
    try:
        return ast.literal_eval(h.strip())
    except Exception:
        return None


# Integer spellings whose width is a C long or a pointer (tests/interop/npy_descr_interop.py).
PLATFORM_SIZED = ["l", "L", "p", "P", "int", "int_", "uint", "long", "ulong", "intp", "uintp",
                  "int0", "uint0"]

def _strings_cut_at_nul(dump):
    """A dump with every string cut at its first NUL, as ggml's C accessors return them."""
    return re.sub(r'\\u0000(?:[^"\\]|\\.)*"', '"', dump)


def _unpadded_last_tensor(c):
    """tensorio read it, and the file ends inside the padding after the last tensor's bytes."""
    try:
        d = json.loads(c["tensorio"]["dump"])
    except Exception:
        return False
    if not d["tensors"]:
        return False
    size = os.path.getsize(c["path"])
    end = max(d["data_offset"] + t["offset"] + t["size"] for t in d["tensors"])
    padded = end + (-end % d["alignment"])
    return end <= size < padded


INTENDED = [
    # --- npy / npz against NumPy ---
    ("stricter", "npy_dtype_not_a_tensor",
     "object, string, void, datetime, long double, platform-sized, structured and subarray "
     "dtypes are refused (unsupported_dtype) rather than read as something else",
     lambda c: _code(c) == "unsupported_dtype" and (
         any(t["dtype"].startswith("numpy:") for t in c["peer_view"]["tensors"])
         or "subarray" in _msg(c) or "structured" in _msg(c)
         or any(re.search(r"['\"]descr['\"]\s*:\s*['\"][<>|=]?(%s)['\"]" % "|".join(PLATFORM_SIZED), h)
                for h in _headers(c)))),
    ("stricter", "npy_header_key_twice",
     "a dict literal with a key twice is read by NumPy with the last value; a header that says "
     "two things is refused",
     lambda c: "twice" in _msg(c) and any(
         len(re.findall(r"['\"](descr|fortran_order|shape)['\"]\s*:", h)) > 3
         or any(len(re.findall(r"['\"]%s['\"]\s*:" % k, h)) > 1
                for k in ("descr", "fortran_order", "shape")) for h in _headers(c))),
    ("stricter", "npy_negative_dimension",
     "NumPy passes the shape to reshape, where -1 means 'infer' (shape (-1,) loads whatever "
     "data follows); a negative dimension is refused",
     lambda c: _code(c) in ("bad_shape", "bad_header") and any(
         re.search(r"['\"]shape['\"]\s*:\s*\([^)]*-\s*[0-9]", h) for h in _headers(c))),
    ("stricter", "npy_header_outside_writer_grammar",
     "np.load reads the dict with ast.literal_eval, which takes any Python literal syntax "
     "(comments, +6, 0x6, 6_0, nested parentheses, string concatenation, escapes); tensorio "
     "reads the grammar every npy writer emits, documented in include/tensorio/npy.hpp",
     lambda c: _code(c) in ("bad_header", "bad_shape", "unknown_dtype", "limit_exceeded") and any(
         not in_writer_grammar(h) and _dict_literal(h) is not None for h in _headers(c))),
    ("content", "npy_big_endian_bfloat16",
     "'>V2' is big-endian bfloat16 (ml_dtypes writes a byte-swapped bfloat16 so) and is "
     "swapped to native order; NumPy, without ml_dtypes, reads 2 raw bytes",
     lambda c: any(re.search(r"['\"]descr['\"]\s*:\s*['\"]>V2['\"]", h) for h in _headers(c))),
    ("stricter", "npz_local_header_disagrees",
     "a local header whose method, sizes, flags or CRC differ from the central directory's: "
     "zipfile uses the central directory's and ignores the rest; an archive that says two "
     "things is refused (a streaming reader would use the local header)",
     lambda c: "as in the central directory" in _msg(c)),
    ("stricter", "npz_end_record_not_at_end",
     "the end-of-central-directory record and its comment must end the file: zipfile ignores "
     "bytes after them and reads a comment length past the end as what is there; refused, as "
     "nothing tells trailing bytes from a comment or a second archive",
     lambda c: "its comment to end the file" in _msg(c)),
    ("stricter", "npz_multi_disk_fields",
     "disk numbers or per-disk counts other than a single disk's: zipfile ignores them; refused",
     lambda c: "single-disk archive" in _msg(c) or "expected it on disk 0" in _msg(c)),
    ("stricter", "npz_central_entry_past_directory",
     "a central header whose name, extra field or comment runs past the directory: zipfile "
     "reads on into the following bytes; refused",
     lambda c: "central header name, extra field and comment" in _msg(c)),
    ("stricter", "npz_directory_count_disagrees",
     "the end record's entry count, directory size and offset disagree (or place the directory "
     "outside the file): zipfile reads entries until the size is used up and ignores the rest; "
     "refused",
     lambda c: "central headers of at least" in _msg(c) or "headers filling" in _msg(c)
     or "central directory: expected" in _msg(c)),
    ("stricter", "npz_descriptor_flag_without_descriptor",
     "general-purpose bit 3 set (sizes in a data descriptor after the data) but no descriptor "
     "there: zipfile never reads descriptors; refused, as the header promises one",
     lambda c: "expected a data descriptor" in _msg(c)),
    ("stricter", "npz_deflate_stream_not_whole",
     "a DEFLATE stream that does not end where the member does (it goes on past the declared "
     "size, or its final block is missing): zipfile stops once it has the declared size, whose "
     "CRC matches; tensorio inflates whole streams only (libdeflate) and refuses the rest",
     lambda c: _code(c) == "bad_compressed_data" and "(a zip bomb)" not in _msg(c)),
    ("stricter", "npz_masked_header_flag",
     "general-purpose bit 13 (local header values masked, central directory encryption) is "
     "refused as encryption; zipfile only looks at bit 0",
     lambda c: _code(c) == "encrypted"),
    ("stricter", "npz_stored_sizes_differ",
     "a stored member whose compressed size differs from its size: zipfile reads its size and "
     "ignores the other; refused (which one bounds the member?)",
     lambda c: "stored member's compressed size" in _msg(c)),
    ("stricter", "npz_member_name_twice",
     "two members of one name: zipfile keeps both in its list and reads the last for both "
     "keys; refused, as the archive says two things",
     lambda c: _code(c) == "duplicate_name"),
    ("stricter", "npz_zip64_marker_without_extra",
     "a size or offset of 0xFFFFFFFF means 'in the zip64 extra field'; without that field "
     "zipfile takes it literally; refused",
     lambda c: "expected a zip64 extra field" in _msg(c)),
    ("stricter", "npz_declared_size_beyond_deflate",
     "a deflated member declaring more bytes than its compressed bytes can inflate to (1032:1, "
     "a zip bomb's signature) is refused before inflating; zipfile inflates and returns what "
     "the stream holds without checking the declared size",
     lambda c: "(a zip bomb)" in _msg(c)),
    ("laxer", "npz_stored_crc_checked_by_verify",
     "a stored member's CRC-32 is not checked on read (its view is zero-copy into the mapping); "
     "verify() reports it (bad_checksum), as does OpenOptions::verify_crc_on_access; zipfile "
     "checks it on every read",
     lambda c: "Bad CRC-32" in c["peer_view"].get("error", "")
     and "bad_checksum" in c["tensorio"].get("verify", [])),
    ("laxer", "npz_version_needed_to_extract",
     "zipfile refuses a 'version needed to extract' above 6.3; tensorio checks the features "
     "themselves (method, flags, zip64 fields), not the number",
     lambda c: "zip file version" in c["peer_view"].get("error", "")),
    ("stricter", "npz_member_named_npy_not_npy",
     "a member named *.npy that is not an npy file: NumPy returns its raw bytes; refused, since "
     "the name promises an array",
     lambda c: "npy magic" in _msg(c) or ("member '" in _msg(c) and _code(c) == "truncated"
                                          and "npy" in _msg(c))),
    ("laxer", "npy_header_over_numpy_safety_limit",
     "NumPy refuses headers over 10,000 bytes unless allow_pickle=True; tensorio's cap is "
     "Limits::max_header_bytes",
     lambda c: "Header info length" in c["peer_view"].get("error", "")),
    # --- gguf against ggml ---
    ("laxer", "gguf_layout_not_back_to_back",
     "ggml requires each tensor to start where the previous one's padded data ends; tensorio "
     "accepts any aligned, in-bounds, non-overlapping layout and reports "
     "ggml_contiguous_layout() false",
     lambda c: c["tensorio"].get("ok") and c["tensorio"].get("ggml_contiguous") is False),
    ("laxer", "gguf_nested_array",
     "the spec allows arrays of arrays (gguf-py writes them); ggml refuses them",
     lambda c: c["tensorio"].get("ok") and '"elem":"arr"' in c["tensorio"].get("dump", "")),
    ("content", "gguf_string_value_with_nul",
     "a string value holding a NUL: ggml's C accessors (gguf_get_val_str, gguf_get_arr_str) "
     "return C strings cut at it; tensorio gives every byte (values are data; keys and names "
     "with a NUL are refused)",
     lambda c: _strings_cut_at_nul(c["tensorio"]["dump"]) == c["peer_view"]["dump"]),
    ("laxer", "gguf_last_tensor_unpadded",
     "the file ends after the last tensor's bytes but before its padding: ggml's data loader "
     "reads the padded size; tensorio needs the bytes only (MLX and gguflib write no padding "
     "after the last tensor)",
     _unpadded_last_tensor),
    ("stricter", "gguf_element_count_wraps_in_ggml",
     "dimensions whose product overflows int64 (e.g. ne = [2^62, 4], 2^64 elements): ggml "
     "multiplies with wrapping arithmetic, gets 0, and skips its overflow checks, reading a "
     "tensor of 0 bytes; refused (size_overflow)",
     lambda c: _code(c) == "size_overflow" and "element count below 2^63" in _msg(c)),
    ("stricter", "gguf_bool_not_0_or_1",
     "the spec says bools other than 0 and 1 are invalid; ggml reads any non-zero byte as true",
     lambda c: _code(c) == "bad_metadata" and "expected a bool of 0 or 1" in _msg(c)),
    ("stricter", "gguf_nul_in_key_or_name",
     "ggml compares keys and names as C strings, so a NUL makes two different keys one (or a "
     "key another key); refused",
     lambda c: "without NUL bytes" in _msg(c)),
    ("stricter", "gguf_alignment_over_limit",
     "general.alignment above Limits::max_alignment (1 MiB) is refused; ggml takes any power "
     "of two (a huge one inflates padding)",
     lambda c: _code(c) == "limit_exceeded" and "general.alignment" in _msg(c)),
    ("stricter", "gguf_padded_size_overflow",
     "a tensor size within the alignment of 2^64 wraps to a tiny padded size in ggml "
     "(CVE-2025-53630's GGML_PAD bypass); refused",
     lambda c: _code(c) == "size_overflow" and "padded" in _msg(c)),
    ("stricter", "gguf_limits",
     "tensorio's resource limits (Limits: array elements, nesting, string bytes, header bytes) "
     "refuse what ggml would allocate",
     lambda c: _code(c) in ("limit_exceeded", "header_too_large")),
    ("stricter", "gguf_alignment_not_uint32_in_old_ggml",
     "general.alignment of another type than uint32: refused by both since ggml 2026-08; "
     "the ggml build here aborts or accepts",
     lambda c: _code(c) == "bad_alignment" and "expected type uint32" in _msg(c)),
]

INTENDED_NAMES = {name for _, name, _, _ in INTENDED}


def classify(case):
    t, p = case["tensorio"], case["peer_view"]
    if t.get("crash"):
        return "crash", "tensorio_crash"
    if p.get("crash"):  # ggml aborted (GGML_ASSERT): not a verdict on the file
        return "peer_crash", "peer_crash_tensorio_" + ("reads" if t["ok"] else _code(case))
    if t["ok"] and p["ok"]:
        if case["peer"] == "gguf":
            same = t["dump"] == p["dump"]
        else:
            tt, pt = t["tensors"], p["tensors"]
            if case["peer"] == "npy":  # a .npy has no tensor names (tensorio uses the stem)
                tt = [{k: v for k, v in x.items() if k != "name"} for x in tt]
                pt = [{k: v for k, v in x.items() if k != "name"} for x in pt]
            else:
                pt = [dict(x, name=x["name"].encode("utf-8").decode("latin-1")) for x in pt]
            # An opaque tensor (a NumPy dtype tensorio stores but does not interpret) is the
            # same as NumPy's array of that dtype when shape and bytes agree.
            pt = [dict(x, dtype="opaque") if x["dtype"].startswith("numpy:") else x for x in pt]
            same = tt == pt
        if same:
            return "agree", "both_read_the_same"
        kind = "content"
    elif not t["ok"] and not p["ok"]:
        return "agree", "both_refuse"
    else:
        kind = "stricter" if not t["ok"] else "laxer"
    for k, name, _, pred in INTENDED:
        if k == kind:
            try:
                if pred(case):
                    return "intended", name
            except Exception:
                pass
    return "failure", kind


# ---------------------------------------------------------------------------------------------
# Seeds.

def npy_bytes(arr, version=None):
    b = io.BytesIO()
    if version is None:
        np.save(b, arr)
    else:
        np.lib.format.write_array(b, arr, version=version)
    return b.getvalue()


def npy_preamble(d, major=1, pad=True):
    h = d
    prefix = 10 if major == 1 else 12
    if pad:
        h += " " * ((64 - (prefix + len(h) + 1) % 64) % 64)
    h += "\n"
    return (b"\x93NUMPY" + bytes([major, 0]) + struct.pack("<H" if major == 1 else "<I", len(h))
            + h.encode("latin1"))


def npy_seeds():
    rng = np.random.default_rng(11)
    arrays = [
        rng.standard_normal((3, 4)).astype("<f4"),
        rng.standard_normal(5).astype(">f8"),
        np.asfortranarray(np.arange(12, dtype="<i2").reshape(3, 4)),
        np.array(True),
        (np.arange(4) + 1j).astype(">c8"),
        np.zeros((0, 3), dtype="<u8"),
        np.arange(6, dtype="|u1").reshape(2, 3),
        np.arange(3, dtype="<f2"),
        np.frombuffer(bytes(range(8)), dtype="<V2"),
        np.asfortranarray(np.arange(24, dtype=">u4").reshape(2, 3, 4)),
    ]
    seeds = [npy_bytes(a) for a in arrays]
    seeds.append(npy_bytes(arrays[0], version=(2, 0)))
    seeds.append(npy_bytes(arrays[1], version=(3, 0)))
    payload = struct.pack("<2f", 1.0, 2.0)
    seeds.append(npy_preamble("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", pad=False)
                 + payload)
    seeds.append(npy_preamble("{'shape': (2,), 'fortran_order': False, 'descr': 'f4'}") + payload)
    return seeds


def zip_of(members, compression=zipfile.ZIP_STORED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", compression=compression) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = compression
            z.writestr(info, data)
    return b.getvalue()


def npz_seeds():
    seeds = []
    for compressed in (False, True):
        b = io.BytesIO()
        (np.savez_compressed if compressed else np.savez)(
            b, a=np.arange(12, dtype="<f4").reshape(3, 4), b=np.arange(5, dtype=">i8"),
            c=np.array(False))
        seeds.append(b.getvalue())
    seeds.append(zip_of([("x.npy", npy_bytes(np.arange(6, dtype="<u2"))),
                         ("notes.txt", b"hello")], zipfile.ZIP_DEFLATED))
    seeds.append(zip_of([("w.npy", npy_bytes(np.asfortranarray(np.ones((2, 3), ">f4"))))]))
    return seeds


# gguf, built as ggml lays it out (tests/tools/make_gguf_corpus.py has the same helpers).
U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
SCALAR_FMT = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f",
              BOOL: "<B", U64: "<Q", I64: "<q", F64: "<d"}


def gstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b)) + b


def gvalue(t, v):
    if t == STR:
        return gstr(v)
    if t == ARR:
        et, items = v
        return struct.pack("<IQ", et, len(items)) + b"".join(gvalue(et, x) for x in items)
    return struct.pack(SCALAR_FMT[t], v)


def gguf_build(kvs, tensors, alignment=32):
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    out += b"".join(gstr(k) + struct.pack("<I", t) + gvalue(t, v) for k, t, v in kvs)
    offset, infos = 0, b""
    for name, ne, gt, data in tensors:
        infos += gstr(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne)
        infos += struct.pack("<IQ", gt, offset)
        offset += len(data) + (-len(data) % alignment)
    out += infos
    if tensors:
        out += b"\0" * (-len(out) % alignment)
    for name, ne, gt, data in tensors:
        out += data + b"\0" * (-len(data) % alignment)
    return out


def gguf_seeds(harness, work):
    seeds = []
    for spec in ("all", "kv-only", "tensors-only"):
        p = os.path.join(work, "seed_%s.gguf" % spec)
        r = subprocess.run([harness, "write", spec, p], capture_output=True)
        if r.returncode == 0:
            with open(p, "rb") as f:
                seeds.append(f.read())
    f32 = lambda *xs: struct.pack("<%df" % len(xs), *xs)
    seeds.append(gguf_build(
        [("general.architecture", STR, "llama"), ("general.alignment", U32, 64),
         ("flag", BOOL, 1), ("toks", ARR, (STR, ["a", "bc", ""])), ("ids", ARR, (I32, [1, -2]))],
        [("tok.weight", [4, 2], 0, f32(*range(8))), ("norm", [4], 0, f32(1, 2, 3, 4)),
         ("q", [32], 8, bytes(range(34)))], alignment=64))
    seeds.append(gguf_build([("general.name", STR, "tiny")],
                            [("a", [3], 0, f32(1, 2, 3)), ("e", [0, 4], 0, b""),
                             ("h", [2], 1, b"\x00\x3c\x00\x40")]))
    return seeds


# ---------------------------------------------------------------------------------------------
# Mutations. Each returns (new bytes, description).

INTERESTING_INTS = [0, 1, 2, 3, 7, 8, 31, 32, 63, 64, 255, 256, 4096, 65535, 65536, 2**31 - 1,
                    2**31, 2**32 - 1, 2**32, 2**62, 2**63 - 1, 2**63, 2**64 - 1]


def raw_mutation(rng, data):
    data = bytearray(data)
    choice = rng.randrange(5)
    if choice == 0 and data:  # 1-4 byte changes
        edits = []
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(data))
            v = rng.choice([0, 0xFF, 0x7F, 0x80, ord("9"), ord(" "), data[i] ^ (1 << rng.randrange(8)),
                            (data[i] + 1) & 0xFF, (data[i] - 1) & 0xFF, rng.randrange(256)])
            data[i] = v
            edits.append("%d=%02x" % (i, v))
        return bytes(data), "bytes " + ",".join(edits)
    if choice == 1 and data:
        n = rng.randrange(len(data))
        return bytes(data[:n]), "truncated to %d" % n
    if choice == 2:
        extra = bytes(rng.randrange(256) for _ in range(rng.choice([1, 7, 64])))
        return bytes(data) + extra, "appended %d bytes" % len(extra)
    if choice == 3 and len(data) > 8:  # an 8-byte little-endian field somewhere
        i = rng.randrange(len(data) - 8)
        v = rng.choice(INTERESTING_INTS)
        data[i:i + 8] = struct.pack("<Q", v)
        return bytes(data), "u64 at %d = %d" % (i, v)
    if len(data) > 4:  # a 4-byte field
        i = rng.randrange(len(data) - 4)
        v = rng.choice(INTERESTING_INTS) & 0xFFFFFFFF
        data[i:i + 4] = struct.pack("<I", v)
        return bytes(data), "u32 at %d = %d" % (i, v)
    return bytes(data), "unchanged"


DESCRS = ["<f4", "f4", "<f", "float32", "?", "B", "|u1", "u1", ">d", "=i4", "|f8", "double",
          "<V2", ">V2", "|V8", "<U3", "|S2", "|O", "<M8[ns]", "<l", "int", "<f16", "<c32",
          "<f3", "x", "!f4", "<float32", "f4,i4", "(2,)f4", "", "<i8", ">u2", "|b1", "<c16",
          "bool", "int8", "uintc", "e", "D", "<q", "Q", "h"]

SHAPE_EDITS = ["()", "(0,)", "(-1,)", "(+3,)", "(0x3,)", "(3_0,)", "(3)", "[3]", "(3, 4)",
               "(9223372036854775808,)", "(0, 9223372036854775808)", "(18446744073709551616,)",
               "(4611686018427387904, 4, 0)", "(0, 4611686018427387904, 2)", "(3L,)", "(3,,)",
               "((3,),)", "(True, 2)", "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1)", "(03,)", "( 3 , )"]


def npy_text_mutation(rng, data):
    """One edit of the header dict's text, the preamble re-sized to fit."""
    text = npy_header_text(data)
    if text is None:
        return raw_mutation(rng, data)
    major = data[6]
    start = 10 if major == 1 else 12
    payload = data[start + len(text.encode("latin-1")):]
    body = text.rstrip(" \n")
    choice = rng.randrange(12)
    if choice == 0:
        d = rng.choice(DESCRS)
        body, what = re.sub(r"'descr':\s*'[^']*'", "'descr': %r" % d, body, count=1), "descr %r" % d
    elif choice == 1:
        s = rng.choice(SHAPE_EDITS)
        body, what = re.sub(r"'shape':\s*\([^)]*\)", "'shape': " + s, body, count=1), "shape " + s
    elif choice == 2:
        v = rng.choice(["True", "False", "0", "1", "'False'", "None"])
        body, what = re.sub(r"'fortran_order':\s*\w+", "'fortran_order': " + v, body, count=1), \
            "fortran_order " + v
    elif choice == 3:
        items = re.findall(r"'[a-z_]+':\s*(?:'[^']*'|\([^)]*\)|\w+)", body)
        rng.shuffle(items)
        body, what = "{" + ", ".join(items) + "}", "keys reordered"
    elif choice == 4:
        body, what = body.rstrip("}").rstrip(", ") + ", 'descr': '<f4'}", "descr twice"
    elif choice == 5:
        key = rng.choice(["descr", "fortran_order", "shape"])
        body, what = re.sub(r"'%s':\s*(?:'[^']*'|\([^)]*\)|\w+),?\s*" % key, "", body), "no " + key
    elif choice == 6:
        body, what = body.rstrip("}") + " 'extra': 0}", "extra key"
    elif choice == 7:
        body, what = body.replace("'", '"'), "double quotes"
    elif choice == 8:
        ws = rng.choice(["\n", "\t", "  ", "\r\n", "\f"])
        i = rng.randrange(len(body) + 1)
        body, what = body[:i] + ws + body[i:], "whitespace %r at %d" % (ws, i)
    elif choice == 9:
        body, what = body + rng.choice(["  # comment", " ", "x", "\0"]), "after the dict"
    elif choice == 10:
        major = rng.choice([1, 2, 3])
        what = "version %d" % major
    else:
        payload = payload[:rng.randrange(len(payload) + 1)] if rng.random() < 0.5 else payload + b"\0" * 8
        what = "payload length %d" % len(payload)
    pad = rng.random() < 0.8
    return npy_preamble(body, major, pad) + payload, "header: " + what


def npy_mutation(rng, data):
    if rng.random() < 0.55:
        return npy_text_mutation(rng, data)
    return raw_mutation(rng, data)


def zip_records(data):
    """(offset, kind) of every zip record signature in the image."""
    out = []
    for sig, kind in ((b"PK\x03\x04", "local"), (b"PK\x01\x02", "central"), (b"PK\x05\x06", "eocd"),
                      (b"PK\x07\x08", "descriptor")):
        i = data.find(sig)
        while i >= 0:
            out.append((i, kind))
            i = data.find(sig, i + 1)
    return out


# Field offsets (from the signature) and widths of the zip records.
ZIP_FIELDS = {
    "local": [(4, 2), (6, 2), (8, 2), (14, 4), (18, 4), (22, 4), (26, 2), (28, 2)],
    "central": [(6, 2), (8, 2), (10, 2), (16, 4), (20, 4), (24, 4), (28, 2), (30, 2), (32, 2),
                (34, 2), (42, 4)],
    "eocd": [(4, 2), (6, 2), (8, 2), (10, 2), (12, 4), (16, 4), (20, 2)],
    "descriptor": [(4, 4), (8, 4), (12, 4)],
}


def npz_mutation(rng, data):
    r = rng.random()
    if r < 0.35:  # a member's npy header, the zip rebuilt consistently around it
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                members = [(i.filename, z.read(i), i.compress_type) for i in z.infolist()]
        except Exception:
            return raw_mutation(rng, data)
        k = rng.randrange(len(members))
        name, body, method = members[k]
        if rng.random() < 0.15:
            new_name = rng.choice(["", ".npy", "a.npy", "x/y.npy", "\u00e9.npy", "n\0.npy",
                                   members[0][0], name[:-4] if name.endswith(".npy") else name])
            members[k] = (new_name, body, method)
            what = "member %d renamed %r" % (k, new_name)
        else:
            body, what = npy_mutation(rng, body)
            members[k] = (name, body, method)
            what = "member %r: %s" % (name, what)
        b = io.BytesIO()
        try:
            with zipfile.ZipFile(b, "w") as z:
                for n, d, m in members:
                    info = zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = m
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        z.writestr(info, d)
        except Exception:
            return raw_mutation(rng, data)
        return b.getvalue(), what
    if r < 0.75:  # a field of a zip record
        records = zip_records(data)
        if records:
            off, kind = rng.choice(records)
            foff, width = rng.choice(ZIP_FIELDS[kind])
            if off + foff + width <= len(data):
                v = rng.choice(INTERESTING_INTS + [struct.unpack_from("<I" if width == 4 else "<H",
                                                                       data, off + foff)[0] + rng.choice([-1, 1])])
                v &= (1 << (8 * width)) - 1
                out = bytearray(data)
                out[off + foff:off + foff + width] = v.to_bytes(width, "little")
                return bytes(out), "%s@%d field +%d = %d" % (kind, off, foff, v)
    return raw_mutation(rng, data)


def gguf_fields(data):
    """(offset, width, kind) of the fields of a valid gguf image, walked like ggml reads it."""
    fields = [(4, 4, "version"), (8, 8, "n_tensors"), (16, 8, "n_kv")]
    pos = 24
    n_tensors, n_kv = struct.unpack_from("<QQ", data, 8)

    def string(kind):
        nonlocal pos
        n = struct.unpack_from("<Q", data, pos)[0]
        fields.append((pos, 8, kind + "_len"))
        if n:
            fields.append((pos + 8, n, kind + "_bytes"))
        pos += 8 + n

    def value(t, kind):
        nonlocal pos
        if t == STR:
            string(kind + "_str")
        elif t == ARR:
            et, n = struct.unpack_from("<IQ", data, pos)
            fields.append((pos, 4, "arr_type"))
            fields.append((pos + 4, 8, "arr_count"))
            pos += 12
            for _ in range(n):
                value(et, "elem")
        else:
            w = struct.calcsize(SCALAR_FMT[t])
            fields.append((pos, w, "bool" if t == BOOL else "scalar"))
            pos += w

    for _ in range(n_kv):
        key_at = pos
        string("key")
        t = struct.unpack_from("<I", data, pos)[0]
        fields.append((pos, 4, "value_type"))
        pos += 4
        is_alignment = data[key_at + 8:pos - 4] == b"general.alignment"
        before = pos
        value(t, "value")
        if is_alignment:
            fields.append((before, 4, "alignment"))
    for _ in range(n_tensors):
        string("name")
        n_dims = struct.unpack_from("<I", data, pos)[0]
        fields.append((pos, 4, "n_dims"))
        pos += 4
        for _ in range(n_dims):
            fields.append((pos, 8, "ne"))
            pos += 8
        fields.append((pos, 4, "ggml_type"))
        fields.append((pos + 4, 8, "offset"))
        pos += 12
    return fields


def gguf_mutation(rng, data):
    if rng.random() < 0.7:
        try:
            fields = gguf_fields(data)
        except Exception:
            fields = []
        if fields:
            off, width, kind = rng.choice(fields)
            out = bytearray(data)
            if kind.endswith("_bytes"):  # a byte of a key/name/string: NUL, or another byte
                i = off + rng.randrange(width)
                out[i] = rng.choice([0, 0xFF, ord("."), ord("a"), 0x80])
                return bytes(out), "%s byte at %d = %02x" % (kind, i, out[i])
            if kind == "bool":
                v = rng.choice([0, 1, 2, 0x80, 0xFF])
            elif kind in ("value_type", "arr_type"):
                v = rng.choice(list(range(14)) + [0xFFFFFFFF, 2**31])
            elif kind == "ggml_type":
                v = rng.choice(list(range(44)) + [2**31 + 5])
            elif kind == "alignment":
                v = rng.choice([0, 1, 3, 16, 48, 64, 128, 2**20, 2**21, 2**31])
            elif kind == "offset":
                old = struct.unpack_from("<Q", data, off)[0]
                v = rng.choice([0, old + 1, old + 32, old - 32, old + 64, 2**40, 2**64 - 32])
            elif kind == "ne":
                v = rng.choice([0, 1, 2, 3, 32, 256, 2**31, 2**32, 2**54, 2**62, 2**63 - 1, 2**63,
                                2**64 - 1])
            else:
                old = int.from_bytes(data[off:off + width], "little")
                v = rng.choice(INTERESTING_INTS + [old + 1, old - 1, old * 2])
            v &= (1 << (8 * width)) - 1
            out[off:off + width] = v.to_bytes(width, "little")
            return bytes(out), "%s at %d = %d" % (kind, off, v)
    return raw_mutation(rng, data)


MUTATORS = {"npy": npy_mutation, "npz": npz_mutation, "gguf": gguf_mutation}
EXT = {"npy": ".npy", "npz": ".npz", "gguf": ".gguf"}

# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("peer", choices=["npy", "npz", "gguf"])
    ap.add_argument("--probe", required=True)
    ap.add_argument("--harness")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--out", default="differential-findings")
    ap.add_argument("--report")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    # np.load of a hostile header may try to allocate what it claims, and so does ggml's data
    # loader: a soft cap on the address space makes such a request fail (MemoryError, or an
    # abort of the harness: a peer crash) instead of swapping. tensorio's probe runs without it.
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    soft = 6 << 30 if hard == resource.RLIM_INFINITY else min(6 << 30, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))

    work = tempfile.mkdtemp(prefix="tensorio-diff-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    probe = Worker([args.probe], unlimited=True)
    peer = None
    if args.peer == "gguf":
        if not args.harness:
            ap.error("gguf needs --harness")
        r = subprocess.run([args.harness, "version"], capture_output=True)
        if r.returncode == 77:
            print("differential gguf: skipped (ggml not fetched: scripts/fetch-ggml)")
            sys.exit(77)
        peer = Worker([args.harness, "dump-batch", "--load-data"])
        seeds = gguf_seeds(args.harness, work)
    else:
        seeds = npy_seeds() if args.peer == "npy" else npz_seeds()

    counts = {"inputs": 0, "agree": 0, "intended": 0, "failure": 0, "crash": 0, "peer_crash": 0}
    by_kind = {}
    failures = []
    path = os.path.join(work, "case" + EXT[args.peer])
    try:
        for case_no in range(args.count):
            rng = random.Random(args.seed * 1000003 + case_no)
            seed_no = rng.randrange(len(seeds))
            data, what = MUTATORS[args.peer](rng, seeds[seed_no])
            with open(path, "wb") as f:
                f.write(data)
            t = probe.ask(path, read_probe_line)
            p = peer.ask(path, read_harness_dump) if peer else numpy_view(path, args.peer)
            case = {"peer": args.peer, "path": path, "tensorio": t, "peer_view": p}
            outcome, name = classify(case)
            counts["inputs"] += 1
            counts[outcome] += 1
            by_kind[name] = by_kind.get(name, 0) + 1
            if outcome in ("failure", "crash"):
                tag = "%s_seed%d_case%d" % (args.peer, args.seed, case_no)
                os.makedirs(args.out, exist_ok=True)
                shutil.copyfile(path, os.path.join(args.out, tag + EXT[args.peer]))
                with open(os.path.join(args.out, tag + ".txt"), "w") as f:
                    json.dump({"mutation": what, "seed_file": seed_no, "kind": name,
                               "tensorio": t, "peer": p}, f, indent=1)
                failures.append("%s (%s, %s): tensorio %s / peer %s" % (
                    tag, name, what, json.dumps(t)[:300], json.dumps(p)[:300]))
    finally:
        probe.close()
        if peer:
            peer.close()
        shutil.rmtree(work, ignore_errors=True)

    summary = {"peer": args.peer, "seed": args.seed, "count": args.count, **counts,
               "by_kind": dict(sorted(by_kind.items())), "tensorio_restarts": probe.restarts,
               "peer_restarts": peer.restarts if peer else 0}
    if args.report:
        with open(args.report, "w") as f:
            json.dump(summary, f, indent=1)
    for line in failures[:20]:
        print("FAIL:", line)
    if not args.quiet or failures:
        print(json.dumps(summary))
    sys.exit(1 if failures or counts["crash"] else 0)


if __name__ == "__main__":
    main()
