// python/src/save.cpp — see save.hpp.
#include "save.hpp"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

#include "errors.hpp"
#include "tensorio/gguf.hpp"
#include "tensorio/npy.hpp"
#include "tensorio/npz.hpp"
#include "tensorio/safetensors.hpp"
#include "tensorio/tensor_ref.hpp"

namespace py = pybind11;

namespace tensorio_py {

namespace {

// Buffers borrowed from Python objects, released when this goes out of scope. It must be
// destroyed with the GIL held: declare it before any gil_scoped_release.
class BorrowedBuffers {
 public:
  BorrowedBuffers() = default;
  BorrowedBuffers(const BorrowedBuffers&) = delete;
  BorrowedBuffers& operator=(const BorrowedBuffers&) = delete;
  ~BorrowedBuffers() {
    for (Py_buffer& b : views_) PyBuffer_Release(&b);
  }
  std::span<const std::byte> borrow(py::handle obj, const std::string& name) {
    Py_buffer view{};
    if (PyObject_GetBuffer(obj.ptr(), &view, PyBUF_C_CONTIGUOUS) != 0) {
      PyErr_Clear();
      throw py::type_error("tensor '" + name + "': expected C-contiguous bytes to save");
    }
    views_.push_back(view);
    return {static_cast<const std::byte*>(view.buf), static_cast<size_t>(view.len)};
  }

 private:
  std::vector<Py_buffer> views_;
};

std::vector<tensorio::TensorRef> tensor_refs(const py::list& tensors, BorrowedBuffers& buffers) {
  std::vector<tensorio::TensorRef> refs;
  refs.reserve(tensors.size());
  for (py::handle item : tensors) {
    auto t = item.cast<py::tuple>();
    if (t.size() != 4 && t.size() != 5) {
      throw py::value_error("expected (name, dtype, shape, data[, descr])");
    }
    tensorio::TensorRef r;
    r.name = t[0].cast<std::string>();
    const auto dname = t[1].cast<std::string>();
    if (dname == "opaque" && t.size() == 5) {
      // A NumPy dtype tensorio keeps opaque: its descr goes with it, validated by the saver.
      r.dtype = tensorio::DType::opaque;
      r.descr = t[4].cast<std::string>();
    } else {
      auto dtype = tensorio::dtype_from_name(dname);
      if (!dtype) throw py::type_error("tensor '" + r.name + "': unknown dtype " + dname);
      r.dtype = *dtype;
    }
    for (py::handle d : t[2].cast<py::tuple>()) r.shape.push_back(d.cast<uint64_t>());
    r.data = buffers.borrow(t[3], r.name);
    refs.push_back(std::move(r));
  }
  return refs;
}

// Element i of a 0-d or 1-D array of T (any stride, any alignment).
template <typename T>
T element(const py::array& a, py::ssize_t i) {
  T v;
  const auto* p = static_cast<const char*>(a.data()) + (a.ndim() == 0 ? 0 : i * a.strides(0));
  std::memcpy(&v, p, sizeof v);
  return v;
}

tensorio::GgufValue bool_value(const py::array& a) {
  if (a.ndim() == 0) return tensorio::GgufValue(element<uint8_t>(a, 0) != 0);
  std::vector<bool> items;
  items.reserve(static_cast<size_t>(a.size()));
  for (py::ssize_t i = 0; i < a.size(); ++i) items.push_back(element<uint8_t>(a, i) != 0);
  return tensorio::GgufValue::array(items);
}

template <typename T>
tensorio::GgufValue typed_value(const py::array& a) {
  if (a.ndim() == 0) return tensorio::GgufValue(element<T>(a, 0));
  std::vector<T> items;
  items.reserve(static_cast<size_t>(a.size()));
  for (py::ssize_t i = 0; i < a.size(); ++i) items.push_back(element<T>(a, i));
  return tensorio::GgufValue::array(items);
}

tensorio::GgufValue numeric_value(const std::string& key, const py::array& a) {
  if (a.ndim() > 1) {
    throw py::value_error("metadata '" + key + "': expected a scalar or a 1-D array, found " +
                          std::to_string(a.ndim()) + " dimensions");
  }
  const char kind = a.dtype().kind();
  const auto size = a.itemsize();
  if (kind == 'b') return bool_value(a);
  if (kind == 'u' && size == 1) return typed_value<uint8_t>(a);
  if (kind == 'u' && size == 2) return typed_value<uint16_t>(a);
  if (kind == 'u' && size == 4) return typed_value<uint32_t>(a);
  if (kind == 'u' && size == 8) return typed_value<uint64_t>(a);
  if (kind == 'i' && size == 1) return typed_value<int8_t>(a);
  if (kind == 'i' && size == 2) return typed_value<int16_t>(a);
  if (kind == 'i' && size == 4) return typed_value<int32_t>(a);
  if (kind == 'i' && size == 8) return typed_value<int64_t>(a);
  if (kind == 'f' && size == 4) return typed_value<float>(a);
  if (kind == 'f' && size == 8) return typed_value<double>(a);
  throw py::value_error("metadata '" + key + "': gguf cannot store values of dtype " +
                        py::str(a.dtype()).cast<std::string>());
}

std::vector<tensorio::GgufKeyValue> gguf_metadata(const py::list& metadata) {
  std::vector<tensorio::GgufKeyValue> out;
  out.reserve(metadata.size());
  for (py::handle item : metadata) {
    auto kv = item.cast<py::tuple>();
    auto key = kv[0].cast<std::string>();
    py::handle v = kv[1];
    if (py::isinstance<py::str>(v)) {
      out.push_back({key, tensorio::GgufValue(v.cast<std::string>())});
    } else if (py::isinstance<py::list>(v)) {
      out.push_back({key, tensorio::GgufValue::string_array(v.cast<std::vector<std::string>>())});
    } else if (py::isinstance<py::array>(v)) {
      auto a = py::reinterpret_borrow<py::array>(v);
      out.push_back({key, numeric_value(key, a)});
    } else {
      throw py::type_error("metadata '" + key + "': expected str, list of str or an array");
    }
  }
  return out;
}

tensorio::StringPairs string_metadata(const py::list& metadata) {
  tensorio::StringPairs out;
  out.reserve(metadata.size());
  for (py::handle item : metadata) {
    auto kv = item.cast<py::tuple>();
    out.emplace_back(kv[0].cast<std::string>(), kv[1].cast<std::string>());
  }
  return out;
}

}  // namespace

void save(const std::string& kind, const std::string& path, const py::list& tensors,
          const py::list& metadata, bool compress, int level) {
  BorrowedBuffers buffers;
  std::vector<tensorio::TensorRef> refs = tensor_refs(tensors, buffers);
  tensorio::SaveOptions options;
  options.compress = compress;
  options.compression_level = level;
  if (kind == "npy") {
    if (refs.size() != 1) throw py::value_error("an .npy file holds exactly one array");
    py::gil_scoped_release nogil;
    try {
      tensorio::save_npy(path, refs[0], options);
    } catch (const tensorio::Error& e) {
      raise_save_error(e, path);
    }
  } else if (kind == "npz") {
    py::gil_scoped_release nogil;
    try {
      tensorio::save_npz(path, refs, options);
    } catch (const tensorio::Error& e) {
      raise_save_error(e, path);
    }
  } else if (kind == "safetensors") {
    tensorio::StringPairs md = string_metadata(metadata);
    py::gil_scoped_release nogil;
    try {
      tensorio::save_safetensors(path, refs, md, options);
    } catch (const tensorio::Error& e) {
      raise_save_error(e, path);
    }
  } else if (kind == "gguf") {
    std::vector<tensorio::GgufKeyValue> md = gguf_metadata(metadata);
    py::gil_scoped_release nogil;
    try {
      tensorio::save_gguf(path, refs, md, options);
    } catch (const tensorio::Error& e) {
      raise_save_error(e, path);
    }
  } else {
    throw py::value_error("unknown save kind " + kind);
  }
}

}  // namespace tensorio_py
