// python/src/arrays.cpp — see arrays.hpp.
#include "arrays.hpp"

#include <array>
#include <limits>
#include <vector>

namespace tensorio_py {

namespace {

using tensorio::DType;

bool numpy_has(DType d) {
  switch (d) {
    case DType::bool_:
    case DType::int8:
    case DType::int16:
    case DType::int32:
    case DType::int64:
    case DType::uint8:
    case DType::uint16:
    case DType::uint32:
    case DType::uint64:
    case DType::float16:
    case DType::float32:
    case DType::float64:
    case DType::complex64:
    case DType::complex128: return true;
    default: return false;
  }
}

// NumPy's own dtypes, built once and kept for the life of the process (a static holding Python
// objects must never be destroyed at exit).
const py::dtype& builtin_dtype(DType d) {
  static auto* table = new std::array<py::object, static_cast<size_t>(DType::count_)>();
  py::object& slot = (*table)[static_cast<size_t>(d)];
  if (!slot) slot = py::dtype(std::string(tensorio::dtype_info(d).numpy_descr));
  return reinterpret_cast<const py::dtype&>(slot);
}

// A valid address for arrays without elements: NumPy allocates when given none, and such an
// array would be writable and own its memory.
alignas(16) const std::byte empty_payload[16] = {};

std::vector<py::ssize_t> numpy_dims(std::span<const uint64_t> shape) {
  std::vector<py::ssize_t> dims(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] > static_cast<uint64_t>(std::numeric_limits<py::ssize_t>::max())) {
      throw py::value_error("dimension " + std::to_string(shape[i]) + " is too large for NumPy");
    }
    dims[i] = static_cast<py::ssize_t>(shape[i]);
  }
  return dims;
}

}  // namespace

py::dtype numpy_dtype(DType dtype, const std::string& name, const DtypePolicy& policy) {
  if (numpy_has(dtype)) return builtin_dtype(dtype);
  const std::string_view dname = tensorio::dtype_name(dtype);
  py::str key(dname.data(), dname.size());
  if (policy.extended.contains(key)) {
    py::dtype dt = py::dtype::from_args(policy.extended[key]);
    const uint32_t size = tensorio::item_size(dtype);
    if (size != 0 && static_cast<uint32_t>(dt.itemsize()) == size) return dt;
  }
  throw py::type_error(policy.unsupported.format(py::arg("name") = name, py::arg("dtype") = key)
                           .cast<std::string>());
}

py::dtype view_dtype(const tensorio::TensorView& view, const std::string& name,
                     const DtypePolicy& policy) {
  if (!view.opaque()) return numpy_dtype(view.dtype(), name, policy);
  // A dtype tensorio keeps opaque (strings, records, ...): NumPy's own reading of the descr,
  // which the library has already validated as NumPy reads it. A structured descr is the text
  // of a list literal: ast.literal_eval evaluates literals only, never code.
  const std::string& descr = view.descr();
  py::object spec = py::str(descr);
  if (!descr.empty() && descr.front() == '[') {
    spec = py::module_::import("ast").attr("literal_eval")(spec);
  }
  py::dtype dt = py::module_::import("numpy.lib.format").attr("descr_to_dtype")(spec);
  if (static_cast<uint64_t>(dt.itemsize()) != view.item_bytes()) {
    throw py::type_error("tensor '" + name + "' has the NumPy dtype '" + descr + "' of " +
                         std::to_string(view.item_bytes()) +
                         "-byte elements, which this NumPy "
                         "reads as " +
                         std::to_string(dt.itemsize()) + " bytes");
  }
  return dt;
}

void require_numpy_shape(std::span<const uint64_t> shape, uint64_t item_bytes,
                         const std::string& name) {
  // NumPy's own limits: every dimension an intp, and the item size times the non-zero
  // dimensions below 2^63 ("array is too big", even for an array with a zero dimension).
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t bytes = item_bytes == 0 ? 1 : item_bytes;
  bool fits = true;
  for (uint64_t d : shape) {
    if (d > kMax) fits = false;
    if (d == 0 || !fits) continue;
    if (bytes > kMax / d)
      fits = false;
    else
      bytes *= d;
  }
  if (fits) return;
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  throw py::value_error("tensor '" + name + "' has shape " + text +
                        ("), which NumPy cannot create "
                         "(its item size times its non-zero dimensions exceeds 2^63 - 1); its "
                         "stored bytes: tensorio.open(path).raw('") +
                        name + "')");
}

py::array make_anchor(py::handle owner, bool writable) {
  py::array anchor(py::dtype("uint8"), std::vector<py::ssize_t>{0}, std::vector<py::ssize_t>{},
                   empty_payload, owner);
  if (!writable) anchor.attr("setflags")(py::arg("write") = false);
  return anchor;
}

py::array array_over(const py::dtype& dtype, std::span<const uint64_t> shape, const void* data,
                     py::handle base) {
  return py::array(dtype, numpy_dims(shape), std::vector<py::ssize_t>{},
                   data != nullptr ? data : empty_payload, base);
}

py::array new_array(const py::dtype& dtype, std::span<const uint64_t> shape) {
  return py::array(dtype, numpy_dims(shape), std::vector<py::ssize_t>{});
}

}  // namespace tensorio_py
