"""tensorio: load and save tensors in .npy, .npz, .safetensors and .gguf — memory-mapped,
zero-copy, strictly validated — with MLX's Python API, for NumPy and PyTorch.

    import numpy as np, tensorio
    tensorio.save_safetensors("model", {"w": np.ones((2, 3), np.float32)})  # model.safetensors
    weights = tensorio.load("model.safetensors")      # dict name -> read-only array, zero-copy
    with tensorio.open("model.safetensors") as f:     # lazy: nothing read until asked
        rows = f.get_slice("w")[0:1]

Functions: load, save, savez, savez_compressed, save_safetensors, save_gguf, open, verify.
Every file tensorio refuses raises tensorio.Error (a ValueError) with .code naming the problem.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Tuple

from . import _formats, _frameworks, _inputs
from ._file import TensorFile, TensorInfo, TensorSlice
from ._formats import PathLike
from ._tensorio import Error
from ._tensorio import File as _File
from ._tensorio import save as _save

__version__ = "0.1.0"
__all__ = ["Error", "TensorFile", "TensorInfo", "TensorSlice", "load", "open", "save",
           "save_gguf", "save_safetensors", "savez", "savez_compressed", "verify"]

Error.__module__ = "tensorio"


def load(file: PathLike, /, format: Optional[str] = None, return_metadata: bool = False, *,
         framework: str = "numpy", verify_crc: bool = False) -> Any:
    """Loads arrays from a .npy, .npz, .safetensors (or sharded ``*.safetensors.index.json``)
    or .gguf file, as ``mlx.core.load`` does.

    Args:
        file: the path (``str`` or ``os.PathLike``).
        format: "npy", "npz", "safetensors" or "gguf"; by default taken from the extension
            (``*.safetensors.index.json`` is a sharded checkpoint). An unknown format, or a path
            without extension and no format, is a ValueError listing the valid ones.
        return_metadata: also return the file's metadata: safetensors' ``__metadata__`` as
            ``dict[str, str]``; for gguf every key with a natural Python value (int, float,
            bool, str, list). A ValueError for npy and npz, which have none (as in MLX).
        framework: "numpy" (default) for NumPy arrays, "torch" for ``torch.Tensor``\\ s.
        verify_crc: npz only: check the CRC-32 of stored members too (deflated members are
            always checked); this reads every stored byte now.

    Returns:
        .npy: one array. Other formats: ``dict`` name -> array in file order. With
        ``return_metadata``: ``(arrays, metadata)``.

    Arrays (NumPy): a payload stored usable in place (little-endian, C order, uncompressed)
    comes back as a read-only array pointing into the file's mapping: nothing is read until it
    is touched, and the mapping lives as long as any array from it. Transformed payloads
    (deflated npz members, big-endian or Fortran-order npy, gguf quantized types) are
    materialized now, in parallel, without the GIL; they are read-only too.
    bfloat16 and float8 tensors are ``ml_dtypes`` arrays when ml_dtypes is importable, else a
    TypeError naming the tensor and the ways out (``framework="torch"``, ``open(...).raw``).
    .npy/.npz arrays of other fixed-size NumPy dtypes (byte and unicode strings, records, long
    double, datetime, void; tensorio dtype "opaque") come back with their exact NumPy dtype,
    zero-copy where stored in place, as ``np.load`` gives them; object arrays (pickles) are
    refused (tensorio.Error, code 'object_dtype') and never unpickled.

    PyTorch (``framework="torch"``): bfloat16 and float16 exact; a payload stored in place is a
    zero-copy tensor over a private copy-on-write mapping of the file, so writing to it changes
    neither the file nor other loads (only the written pages are copied, in this process); a
    misaligned payload is copied. Types this PyTorch lacks (uint16/32/64 before 2.3, float8 before
    2.1) raise TypeError.

    gguf quantized tensors as MLX loads them: Q4_0, Q4_1 and Q8_0 tensor ``P.weight`` become
    ``P.weight`` (uint32 packed codes), ``P.scales`` and ``P.biases`` (float16, one per 32
    values) for ``mx.dequantize(w, scales, biases, group_size=32, bits=4|8)``; every other
    quantized type is dequantized to float16, as MLX does (exact float32 values:
    ``open(file).dequantize(name)``); codebook types tensorio cannot decode (iq1/iq2/iq3) raise
    tensorio.Error (code 'unsupported_dtype'). gguf bfloat16 tensors stay bfloat16.

    Raises:
        tensorio.Error: the file is malformed (``.code`` says how; the message names the file,
            the byte offset, what was expected and what was found).
        FileNotFoundError, PermissionError, IsADirectoryError: the file cannot be opened.
        TypeError: a dtype the framework cannot represent.
    """
    path = _formats.fspath(file, "load")
    fmt = _formats.load_format(path, format)
    fw = _frameworks.framework_name(framework)
    if return_metadata and fmt in ("npy", "npz"):
        raise ValueError(f"[load] metadata not supported for format {fmt}")
    core = _File(os.fsencode(path), fmt, verify_crc, fw == "torch")
    extended, unsupported = _frameworks.policy(fw)
    arrays = core.load(extended, unsupported, fw == "torch")
    if fw == "torch":
        arrays = _frameworks.all_to_torch(arrays, core.dtype_names())
    result = next(iter(arrays.values())) if fmt == "npy" else arrays
    if return_metadata:
        return result, core.metadata()
    return result


def open(file: PathLike, *, format: Optional[str] = None, framework: str = "numpy",
         verify_crc: bool = False) -> TensorFile:
    """Opens a checkpoint lazily: returns a read-only :class:`TensorFile` (a ``Mapping`` name ->
    array and a context manager), the equivalent of safetensors' ``safe_open`` for every
    format. The header is read and validated now; no payload is read until asked for.

    ``format``, ``framework`` and ``verify_crc`` mean what they mean for :func:`load`
    (``framework`` is the default of the object's ``get``/``get_slice``/``dequantize``).
    Raises what :func:`load` raises."""
    path = _formats.fspath(file, "open")
    fmt = _formats.load_format(path, format)
    fw = _frameworks.framework_name(framework)
    return TensorFile(_File(os.fsencode(path), fmt, verify_crc, True), fw)


def verify(file: PathLike, *, format: Optional[str] = None) -> List[Tuple[str, str]]:
    """Reads every payload of ``file`` in full (inflating, byte-swapping, checking CRCs where
    the format has them) and returns each problem as (tensor, message); [] means the file is
    sound. A file whose header is malformed raises tensorio.Error instead."""
    path = _formats.fspath(file, "verify")
    with open(path, format=format) as f:
        return f.verify()


def save(file: PathLike, arr: Any) -> None:
    """Saves one array as .npy (``.npy`` is appended unless ``file`` ends in it, as in MLX:
    ``save("array", a)`` writes ``array.npy``). The bytes are exactly those ``numpy.save``
    writes. ``arr``: a NumPy array (any strides and byte order), a PyTorch tensor (bfloat16
    included, stored as '<V2' like MLX) or anything ``np.asarray`` accepts. Atomic: written to a
    temp file renamed over the target, so a failed save leaves the target untouched. The GIL is
    released while writing.

    Arrays of fixed-size NumPy dtypes with no tensor dtype (strings, records, long double,
    datetime) are written byte for byte with NumPy's descr, to .npy and .npz only.

    Raises TypeError for an object that is no array (or an object array: a pickle),
    tensorio.Error when the format cannot hold it, OSError subclasses when the target cannot be
    written."""
    path = _formats.save_target(_formats.fspath(file, "save"), ".npy")
    _save("npy", os.fsencode(path), [_inputs.saveable("arr", arr)], [])


def savez(file: PathLike, /, *args: Any, **kwds: Any) -> None:
    """Saves several arrays into an uncompressed .npz (``.npz`` appended unless present), as
    ``numpy.savez``/``mlx.core.savez``: positional arrays are named ``arr_0``, ``arr_1``, ...
    and follow the keyword ones (NumPy's order); a keyword ``arr_N`` clashing with a positional
    is a ValueError. Each payload starts at a 64-byte file offset, so loading it is zero-copy.
    Atomic; the GIL is released while writing."""
    path = _formats.save_target(_formats.fspath(file, "savez"), ".npz")
    _save("npz", os.fsencode(path), _inputs.savez_saveables(args, kwds), [])


def savez_compressed(file: PathLike, /, *args: Any, **kwds: Any) -> None:
    """Saves several arrays into a DEFLATE-compressed .npz (``.npz`` appended unless present),
    as ``numpy.savez_compressed``/``mlx.core.savez_compressed``: positional arrays are named
    ``arr_0``, ``arr_1``, ... after the keyword ones; a clash is a ValueError. Compressed with
    libdeflate at level 6 (zlib's default, which NumPy uses), members in parallel on all cores;
    ``numpy.load`` and ``zipfile`` read the result. Atomic; the GIL is released while
    compressing and writing."""
    path = _formats.save_target(_formats.fspath(file, "savez_compressed"), ".npz")
    _save("npz", os.fsencode(path), _inputs.savez_saveables(args, kwds), [], True, 6)


def save_safetensors(file: PathLike, arrays: Dict[str, Any],
                     metadata: Optional[Dict[str, str]] = None) -> None:
    """Saves ``arrays`` (name -> array) as .safetensors (``.safetensors`` appended unless
    present), byte-identical to the safetensors reference writer (header padded so every
    tensor is aligned). ``metadata``: ``dict[str, str]`` stored as ``__metadata__`` (anything
    else is a ValueError, as in MLX). Atomic; the GIL is released while writing."""
    path = _formats.save_target(_formats.fspath(file, "save_safetensors"), ".safetensors")
    _save("safetensors", os.fsencode(path), _inputs.saveables(arrays, "save_safetensors"),
          _inputs.safetensors_metadata(metadata))


def save_gguf(file: PathLike, arrays: Dict[str, Any],
              metadata: Optional[Dict[str, Any]] = None) -> None:
    """Saves ``arrays`` (name -> array) as GGUF v3 (``.gguf`` appended unless present).
    Tensor dtypes: float32, float16, bfloat16, float64, int8..int64. ``metadata`` values: str,
    list of str, bool, int (int32, or int64 when needed), float (float32, as MLX and gguf-py
    store it), lists of those, or 0-d / 1-D NumPy arrays of bool, (u)int8..64, float32 or
    float64 (their dtype is kept); float16, bfloat16 and complex are a ValueError, as in MLX.
    Atomic; the GIL is released while writing."""
    path = _formats.save_target(_formats.fspath(file, "save_gguf"), ".gguf")
    _save("gguf", os.fsencode(path), _inputs.saveables(arrays, "save_gguf"),
          _inputs.gguf_metadata(metadata))
