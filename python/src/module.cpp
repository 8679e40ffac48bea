// python/src/module.cpp — tensorio._tensorio, the extension under the Python package.
//
// The public Python API lives in python/tensorio/ (paths, formats, frameworks, docstrings); this
// module does what must not hold the GIL or must not cost a Python call per tensor: opening and
// validating files, running transforms in parallel, building the arrays over the mapping, and
// saving.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "arrays.hpp"
#include "errors.hpp"
#include "materialize.hpp"
#include "metadata.hpp"
#include "opened_file.hpp"
#include "save.hpp"
#include "tensorio/dequantize.hpp"
#include "tensorio/error.hpp"
#include "tensorio/slice.hpp"
#include "tensorio/tensorio.hpp"

namespace py = pybind11;
using namespace tensorio_py;

namespace {

using tensorio::TensorView;

OpenedFile& file_of(const py::object& self) { return self.cast<OpenedFile&>(); }

// Tensor names are UTF-8 in safetensors and npz, but a gguf may hold any bytes: those that are
// not UTF-8 travel as lone surrogates (Python's convention for undecodable file names), so every
// name round-trips through get(name).
py::str name_to_py(const std::string& name) {
  PyObject* o =
      PyUnicode_DecodeUTF8(name.data(), static_cast<Py_ssize_t>(name.size()), "surrogateescape");
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

std::string name_from_py(const py::str& name) {
  PyObject* b = PyUnicode_AsEncodedString(name.ptr(), "utf-8", "surrogateescape");
  if (b == nullptr) throw py::error_already_set();
  auto bytes = py::reinterpret_steal<py::bytes>(b);
  return std::string(bytes);
}

// Runs the transform of `view` (if any) without the GIL.
void materialize_one(const TensorView& view) {
  if (view.zero_copy()) return;
  const TensorView* one = &view;
  py::gil_scoped_release nogil;
  materialize({&one, 1});
}

// A new array owning a copy of `bytes` (pybind11 copies when given a pointer and no base).
py::array copied(const py::dtype& dt, std::span<const uint64_t> shape,
                 std::span<const std::byte> bytes) {
  return array_over(dt, shape, bytes.data(), py::handle());
}

// The array presenting `view`, over `anchor`'s owner. Read-only arrays point at the bytes the
// view presents. Writable ones (for PyTorch) never point into the shared mapping: bytes that lie
// in the file are reached through a private copy-on-write mapping (copied when misaligned), and
// a transform's own buffer is handed over. When the archive is `shared` (an open() object,
// asked again and again), every writable array is private to the call: a mapping of its own,
// or a copy of a transform's buffer, so a write never shows in a later get().
py::array present(OpenedFile& f, const TensorView& view, const py::dtype& dt, py::handle anchor,
                  bool writable, bool shared) {
  require_numpy_shape(view.shape(), static_cast<uint64_t>(dt.itemsize()), view.name());
  std::span<const std::byte> bytes = presented_bytes(view);
  if (!writable || bytes.empty()) return array_over(dt, view.shape(), bytes.data(), anchor);
  const bool in_file = OpenedFile::in_file(view, bytes.data());
  if (in_file ? !view.aligned() : shared) return copied(dt, view.shape(), bytes);
  if (in_file && shared) {
    auto* range = f.private_range(view).release();
    py::capsule owner(range, [](void* p) { delete static_cast<PrivateSources::Range*>(p); });
    return array_over(dt, view.shape(), range->data(), owner);
  }
  return array_over(dt, view.shape(), f.writable_address(view, bytes.data()), anchor);
}

DtypePolicy policy(py::dict extended, py::str unsupported) {
  return {std::move(extended), std::move(unsupported)};
}

py::dict load_all(const py::object& self, const py::dict& extended, const py::str& unsupported,
                  bool writable) {
  OpenedFile& f = file_of(self);
  const DtypePolicy p = policy(extended, unsupported);
  std::vector<py::dtype> dtypes;
  dtypes.reserve(f.entries().size());
  std::vector<const TensorView*> transforms;
  for (const Entry& e : f.entries()) {
    require_supported(f, e);
    dtypes.push_back(view_dtype(e.view, e.name, p));
    if (!e.view.zero_copy()) transforms.push_back(&e.view);
  }
  {
    py::gil_scoped_release nogil;
    materialize(transforms);
  }
  py::array anchor = make_anchor(self, writable);
  py::dict out;
  for (size_t i = 0; i < f.entries().size(); ++i) {
    const Entry& e = f.entries()[i];
    out[name_to_py(e.name)] = present(f, e.view, dtypes[i], anchor, writable, false);
  }
  return out;
}

py::array get_one(const py::object& self, const py::str& name_obj, const py::dict& extended,
                  const py::str& unsupported, bool writable) {
  const std::string name = name_from_py(name_obj);
  OpenedFile& f = file_of(self);
  const Entry& e = f.at(name);
  require_supported(f, e);
  py::dtype dt = view_dtype(e.view, e.name, policy(extended, unsupported));
  materialize_one(e.view);
  return present(f, e.view, dt, make_anchor(self, writable), writable, true);
}

py::array get_slice(const py::object& self, const py::str& name_obj,
                    const std::vector<std::pair<uint64_t, uint64_t>>& bounds,
                    const py::dict& extended, const py::str& unsupported, bool writable) {
  const std::string name = name_from_py(name_obj);
  OpenedFile& f = file_of(self);
  const Entry& e = f.at(name);
  require_supported(f, e);
  py::dtype dt = view_dtype(e.view, e.name, policy(extended, unsupported));
  if (bounds.size() == 1 && e.view.zero_copy()) {
    // Rows of a payload stored in place: a view of just those rows, nothing else touched.
    TensorView rows = e.view.rows(bounds[0].first, bounds[0].second);
    return present(f, rows, dt, make_anchor(self, writable), writable, true);
  }
  std::vector<tensorio::SliceRange> ranges;
  for (const auto& [start, stop] : bounds) ranges.push_back({start, stop});
  std::vector<uint64_t> shape = tensorio::slice_shape(e.view, ranges);
  py::array out = new_array(dt, shape);
  auto* dst = static_cast<std::byte*>(out.mutable_data());
  std::span<std::byte> dst_bytes(dst, static_cast<size_t>(out.nbytes()));
  {
    py::gil_scoped_release nogil;
    tensorio::copy_slice(e.view, ranges, dst_bytes);
  }
  if (!writable) out.attr("setflags")(py::arg("write") = false);
  return out;
}

py::array raw_bytes(const py::object& self, const py::str& name) {
  OpenedFile& f = file_of(self);
  const TensorView& src = f.source_of(f.at(name_from_py(name)));
  std::span<const std::byte> stored = src.stored_bytes();
  const uint64_t n = stored.size();
  return array_over(py::dtype("uint8"), {&n, 1}, stored.data(), make_anchor(self, false));
}

py::tuple info(const py::object& self, const py::str& name) {
  OpenedFile& f = file_of(self);
  const TensorView& src = f.source_of(f.at(name_from_py(name)));
  py::tuple shape(src.shape().size());
  for (size_t i = 0; i < src.shape().size(); ++i) shape[i] = py::int_(src.shape()[i]);
  return py::make_tuple(std::string(tensorio::dtype_name(src.dtype())), shape, src.nbytes(),
                        src.file_offset());
}

py::array dequantize_one(const py::object& self, const py::str& name, const std::string& to,
                         const py::dict& extended, const py::str& unsupported) {
  OpenedFile& f = file_of(self);
  const TensorView& src = f.source_of(f.at(name_from_py(name)));
  auto dtype = tensorio::dtype_from_name(to);
  if (!dtype || !tensorio::is_dequantize_output(*dtype)) {
    throw py::value_error("dequantize: dtype must be 'float32', 'float16' or 'bfloat16', not '" +
                          to + "'");
  }
  py::dtype dt = numpy_dtype(*dtype, src.name(), policy(extended, unsupported));
  auto* values = new TensorView(tensorio::dequantized(src, *dtype));
  py::capsule owner(values, [](void* p) { delete static_cast<TensorView*>(p); });
  {
    py::gil_scoped_release nogil;
    (void)values->data();
  }
  // A fresh buffer that nothing else sees: writable, like any computed array.
  return array_over(dt, values->shape(), values->data().data(), owner);
}

py::list verify_all(const py::object& self) {
  OpenedFile& f = file_of(self);
  std::vector<tensorio::VerifyProblem> problems;
  {
    py::gil_scoped_release nogil;
    problems = tensorio::verify(f.archive());
  }
  py::list out;
  for (const auto& p : problems) out.append(py::make_tuple(p.tensor, p.message));
  return out;
}

}  // namespace

PYBIND11_MODULE(_tensorio, m) {
  m.doc() = "tensorio's C++ core for Python (private: use the tensorio package)";
  register_errors(m);

  py::class_<OpenedFile, std::shared_ptr<OpenedFile>>(m, "File")
      .def(py::init([](std::string path, std::string format, bool verify_crc, bool private_source) {
             OpenSpec spec{std::move(path), std::move(format), verify_crc, private_source};
             py::gil_scoped_release nogil;
             return std::make_shared<OpenedFile>(spec);
           }),
           py::arg("path"), py::arg("format"), py::arg("verify_crc") = false,
           py::arg("private_source") = false)
      .def_property_readonly("path",
                             [](const OpenedFile& f) {
                               const std::string& p = f.archive().path();
                               PyObject* o = PyUnicode_DecodeFSDefaultAndSize(
                                   p.data(), static_cast<Py_ssize_t>(p.size()));
                               if (o == nullptr) throw py::error_already_set();
                               return py::reinterpret_steal<py::str>(o);
                             })
      .def_property_readonly("format", &OpenedFile::format)
      .def_property_readonly("file_size",
                             [](const OpenedFile& f) { return f.archive().file_size(); })
      .def("__len__", [](const OpenedFile& f) { return f.entries().size(); })
      .def("names",
           [](const OpenedFile& f) {
             py::list out(f.entries().size());
             for (size_t i = 0; i < f.entries().size(); ++i)
               out[i] = name_to_py(f.entries()[i].name);
             return out;
           })
      .def("dtype_names",
           [](const OpenedFile& f) {
             py::list out(f.entries().size());
             for (size_t i = 0; i < f.entries().size(); ++i) {
               out[i] = py::str(std::string(tensorio::dtype_name(f.entries()[i].view.dtype())));
             }
             return out;
           })
      .def("contains", [](const OpenedFile& f,
                          const py::str& name) { return f.find(name_from_py(name)) != nullptr; })
      .def("load", &load_all, py::arg("extended"), py::arg("unsupported"), py::arg("writable"))
      .def("get", &get_one, py::arg("name"), py::arg("extended"), py::arg("unsupported"),
           py::arg("writable"))
      .def("slice", &get_slice, py::arg("name"), py::arg("bounds"), py::arg("extended"),
           py::arg("unsupported"), py::arg("writable"))
      .def("raw", &raw_bytes, py::arg("name"))
      .def("info", &info, py::arg("name"))
      .def("dequantize", &dequantize_one, py::arg("name"), py::arg("dtype"), py::arg("extended"),
           py::arg("unsupported"))
      .def("shape",
           [](const OpenedFile& f, const py::str& name) {
             const Entry& e = f.at(name_from_py(name));
             py::tuple shape(e.view.shape().size());
             for (size_t i = 0; i < e.view.shape().size(); ++i) shape[i] = e.view.shape()[i];
             return shape;
           })
      .def("dtype_name",
           [](const OpenedFile& f, const py::str& name) {
             return std::string(tensorio::dtype_name(f.at(name_from_py(name)).view.dtype()));
           })
      .def("metadata", [](const OpenedFile& f) { return metadata_of(f.archive()); })
      .def("notes", [](const OpenedFile& f) { return f.archive().notes(); })
      .def("verify", &verify_all);

  m.def("save", &save, py::arg("kind"), py::arg("path"), py::arg("tensors"), py::arg("metadata"),
        py::arg("compress") = false, py::arg("level") = 6);
  m.def("error_code_names", [] {
    std::vector<std::string> out;
    for (size_t c = 1; c < static_cast<size_t>(tensorio::ErrorCode::count_); ++c) {
      out.emplace_back(tensorio::error_code_name(static_cast<tensorio::ErrorCode>(c)));
    }
    return out;
  });
}
