"""Arrays of NumPy dtypes tensorio stores but does not interpret (strings, records, nested
records, long double, datetime, void): load() returns them as NumPy arrays of their exact dtype,
zero-copy where stored in place, equal to np.load's; saving them to .npy/.npz writes them back
byte for byte with their descr; other formats refuse them; object arrays stay refused.
"""
import glob
import os
import pathlib

import numpy as np
import pytest
import tensorio

from conftest import ROOT, has_torch
from test_zero_copy import address, in_mapping

CORPUS = pathlib.Path(ROOT) / "tests" / "corpus"
NPY = sorted(glob.glob(str(CORPUS / "npy" / "good" / "opaque_*.npy")))
NPZ = sorted(glob.glob(str(CORPUS / "npz" / "good" / "opaque_*.npz")))


def same(a, b):
    """Same dtype, shape and bytes in C order."""
    return (a.dtype == b.dtype and a.shape == b.shape and
            np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes())


def test_the_corpus_is_there():
    assert len(NPY) >= 12 and len(NPZ) >= 5


@pytest.mark.parametrize("path", NPY, ids=os.path.basename)
def test_npy_loads_with_its_exact_dtype(path):
    a = tensorio.load(path)
    b = np.load(path)
    assert same(a, b)
    assert not a.flags.writeable
    if b.flags.c_contiguous or b.ndim < 2:  # stored in place: the array is the mapping
        assert a.size == 0 or in_mapping(path, address(a))


@pytest.mark.parametrize("path", NPZ, ids=os.path.basename)
def test_npz_members_load_with_their_exact_dtypes(path):
    got = tensorio.load(path)
    with np.load(path) as z:
        want = {k: z[k] for k in z.files}
    assert list(got) == list(want)
    for name, a in want.items():
        if a.dtype.byteorder == ">" and a.dtype.names is None and a.dtype.kind in "iufc":
            # Numeric members come in native byte order, values unchanged.
            assert got[name].dtype == a.dtype.newbyteorder("=") and np.array_equal(got[name], a)
        else:
            assert same(got[name], a), name


def test_sparse_archive_opens_whole():
    d = tensorio.load(str(CORPUS / "npz" / "good" / "opaque_sparse_csr.npz"))
    assert d["format"].dtype == np.dtype("<U3") and str(d["format"]) == "csr"
    assert d["indptr"].tolist() == [0, 2, 3, 4]
    assert d["data"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_open_gets_and_slices_them(tmp_path):
    with tensorio.open(str(CORPUS / "npz" / "good" / "opaque_mixed.npz")) as f:
        assert f.info("labels").dtype == "opaque"
        assert f.get("labels").tolist() == ["cat", "dog", "bird"]
        rec = f.get_slice("records")[1:2]
        assert rec.dtype.names == ("name", "pos", "n") and rec["name"].tolist() == ["bb"]
        assert f.raw("labels").nbytes == 3 * 16


@pytest.mark.parametrize("ext", [".npy", ".npz"])
def test_saved_back_byte_for_byte(workdir, ext):
    rec = np.dtype([("name", "<U4"), ("xy", "<f4", (2,)), ("pad", "|V3")])
    arrays = {
        "s": np.array([b"ab", b"c"], dtype="|S2"),
        "u": np.array([["\u00e9", "zz"]], dtype=">U2"),
        "r": np.array([("a", (1, 2), b"\x01\x02\x03"), ("bcd", (3, 4), b"\x00\x00\x00")],
                      dtype=rec),
        "t": np.array(["2026-12-07"], dtype="<M8[D]"),
        "ld": np.arange(3, dtype=np.longdouble) / 3,
        "f": np.asfortranarray(np.array([["a", "b"], ["c", "d"]], dtype="<U1")),
    }
    for name, a in arrays.items():
        if ext == ".npy":
            tensorio.save(name, a)
            back = np.load(name + ".npy")
            assert same(back, a), name
        else:
            tensorio.savez(name, **{name: a})
            with np.load(name + ".npz") as z:
                assert same(z[name], a), name
    tensorio.savez_compressed("all", **arrays)
    with np.load("all.npz") as z:
        for name, a in arrays.items():
            assert same(z[name], a), name
    back = tensorio.load("all.npz")
    for name, a in arrays.items():
        assert same(back[name], a), name


def test_other_formats_and_pickles_are_refused(workdir):
    with pytest.raises(tensorio.Error) as e:
        tensorio.save_safetensors("x", {"labels": np.array(["a"], dtype="<U1")})
    assert e.value.code == "unrepresentable" and "'labels'" in str(e.value)
    assert not os.path.exists("x.safetensors")
    with pytest.raises(tensorio.Error) as e:
        tensorio.save_gguf("x", {"labels": np.array(["a"], dtype="<U1")})
    assert e.value.code == "unrepresentable"
    with pytest.raises(TypeError, match="pickle"):
        tensorio.save("o", np.array([{"k": 1}], dtype=object))
    with pytest.raises(TypeError, match="pickle"):
        tensorio.savez("o", r=np.zeros(1, dtype=[("a", "<f4"), ("o", "O")]))
    for path in glob.glob(str(CORPUS / "np[yz]" / "bad" / "object_dtype__*")):
        with pytest.raises(tensorio.Error) as e:
            tensorio.load(path)
        assert e.value.code == "object_dtype" and "pickle" in str(e.value)


@pytest.mark.skipif(not has_torch(), reason="PyTorch is not installed")
def test_torch_cannot_represent_them():
    with pytest.raises(TypeError, match="opaque"):
        tensorio.load(str(CORPUS / "npy" / "good" / "opaque_unicode.npy"), framework="torch")
