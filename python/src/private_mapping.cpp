// python/src/private_mapping.cpp — see private_mapping.hpp.
#include "private_mapping.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tensorio/error.hpp"

namespace tensorio_py {

using tensorio::Error;
using tensorio::ErrorCode;
using tensorio::no_offset;

PrivateSources::~PrivateSources() {
  for (auto& [path, s] : sources_) {
    if (s.base != nullptr) ::munmap(s.base, s.size);
    if (s.fd >= 0) ::close(s.fd);
  }
}

PrivateSources::Source PrivateSources::open_source(const std::string& path) {
  Source s;
  s.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (s.fd < 0) {
    int err = errno;
    throw Error(err == ENOENT ? ErrorCode::file_not_found : ErrorCode::io_error, path, no_offset,
                "expected a readable file, found: " + std::string(std::strerror(err)));
  }
  struct stat st {};
  if (::fstat(s.fd, &st) != 0) {
    int err = errno;
    ::close(s.fd);
    throw Error(ErrorCode::io_error, path, no_offset,
                "fstat failed: " + std::string(std::strerror(err)));
  }
  s.size = static_cast<uint64_t>(st.st_size);
  s.device = static_cast<uint64_t>(st.st_dev);
  s.inode = static_cast<uint64_t>(st.st_ino);
  return s;
}

void PrivateSources::pin(const std::string& path) {
  Source s = open_source(path);
  std::lock_guard lock(mu_);
  auto [it, inserted] = sources_.emplace(path, s);
  if (!inserted) ::close(s.fd);
}

void PrivateSources::check_pinned(const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = sources_.find(path);
  if (it == sources_.end()) return;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || static_cast<uint64_t>(st.st_dev) != it->second.device ||
      static_cast<uint64_t>(st.st_ino) != it->second.inode) {
    throw Error(ErrorCode::file_changed, path, no_offset,
                "expected the file opened a moment ago, found the path replaced while it was "
                "being opened");
  }
}

PrivateSources::Source& PrivateSources::checked_source(const std::string& path, uint64_t offset,
                                                       uint64_t size) {
  auto it = sources_.find(path);
  if (it == sources_.end()) it = sources_.emplace(path, open_source(path)).first;
  Source& s = it->second;
  if (offset > s.size || size > s.size - offset) {
    throw Error(ErrorCode::file_changed, path, offset,
                "expected " + std::to_string(size) + " bytes of tensor data here, found the file " +
                    std::to_string(s.size) + " bytes long (it changed since it was opened)");
  }
  return s;
}

std::byte* PrivateSources::address(const std::string& path, uint64_t offset, uint64_t size) {
  std::lock_guard lock(mu_);
  Source& s = checked_source(path, offset, size);
  if (s.size == 0) return nullptr;
  if (s.base == nullptr) {
    void* p = ::mmap(nullptr, s.size, PROT_READ | PROT_WRITE, MAP_PRIVATE, s.fd, 0);
    if (p == MAP_FAILED) {
      throw Error(ErrorCode::io_error, path, no_offset,
                  "expected a private mapping of the file, found mmap failing: " +
                      std::string(std::strerror(errno)));
    }
    s.base = p;
  }
  return static_cast<std::byte*>(s.base) + offset;
}

}  // namespace tensorio_py

namespace tensorio_py {

PrivateSources::Range::~Range() {
  if (base_ != nullptr) ::munmap(base_, length_);
}

std::unique_ptr<PrivateSources::Range> PrivateSources::map_range(const std::string& path,
                                                                 uint64_t offset, uint64_t size) {
  std::lock_guard lock(mu_);
  Source& s = checked_source(path, offset, size);
  if (size == 0) return std::make_unique<Range>(nullptr, 0, nullptr);
  const auto page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t start = offset / page * page;
  const auto length = static_cast<size_t>(offset + size - start);
  void* p =
      ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, s.fd, static_cast<off_t>(start));
  if (p == MAP_FAILED) {
    throw Error(ErrorCode::io_error, path, offset,
                "expected a private mapping of the tensor, found mmap failing: " +
                    std::string(std::strerror(errno)));
  }
  return std::make_unique<Range>(p, length, static_cast<std::byte*>(p) + (offset - start));
}

}  // namespace tensorio_py
