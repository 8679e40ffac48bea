// python/src/errors.hpp — how C++ failures reach Python.
//
// tensorio::Error becomes tensorio.Error, a ValueError subclass carrying the C++ message and
// .code (the ErrorCode name), .file, .offset (None when not tied to a byte) and .reason. An
// operating-system failure the user can act on (missing file, permission, a directory) becomes
// OSError with its errno, which Python turns into FileNotFoundError, PermissionError, ...
#pragma once

#include <pybind11/pybind11.h>

#include <exception>
#include <string>

#include "tensorio/error.hpp"

namespace tensorio_py {

// An OS-level failure with its errno; raised in Python as OSError(errno, strerror, path).
class OsError : public std::exception {
 public:
  OsError(int err, std::string path, std::string message)
      : err_(err), path_(std::move(path)), message_(std::move(message)) {}
  int err() const noexcept { return err_; }
  const std::string& path() const noexcept { return path_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  int err_;
  std::string path_;
  std::string message_;
};

// Creates tensorio.Error in `m` and registers the translators of tensorio::Error and OsError.
void register_errors(pybind11::module_& m);

// For a failure to open a file for reading: throws OsError when the operating system says why
// the file named by `e` (or `path` when `e` names none) cannot be read (it is missing, not
// permitted, a directory); otherwise rethrows `e`.
[[noreturn]] void raise_open_error(const tensorio::Error& e, const std::string& path);

// For a failed save to `target`: throws OsError when the target's directory is missing or not
// writable; otherwise rethrows `e`.
[[noreturn]] void raise_save_error(const tensorio::Error& e, const std::string& target);

}  // namespace tensorio_py
