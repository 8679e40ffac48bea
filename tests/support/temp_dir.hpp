// The temporary directory of every C++ test suite (unit, concurrency, fuzz replay, ggml interop).
// Header-only so that programs which do not link the test_support library can use it too.
#pragma once

#include <stdlib.h>  // mkdtemp
#include <unistd.h>  // getpid

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace tensorio::testing {

// A fresh directory of its own, created by mkdtemp (so parallel test programs and repeated runs
// never share one), removed with everything in it when the object goes out of scope. Scope exit
// covers a failed ASSERT_* (which returns from the test body) and an exception on its way out.
class TempDir {
 public:
  // Under $TMPDIR, or /tmp when it is unset or empty.
  TempDir() : TempDir(default_base()) {}

  // Under `base`: for callers that need a particular filesystem (the fuzz round trip writes to
  // /dev/shm, where saving thousands of files a second stays off the disk).
  explicit TempDir(const std::filesystem::path& base) {
    std::string tmpl = (base / "tensorio-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
    }
    path_ = tmpl;
  }

  // Never throws: a destructor that throws while a failed test unwinds would abort the program.
  // A fork()ed child that leaves through exit() runs destructors too; only the process that made
  // the directory removes it, so such a child cannot pull it from under its parent.
  ~TempDir() {
    if (::getpid() != owner_) return;
    try {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    } catch (...) {
      // Only allocation can throw here; a leftover directory under $TMPDIR is the lesser harm.
    }
  }

  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& name) const { return path_ / name; }

  // Names of the entries in the directory (a writer's leftover temp files included), sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path_)) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  static std::filesystem::path default_base() {
    const char* dir = std::getenv("TMPDIR");
    return dir != nullptr && *dir != '\0' ? std::filesystem::path(dir)
                                          : std::filesystem::path("/tmp");
  }

  std::filesystem::path path_;
  pid_t owner_ = ::getpid();
};

}  // namespace tensorio::testing
