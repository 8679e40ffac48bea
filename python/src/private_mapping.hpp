// python/src/private_mapping.hpp — copy-on-write mappings of the files behind zero-copy views.
//
// PyTorch tensors cannot be marked read-only, and a write into the library's read-only shared
// mapping would kill the process (SIGSEGV). A tensor handed to PyTorch therefore points into a
// private mapping of the same file (MAP_PRIVATE, PROT_READ | PROT_WRITE): reading shares the page
// cache as the shared mapping does (no copy), and a write copies only the page written, in this
// process; the file never changes.
//
// The private mapping is a second open of the file. So that it cannot be another file than the
// one the archive validated (replaced between the two opens), pin() opens it before the archive
// is opened and check_pinned() compares device and inode with what the path names afterwards.
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace tensorio_py {

class PrivateSources {
 public:
  PrivateSources() = default;
  PrivateSources(const PrivateSources&) = delete;
  PrivateSources& operator=(const PrivateSources&) = delete;
  ~PrivateSources();

  // Opens `path` now; throws tensorio::Error (io_error, file_not_found) when it cannot be.
  void pin(const std::string& path);
  // Throws Error(file_changed) when `path` no longer names the file pin() opened.
  void check_pinned(const std::string& path) const;

  // A writable copy-on-write address of bytes [offset, offset + size) of `path` (opened and
  // mapped on first use). Throws Error(file_changed) when the file is shorter than that.
  // Every caller shares the one private mapping of the file (a write is seen by every array
  // over it): for arrays handed out once, as load() does.
  std::byte* address(const std::string& path, uint64_t offset, uint64_t size);

  // A private mapping of its own of bytes [offset, offset + size) of `path`: writes through it
  // are seen by nobody else (for arrays handed out again and again, as open().get() does).
  class Range {
   public:
    Range(void* base, size_t length, std::byte* data) : base_(base), length_(length), data_(data) {}
    Range(const Range&) = delete;
    Range& operator=(const Range&) = delete;
    ~Range();
    std::byte* data() const noexcept { return data_; }

   private:
    void* base_;
    size_t length_;
    std::byte* data_;
  };
  std::unique_ptr<Range> map_range(const std::string& path, uint64_t offset, uint64_t size);

 private:
  struct Source {
    int fd = -1;
    uint64_t size = 0;
    uint64_t device = 0;
    uint64_t inode = 0;
    void* base = nullptr;
  };
  static Source open_source(const std::string& path);
  // The source of `path` (opened on first use), checked to hold [offset, offset + size).
  // Call with mu_ held.
  Source& checked_source(const std::string& path, uint64_t offset, uint64_t size);

  mutable std::mutex mu_;
  std::map<std::string, Source> sources_;
};

}  // namespace tensorio_py
