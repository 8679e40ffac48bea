// python/src/errors.cpp — tensorio.Error and the exception translators.
#include "errors.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace py = pybind11;

namespace tensorio_py {

namespace {

// The exception type; created once and never destroyed (it must outlive every module object,
// and destroying Python objects during interpreter exit is unsafe).
PyObject* g_error_type = nullptr;

constexpr const char* error_doc =
    "A file tensorio refuses, or an operation it cannot do.\n\n"
    "Subclass of ValueError. str(e) is the C++ message: the file, the byte offset, what was\n"
    "expected and what was found. Attributes:\n"
    "  code    the ErrorCode name, e.g. 'truncated', 'bad_header', 'unsupported_dtype'\n"
    "  file    the file concerned ('' when none)\n"
    "  offset  the byte offset concerned, or None\n"
    "  reason  the message without file and offset\n";

// Text from C++ may not be UTF-8 (file names, bytes quoted from a hostile header).
py::object text(const std::string& s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(o);
}

py::object fs_path(const std::string& s) {
  PyObject* o = PyUnicode_DecodeFSDefaultAndSize(s.data(), static_cast<Py_ssize_t>(s.size()));
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(o);
}

void set_tensorio_error(const tensorio::Error& e) {
  py::object type = py::reinterpret_borrow<py::object>(g_error_type);
  py::object inst = type(text(e.what()));
  inst.attr("code") = py::str(std::string(tensorio::error_code_name(e.code())));
  inst.attr("file") = fs_path(e.file());
  inst.attr("offset") =
      e.offset() == tensorio::no_offset ? py::none() : py::cast<py::object>(py::int_(e.offset()));
  inst.attr("reason") = text(e.reason());
  PyErr_SetObject(g_error_type, inst.ptr());
}

void set_os_error(const OsError& e) {
  // OSError(errno, strerror, filename) picks the subclass for the errno.
  py::tuple args = py::make_tuple(e.err(), py::str(std::strerror(e.err())), fs_path(e.path()));
  PyErr_SetObject(PyExc_OSError, args.ptr());
}

}  // namespace

void register_errors(py::module_& m) {
  g_error_type = PyErr_NewExceptionWithDoc("tensorio.Error", error_doc, PyExc_ValueError, nullptr);
  if (g_error_type == nullptr) throw py::error_already_set();
  // Class-level defaults, so that an Error raised from Python code still has every attribute.
  py::handle type(g_error_type);
  type.attr("code") = py::none();
  type.attr("file") = py::str("");
  type.attr("offset") = py::none();
  type.attr("reason") = py::str("");
  m.add_object("Error", py::reinterpret_borrow<py::object>(type));
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const tensorio::Error& e) {
      if (e.code() == tensorio::ErrorCode::file_not_found) {
        set_os_error(OsError(ENOENT, e.file(), e.what()));
      } else {
        set_tensorio_error(e);
      }
    } catch (const OsError& e) {
      set_os_error(e);
    }
  });
}

void raise_open_error(const tensorio::Error& e, const std::string& path) {
  const std::string& file = e.file().empty() ? path : e.file();
  if (e.code() == tensorio::ErrorCode::file_not_found) throw OsError(ENOENT, file, e.what());
  if (e.code() == tensorio::ErrorCode::io_error) {
    // The library reports these as io_error with the OS's words; ask the OS again for the errno.
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) throw OsError(errno, file, e.what());
    if (S_ISDIR(st.st_mode)) throw OsError(EISDIR, file, e.what());
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == EACCES || err == EPERM) throw OsError(err, file, e.what());
    } else {
      ::close(fd);
    }
  }
  throw e;
}

void raise_save_error(const tensorio::Error& e, const std::string& target) {
  if (e.code() == tensorio::ErrorCode::io_error) {
    std::filesystem::path dir = std::filesystem::path(target).parent_path();
    if (dir.empty()) dir = ".";
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) throw OsError(errno, dir.string(), e.what());
    if (!S_ISDIR(st.st_mode)) throw OsError(ENOTDIR, dir.string(), e.what());
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
      int err = errno;
      if (err == EACCES || err == EPERM || err == EROFS) throw OsError(err, target, e.what());
    }
    if (::stat(target.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      throw OsError(EISDIR, target, e.what());
    }
  }
  throw e;
}

}  // namespace tensorio_py
