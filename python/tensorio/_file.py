"""``tensorio.open``: a lazy, read-only Mapping over one checkpoint (safetensors' ``safe_open``
for every format)."""
from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

import numpy as np

from . import _frameworks
from ._tensorio import File


class TensorInfo(NamedTuple):
    """A stored tensor as the file describes it: tensorio's dtype name ('float32', 'bfloat16',
    'q4_k', ...), row-major shape, the bytes of its values in that dtype (quantized types: their
    blocks; a deflated npz member: inflated, while ``raw()`` gives the compressed stream), and
    the absolute offset of its stored bytes in the file."""

    dtype: str
    shape: Tuple[int, ...]
    nbytes: int
    offset: int


class TensorSlice:
    """Part of one tensor, read on indexing: ``f.get_slice(name)[a:b]`` reads rows a..b only.

    Indices are NumPy's basic ones over the leading dimensions: slices (any step) and integers,
    with an optional Ellipsis. A row range of a payload stored in place is a zero-copy view of
    just those rows; other slices copy exactly the bytes they select."""

    def __init__(self, owner: "TensorFile", name: str, framework: str) -> None:
        self._owner = owner
        self._name = name
        self._framework = framework

    @property
    def shape(self) -> Tuple[int, ...]:
        return self._owner._core_file().shape(self._name)

    @property
    def dtype(self) -> str:
        return self._owner._core_file().dtype_name(self._name)

    def get_shape(self) -> List[int]:
        """The full tensor's shape (as safetensors' slice object has it)."""
        return list(self.shape)

    def get_dtype(self) -> str:
        """The tensor's tensorio dtype name."""
        return self.dtype

    def __len__(self) -> int:
        shape = self.shape
        if not shape:
            raise TypeError("len() of a 0-d tensor")
        return shape[0]

    def __getitem__(self, key: Any) -> Any:
        core = self._owner._core_file()
        shape = core.shape(self._name)
        keys = list(key) if isinstance(key, tuple) else [key]
        if keys.count(Ellipsis) > 1:
            raise IndexError("an index can only have a single ellipsis ('...')")
        if Ellipsis in keys:
            at = keys.index(Ellipsis)
            keys[at:at + 1] = [slice(None)] * (len(shape) - len(keys) + 1)
        if len(keys) > len(shape):
            raise IndexError(f"too many indices: tensor '{self._name}' is {len(shape)}-dimensional"
                             f" but {len(keys)} were given")
        bounds: List[Tuple[int, int]] = []
        post: List[Any] = []
        for dim, k in zip(shape, keys):
            if isinstance(k, slice):
                r = range(*k.indices(dim))
                if len(r) == 0:
                    bounds.append((0, 0))
                    post.append(slice(None))
                    continue
                lo, hi = min(r[0], r[-1]), max(r[0], r[-1]) + 1
                bounds.append((lo, hi))
                if r.step == 1:
                    post.append(slice(None))
                else:
                    stop = r.stop - lo
                    post.append(slice(r.start - lo, stop if stop >= 0 else None, r.step))
            else:
                try:
                    i = operator.index(k)
                except TypeError:
                    raise TypeError(f"tensor slices take integers and slices, not "
                                    f"{type(k).__name__}") from None
                if i < 0:
                    i += dim
                if not 0 <= i < dim:
                    raise IndexError(f"index {k} is out of bounds for a dimension of {dim}")
                bounds.append((i, i + 1))
                post.append(0)
        framework = self._framework
        extended, unsupported = _frameworks.policy(framework)
        if not bounds:
            array = core.get(self._name, extended, unsupported, framework == "torch")
        else:
            array = core.slice(self._name, bounds, extended, unsupported, framework == "torch")
        if any(p != slice(None) for p in post):
            array = array[tuple(post)]
            if framework == "torch" and any(s < 0 for s in array.strides):
                array = array.copy()  # PyTorch takes no negative strides
        return _frameworks.present(array, self._name, core.dtype_name(self._name), framework)

    def __repr__(self) -> str:
        return f"<tensorio.TensorSlice {self._name!r} {self.dtype} {self.shape}>"


class TensorFile(Mapping):
    """A lazy, read-only view of a checkpoint, returned by :func:`tensorio.open`.

    A ``Mapping`` from tensor name to array (in file order, the names :func:`tensorio.load`
    gives), read on access: ``f[name]`` / ``f.get(name, framework=...)`` return one tensor,
    ``f.get_slice(name)[a:b]`` rows of one, ``f.raw(name)`` its stored bytes,
    ``f.dequantize(name)`` its values as floats; ``f.keys()``, ``f.metadata()``, ``f.info(name)``
    read only the header. Use it as a context manager (``with tensorio.open(p) as f:``) or call
    ``close()``; arrays already returned stay valid after it is closed (they keep the file's
    mapping alive). Safe to use from several threads at once.
    """

    def __init__(self, core: File, framework: str) -> None:
        self._core: Optional[File] = core
        self._framework = framework
        self._names: List[str] = core.names()

    def _core_file(self) -> File:
        if self._core is None:
            raise ValueError("I/O operation on a closed tensorio file")
        return self._core

    # -- Mapping
    def __getitem__(self, name: str) -> Any:
        core = self._core_file()
        if not isinstance(name, str) or not core.contains(name):
            raise KeyError(name)
        return self.get(name)

    def __iter__(self) -> Iterator[str]:
        self._core_file()
        return iter(self._names)

    def __len__(self) -> int:
        self._core_file()
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._core_file().contains(name)

    # -- reading
    def get(self, name: str, default: Any = None, *, framework: Optional[str] = None) -> Any:
        """Tensor ``name`` as an array (``framework="numpy"``, read-only, zero-copy when stored
        in place) or a ``torch.Tensor`` (``framework="torch"``; see :func:`tensorio.load`), or
        ``default`` when the file has no such tensor. ``framework`` defaults to the one given to
        :func:`tensorio.open`."""
        core = self._core_file()
        if not isinstance(name, str) or not core.contains(name):
            return default
        fw = self._framework if framework is None else _frameworks.framework_name(framework)
        extended, unsupported = _frameworks.policy(fw)
        array = core.get(name, extended, unsupported, fw == "torch")
        return _frameworks.present(array, name, core.dtype_name(name), fw)

    def get_slice(self, name: str, *, framework: Optional[str] = None) -> TensorSlice:
        """A :class:`TensorSlice` of tensor ``name``: indexing it (``[a:b]``, ``[:, 3]``) reads
        only the selected part."""
        core = self._core_file()
        if not core.contains(name):
            raise KeyError(name)
        fw = self._framework if framework is None else _frameworks.framework_name(framework)
        return TensorSlice(self, name, fw)

    def raw(self, name: str) -> np.ndarray:
        """The bytes of the stored tensor behind ``name`` exactly as in the file, as a
        read-only, zero-copy 1-D uint8 array: quantized blocks as stored, big-endian or
        Fortran-order npy payloads untransformed, a deflated npz member's compressed stream.
        (For an MLX triplet name — P.weight / P.scales / P.biases — the stored q4_0/q4_1/q8_0
        blocks of P.weight.)"""
        return self._core_file().raw(name)

    def info(self, name: str) -> TensorInfo:
        """dtype, shape, nbytes and offset of the stored tensor behind ``name`` (see
        :class:`TensorInfo`); reads nothing."""
        dtype, shape, nbytes, offset = self._core_file().info(name)
        return TensorInfo(dtype, tuple(shape), nbytes, offset)

    def dequantize(self, name: str, dtype: Any = "float32", *,
                   framework: Optional[str] = None) -> Any:
        """The values of the stored tensor behind ``name`` as floats: ``dtype`` is "float32"
        (bit-for-bit ggml's own dequantization), "float16" or "bfloat16" (rounded to nearest
        even). Works for every ggml block type tensorio decodes (q4_0..q8_1, k-quants, iq4_nl,
        iq4_xs, mxfp4, nvfp4, tq1_0, tq2_0, q1_0, q2_0) and for float16/bfloat16/float32
        tensors; others raise tensorio.Error (code 'unsupported_dtype'). Runs without the GIL.
        Returns a new, writable array."""
        core = self._core_file()
        fw = self._framework if framework is None else _frameworks.framework_name(framework)
        if isinstance(dtype, str):
            to = dtype
        elif str(dtype).startswith("torch."):
            to = str(dtype)[len("torch."):]
        else:
            to = np.dtype(dtype).name
        extended, unsupported = _frameworks.policy(fw)
        array = core.dequantize(name, to, extended, unsupported)
        return _frameworks.present(array, name, to, fw)

    def metadata(self) -> Dict[str, Any]:
        """The file's metadata: safetensors' ``__metadata__`` (dict[str, str]); every gguf key
        with a natural Python value (int, float, bool, str, list); {} for npy and npz."""
        return self._core_file().metadata()

    def verify(self) -> List[Tuple[str, str]]:
        """Reads every payload in full (inflating, checking CRCs) and returns the problems
        found as (tensor, message) pairs; [] when the file is sound. Runs without the GIL."""
        return self._core_file().verify()

    @property
    def notes(self) -> List[str]:
        """Things worth knowing that are not errors (npz members that are not .npy, shards the
        index does not reference, ...)."""
        return self._core_file().notes()

    @property
    def format(self) -> str:
        return self._core_file().format

    @property
    def path(self) -> str:
        return self._core_file().path

    # -- lifetime
    def close(self) -> None:
        """Releases this object's hold on the file; arrays already returned stay valid."""
        self._core = None

    @property
    def closed(self) -> bool:
        return self._core is None

    def __enter__(self) -> "TensorFile":
        self._core_file()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._core is None:
            return "<tensorio.TensorFile (closed)>"
        return (f"<tensorio.TensorFile {self._core.path!r} {self._core.format}, "
                f"{len(self._names)} tensors>")
