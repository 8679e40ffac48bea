"""What may be saved, and how it reaches the C++ savers.

Inputs are NumPy arrays of any strides and byte order, PyTorch tensors (any device; bfloat16
included) and anything ``np.asarray`` accepts. Each becomes C-order, little-endian bytes, copied
only when it is not already so, and is handed to C++ as a flat uint8 view of those bytes.
"""
from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, List, Tuple

import numpy as np
from numpy.lib import format as npformat

# (name, tensorio dtype name, shape, flat uint8 view of the C-order little-endian bytes), and
# for dtype "opaque" a fifth item: NumPy's descr of the bytes (kept in their byte order).
Saveable = Tuple[Any, ...]

_BY_KIND = {
    ("b", 1): "bool",
    ("i", 1): "int8", ("i", 2): "int16", ("i", 4): "int32", ("i", 8): "int64",
    ("u", 1): "uint8", ("u", 2): "uint16", ("u", 4): "uint32", ("u", 8): "uint64",
    ("f", 2): "float16", ("f", 4): "float32", ("f", 8): "float64",
    ("c", 8): "complex64", ("c", 16): "complex128",
}
_ML_DTYPES = ("bfloat16", "float8_e5m2", "float8_e4m3fn", "float8_e8m0fnu", "float8_e4m3fnuz",
              "float8_e5m2fnuz")
_TORCH_BYTE_VIEWS = ("float8_e5m2", "float8_e4m3fn", "float8_e8m0fnu", "float8_e4m3fnuz",
                     "float8_e5m2fnuz")


def tensorio_dtype(dtype: np.dtype) -> str | None:
    """The tensorio dtype name of a NumPy dtype, or None when tensorio has none."""
    if dtype.fields is not None or dtype.subdtype is not None:
        return None
    if dtype.name in _ML_DTYPES:
        return dtype.name
    if dtype.kind == "V" and dtype.itemsize == 2:
        return "bfloat16"  # '<V2': how MLX and ml_dtypes store bfloat16 in .npy
    return _BY_KIND.get((dtype.kind, dtype.itemsize))


def _flat_bytes(array: np.ndarray) -> np.ndarray:
    return array.reshape(-1).view(np.uint8)


def _from_torch(name: str, tensor: Any) -> Saveable:
    import torch  # noqa: PLC0415 (already imported by whoever made the tensor)

    t = tensor.detach()
    if t.device.type != "cpu":
        t = t.cpu()
    if t.is_sparse or t.layout != torch.strided:
        raise TypeError(f"cannot save tensor '{name}': a {t.layout} PyTorch tensor; "
                        "convert it with .to_dense()")
    t = t.resolve_conj().resolve_neg().contiguous()
    shape = tuple(t.shape)
    if t.dtype == torch.bfloat16:
        return name, "bfloat16", shape, _flat_bytes(t.view(torch.int16).numpy())
    for n in _TORCH_BYTE_VIEWS:
        if t.dtype == getattr(torch, n, None):
            return name, n, shape, _flat_bytes(t.view(torch.uint8).numpy())
    try:
        array = t.numpy()
    except TypeError as e:
        raise TypeError(f"cannot save tensor '{name}' of PyTorch dtype {t.dtype}: {e}") from None
    return _from_array(name, array)


def _opaque(name: str, array: np.ndarray) -> Saveable:
    """An array of a fixed-size NumPy dtype with no tensor dtype (strings, records, long double,
    datetime): its bytes as they are, with NumPy's descr, for .npy/.npz (other formats refuse
    it by name). Object arrays are pickles, which are never written."""
    if array.dtype.hasobject:
        raise TypeError(f"cannot save '{name}': arrays of dtype {array.dtype} hold Python "
                        "objects (NumPy would pickle them; tensorio never writes pickles)")
    if array.dtype.itemsize == 0:
        raise TypeError(f"cannot save '{name}': dtype {array.dtype} has 0-byte elements")
    if not array.flags.c_contiguous:
        array = array.copy(order="C")
    descr = npformat.dtype_to_descr(array.dtype)
    text = descr if isinstance(descr, str) else repr(descr)
    return name, "opaque", tuple(array.shape), _flat_bytes(array), text


def _from_array(name: str, array: np.ndarray) -> Saveable:
    dtype = tensorio_dtype(array.dtype)
    if dtype is None:
        if array.dtype.kind in "SUVMmf" or array.dtype.fields is not None or array.dtype.hasobject:
            return _opaque(name, array)
        raise TypeError(f"cannot save '{name}': arrays of dtype {array.dtype} have no tensor "
                        "dtype (expected bool, integers, floats, complex, bfloat16 or float8)")
    if array.dtype.byteorder == ">" or (array.dtype.byteorder == "=" and sys.byteorder == "big"):
        array = array.astype(array.dtype.newbyteorder("<"))
    if not array.flags.c_contiguous:
        array = array.copy(order="C")  # (np.ascontiguousarray would make a 0-d array 1-d)
    return name, dtype, tuple(array.shape), _flat_bytes(array)


def saveable(name: str, value: Any) -> Saveable:
    """``value`` as (name, dtype, shape, bytes); TypeError when it is no tensor."""
    if not isinstance(name, str):
        raise TypeError(f"tensor names must be str, not {type(name).__name__}")
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        return _from_torch(name, value)
    if not isinstance(value, np.ndarray):
        try:
            value = np.asarray(value)
        except Exception as e:  # noqa: BLE001 (any failure of np.asarray means "not a tensor")
            raise TypeError(f"cannot save '{name}': {type(value).__name__} is not an array "
                            f"({e})") from None
    return _from_array(name, value)


def saveables(arrays: Any, caller: str) -> List[Saveable]:
    """The tensors of a name -> array mapping, in its order."""
    if not isinstance(arrays, Mapping):
        raise TypeError(f"{caller}: arrays must be a dict of name -> array, not "
                        f"{type(arrays).__name__}")
    return [saveable(name, value) for name, value in arrays.items()]


def savez_saveables(args: tuple, kwds: dict) -> List[Saveable]:
    """numpy.savez's naming: keywords keep their names, positionals are arr_0, arr_1, ...
    after them; a keyword arr_N that a positional would take is a ValueError (as in NumPy and
    MLX)."""
    names = dict(kwds)
    for i, value in enumerate(args):
        key = f"arr_{i}"
        if key in names:
            raise ValueError(f"[savez] Cannot use un-named variables and keyword {key}")
        names[key] = value
    return [saveable(name, value) for name, value in names.items()]


def safetensors_metadata(metadata: Any) -> List[Tuple[str, str]]:
    if metadata is None:
        return []
    if not isinstance(metadata, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise ValueError("[save_safetensors] Metadata must be a dictionary with string keys and "
                         "values")
    return list(metadata.items())


_INT_TYPES = (np.int32, np.int64, np.uint64)


def _int_dtype(values: list, key: str) -> type:
    lo, hi = min(values), max(values)
    for t in _INT_TYPES:
        info = np.iinfo(t)
        if info.min <= lo and hi <= info.max:
            return t
    raise ValueError(f"metadata '{key}': integer out of the range gguf can store")


def _gguf_value(key: str, v: Any) -> Any:
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(v, torch.Tensor):
        v = v.detach().cpu().numpy()
    # NumPy scalars first: np.float64 is also a Python float, and its dtype is kept.
    if isinstance(v, (np.ndarray, np.generic)):
        a = np.asarray(v)
        if a.ndim > 1:
            raise ValueError(f"[save_gguf] metadata '{key}': cannot save arrays with more than "
                             "one dimension")
        if a.ndim == 1 and a.size == 0:
            raise ValueError(f"[save_gguf] metadata '{key}': cannot save empty arrays")
        return a
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return np.array(v, dtype=np.bool_)
    if isinstance(v, int):
        return np.array(v, dtype=_int_dtype([v], key))
    if isinstance(v, float):
        return np.array(v, dtype=np.float32)  # as MLX and gguf-py store a Python float
    if isinstance(v, (list, tuple)):
        if not v:
            raise ValueError(f"metadata '{key}': cannot save an empty list (no element type)")
        if all(isinstance(x, str) for x in v):
            return list(v)
        if all(isinstance(x, bool) for x in v):
            return np.array(v, dtype=np.bool_)
        if all(isinstance(x, int) and not isinstance(x, bool) for x in v):
            return np.array(v, dtype=_int_dtype(list(v), key))
        if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            return np.array(v, dtype=np.float32)
        raise ValueError(f"metadata '{key}': a list must hold only str, only bool, only int or "
                         "only numbers")
    raise TypeError(f"metadata '{key}': expected str, int, float, bool, a list of those or a 0-d "
                    f"/ 1-D array, not {type(v).__name__}")


def gguf_metadata(metadata: Any) -> List[Tuple[str, Any]]:
    if metadata is None:
        return []
    if not isinstance(metadata, Mapping):
        raise TypeError(f"save_gguf: metadata must be a dict, not {type(metadata).__name__}")
    out = []
    for k, v in metadata.items():
        if not isinstance(k, str):
            raise TypeError(f"save_gguf: metadata keys must be str, not {type(k).__name__}")
        out.append((k, _gguf_value(k, v)))
    return out
