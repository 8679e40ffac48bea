"""How tensors are presented: NumPy arrays (with ml_dtypes for the types NumPy lacks) or
PyTorch tensors.

NumPy has no bfloat16 and no float8. With ``framework="numpy"`` such tensors come back as
``ml_dtypes`` arrays when that module is importable; otherwise they raise a ``TypeError`` naming
the tensor, its dtype and the ways out. They are never reinterpreted as another numeric type.
PyTorch gets bfloat16 (and the float8 types its version has) exactly, through a same-size
integer view of the same bytes.
"""
from __future__ import annotations

import functools
from typing import Any, Dict, List, Tuple

import numpy as np

# The tensorio dtypes ml_dtypes can present (same names, same bytes).
_ML_DTYPES = ("bfloat16", "float8_e5m2", "float8_e4m3fn", "float8_e8m0fnu",
              "float8_e4m3fnuz", "float8_e5m2fnuz")
# PyTorch dtypes reached through a same-size integer array (the bytes are reinterpreted as what
# they are: torch's own dtype of that name).
_TORCH_VIEWS = {"bfloat16": "<i2", "float8_e5m2": "|u1", "float8_e4m3fn": "|u1",
                "float8_e8m0fnu": "|u1", "float8_e4m3fnuz": "|u1", "float8_e5m2fnuz": "|u1"}

FRAMEWORKS = {"numpy": "numpy", "np": "numpy", "torch": "torch", "pt": "torch"}

_NUMPY_UNSUPPORTED = (
    "tensor '{name}' has dtype {dtype}, which NumPy cannot represent%s; load it with "
    "framework=\"torch\", or read its stored bytes with tensorio.open(path).raw('{name}')")
_TORCH_UNSUPPORTED = (
    "tensor '{name}' has dtype {dtype}, which this PyTorch cannot represent; load it with "
    "framework=\"numpy\", or read its stored bytes with tensorio.open(path).raw('{name}')")

Policy = Tuple[Dict[str, np.dtype], str]


def framework_name(framework: str) -> str:
    """"numpy" or "torch" for the accepted spellings; ValueError otherwise."""
    try:
        return FRAMEWORKS[framework]
    except (KeyError, TypeError):
        raise ValueError(f"framework must be 'numpy' or 'torch', not {framework!r}") from None


@functools.lru_cache(maxsize=None)
def numpy_policy() -> Policy:
    """(dtypes NumPy gets from ml_dtypes, message for the rest)."""
    try:
        import ml_dtypes  # noqa: PLC0415 (optional; imported on first need)
    except ImportError:
        return {}, _NUMPY_UNSUPPORTED % " (install ml_dtypes to get it as an ml_dtypes array)"
    extended = {n: np.dtype(getattr(ml_dtypes, n)) for n in _ML_DTYPES if hasattr(ml_dtypes, n)}
    return extended, _NUMPY_UNSUPPORTED % ""


def _torch():
    import torch  # noqa: PLC0415 (only when PyTorch output is asked for)
    return torch


@functools.lru_cache(maxsize=None)
def _torch_dtypes() -> Dict[str, Any]:
    torch = _torch()
    return {n: getattr(torch, n) for n in _TORCH_VIEWS if hasattr(torch, n)}


@functools.lru_cache(maxsize=None)
def torch_policy() -> Policy:
    """(storage dtypes for the arrays that become torch's own types, message for the rest)."""
    return {n: np.dtype(_TORCH_VIEWS[n]) for n in _torch_dtypes()}, _TORCH_UNSUPPORTED


def policy(framework: str) -> Policy:
    return torch_policy() if framework == "torch" else numpy_policy()


def to_torch(name: str, array: np.ndarray, dtype: str) -> Any:
    """The torch tensor over ``array``'s memory (tensorio dtype ``dtype``)."""
    torch = _torch()
    special = _torch_dtypes().get(dtype)
    try:
        tensor = torch.from_numpy(array)
    except TypeError as e:  # uint16/32/64 before torch 2.3
        raise TypeError(_TORCH_UNSUPPORTED.format(name=name, dtype=dtype) + f" ({e})") from None
    return tensor.view(special) if special is not None else tensor


def all_to_torch(arrays: Dict[str, np.ndarray], dtypes: List[str]) -> Dict[str, Any]:
    return {name: to_torch(name, a, dt) for (name, a), dt in zip(arrays.items(), dtypes)}


def present(array: np.ndarray, name: str, dtype: str, framework: str) -> Any:
    return to_torch(name, array, dtype) if framework == "torch" else array
