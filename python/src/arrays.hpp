// python/src/arrays.hpp — NumPy arrays over tensorio payloads, without copying.
//
// Every array over a file's bytes has as base an "anchor": an empty uint8 array whose own base
// is the Python object owning the C++ file (OpenedFile). An array created over an anchor takes
// its writeable flag (NumPy copies the base array's flags), so one setflags() per file makes all
// its arrays read-only, and the file, its mapping and its transformed buffers live as long as
// any array (or slice of one) does.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "tensorio/dtype.hpp"
#include "tensorio/tensor_view.hpp"

namespace tensorio_py {

namespace py = pybind11;

// How dtypes NumPy lacks are presented: `extended` maps a tensorio dtype name (bfloat16,
// float8_e4m3fn, ...) to the NumPy dtype to use (ml_dtypes' types, or a same-size integer on the
// way to PyTorch); a dtype neither NumPy nor `extended` has raises TypeError with
// `unsupported`, a str.format template given {name} and {dtype}.
struct DtypePolicy {
  py::dict extended;
  py::str unsupported;
};

// The NumPy dtype for `dtype` (tensor `name` is only used in the TypeError).
py::dtype numpy_dtype(tensorio::DType dtype, const std::string& name, const DtypePolicy& policy);

// The NumPy dtype of a view's elements: numpy_dtype() of its dtype, or for an opaque view
// (strings, records, long double, datetime: DType::opaque) the exact dtype its descr names.
py::dtype view_dtype(const tensorio::TensorView& view, const std::string& name,
                     const DtypePolicy& policy);

// ValueError naming tensor `name` when NumPy cannot create an array of `shape` with elements of
// `item_bytes` (a file may hold one: a zero dimension beside others whose product overflows).
void require_numpy_shape(std::span<const uint64_t> shape, uint64_t item_bytes,
                         const std::string& name);

// An empty uint8 array with `owner` as base, read-only unless `writable`.
py::array make_anchor(py::handle owner, bool writable);

// An array of `dtype` and `shape` over `data` (C order), with `base` as its base (without a
// base, pybind11 copies the data into a new array). Throws ValueError when a dimension does not
// fit NumPy's index type.
py::array array_over(const py::dtype& dtype, std::span<const uint64_t> shape, const void* data,
                     py::handle base);

// A new, writable array of `dtype` and `shape` owning its (uninitialized) memory.
py::array new_array(const py::dtype& dtype, std::span<const uint64_t> shape);

}  // namespace tensorio_py
