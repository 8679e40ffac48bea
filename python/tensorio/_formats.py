"""Paths and formats: which format a file is read as, and which path a save writes.

Loading follows MLX's ``mx.load``: the format comes from the file name's extension unless
``format=`` names it, and a sharded checkpoint is read through its
``*.safetensors.index.json``. Saving follows MLX's savers exactly: the extension is appended
when the path does not already end in it (``save("array", a)`` writes ``array.npy``; the check is
case-sensitive, as in MLX).
"""
from __future__ import annotations

import os
from typing import Union

FORMATS = ("npy", "npz", "safetensors", "gguf")
_VALID = "'npy', 'npz', 'safetensors' or 'gguf'"

PathLike = Union[str, "os.PathLike[str]"]


def fspath(file: object, caller: str) -> str:
    """The path of ``file`` (a ``str`` or ``os.PathLike``) as a ``str``."""
    if isinstance(file, (str, os.PathLike)):
        path = os.fspath(file)
        return os.fsdecode(path) if isinstance(path, bytes) else path
    raise TypeError(f"{caller}: file must be a str or os.PathLike, not {type(file).__name__}")


def load_format(path: str, format: str | None) -> str:
    """The format to read ``path`` as: ``format`` when given, else from the extension."""
    if format is not None:
        if format not in FORMATS:
            raise ValueError(f"[load] Unknown file format {format!r}: expected {_VALID}")
        return format
    name = os.path.basename(path).lower()
    if name.endswith(".safetensors.index.json"):
        return "safetensors"
    if "." not in name:
        raise ValueError(
            f"[load] Could not infer file format from extension of {path!r}: it has none; "
            f"pass format= one of {_VALID}")
    ext = name.rpartition(".")[2]
    if ext not in FORMATS:
        raise ValueError(
            f"[load] Unknown file format {ext!r} of {path!r}: expected an extension .npy, .npz, "
            f".safetensors, .safetensors.index.json or .gguf, or format= one of {_VALID}")
    return ext


def save_target(path: str, extension: str) -> str:
    """``path`` with ``extension`` appended unless it already ends in it (MLX's rule)."""
    return path if path.endswith(extension) else path + extension
