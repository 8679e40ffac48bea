// python/src/metadata.cpp — see metadata.hpp.
#include "metadata.hpp"

#include <cstdint>
#include <cstring>
#include <string_view>

#include "tensorio/gguf.hpp"

namespace py = pybind11;

namespace tensorio_py {

namespace {

using tensorio::GgufType;

py::object string_value(std::string_view s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), nullptr);
  if (o != nullptr) return py::reinterpret_steal<py::object>(o);
  PyErr_Clear();
  return py::bytes(s.data(), s.size());
}

template <typename T>
T load_le(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// One fixed-size value from its little-endian bytes.
py::object scalar_value(GgufType type, const std::byte* p) {
  switch (type) {
    case GgufType::uint8: return py::int_(load_le<uint8_t>(p));
    case GgufType::int8: return py::int_(load_le<int8_t>(p));
    case GgufType::uint16: return py::int_(load_le<uint16_t>(p));
    case GgufType::int16: return py::int_(load_le<int16_t>(p));
    case GgufType::uint32: return py::int_(load_le<uint32_t>(p));
    case GgufType::int32: return py::int_(load_le<int32_t>(p));
    case GgufType::uint64: return py::int_(load_le<uint64_t>(p));
    case GgufType::int64: return py::int_(load_le<int64_t>(p));
    case GgufType::float32: return py::float_(load_le<float>(p));
    case GgufType::float64: return py::float_(load_le<double>(p));
    case GgufType::bool_: return py::bool_(*p != std::byte{0});
    default: break;
  }
  throw py::value_error("gguf value of type " + std::string(tensorio::gguf_type_name(type)) +
                        " is not a fixed-size scalar");
}

py::object value_of(const tensorio::GgufValueView& v);

py::list array_of(const tensorio::GgufArrayView& a) {
  py::list out(static_cast<size_t>(a.size()));
  const GgufType t = a.element_type();
  if (t == GgufType::string) {
    size_t i = 0;
    a.for_each_string([&](std::string_view s) { out[i++] = string_value(s); });
  } else if (t == GgufType::array) {
    for (uint64_t i = 0; i < a.size(); ++i) out[i] = array_of(a.array_at(i));
  } else {
    const uint32_t size = tensorio::gguf_type_size(t);
    const std::byte* p = a.raw_bytes().data();
    for (uint64_t i = 0; i < a.size(); ++i) out[i] = scalar_value(t, p + i * size);
  }
  return out;
}

py::object value_of(const tensorio::GgufValueView& v) {
  switch (v.type()) {
    case GgufType::string: return string_value(v.as_string());
    case GgufType::array: return array_of(v.array());
    default: return scalar_value(v.type(), v.raw_bytes().data());
  }
}

}  // namespace

py::dict metadata_of(const tensorio::Archive& archive) {
  py::dict out;
  if (archive.format() == tensorio::Format::gguf) {
    tensorio::GgufMetadata md = tensorio::gguf_file(archive).metadata();
    for (size_t i = 0; i < md.size(); ++i) {
      std::string_view key = md.key(i);
      out[string_value(key)] = value_of(md.value(i));
    }
  } else if (archive.format() == tensorio::Format::safetensors) {
    for (const auto& [k, v] : archive.string_metadata()) out[py::str(k)] = py::str(v);
  }
  return out;
}

}  // namespace tensorio_py
