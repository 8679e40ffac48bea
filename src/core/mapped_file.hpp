// MappedFile — a whole file mapped read-only, shared by every view taken from it.
//
// Built on Boost.Interprocess (file_mapping + a read-only mapped_region). This is the only
// translation unit that includes Boost. The mapping lives as long as any shared_ptr to it: an
// Archive and each of its TensorRecords hold one, so closing an archive while views are alive is
// safe. An empty file is represented without a mapping (bytes() is empty).
//
// Access modes (OpenOptions::access): with AccessMode::mmap payloads are handed out as spans of
// the mapping. With AccessMode::pread the file is still mapped, and parsers read their headers
// from the mapping while the file is opened, but TensorRecord::data() copies each payload out
// with read_at() (pread) into an owned buffer, so a file that vanishes under a network
// filesystem later is reported as an Error instead of faulting.
//
// Remote files (over_source): bytes() spans the whole resource but holds only the ranges its
// opener fetched (io/remote/); the access mode is always AccessMode::pread, and read_at() asks
// the ByteSource. Such a file has no descriptor, is never truncated under a mapping and takes
// no kernel hints.
//
// Memory files: while a MemoryFile registration for a path is alive, open() of exactly that
// path returns a MappedFile over the registered caller memory instead of touching the
// filesystem. load_from_memory() opens caller buffers this way, under a path no file has, so
// that they go through every format's opener exactly as a file does; fuzzers and mutation tests
// use it to place their bytes right before an unmapped guard page.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/byte_source.hpp"
#include "core/payload_prefetch.hpp"
#include "tensorio/options.hpp"

namespace tensorio::detail {

class MappedFile {
 public:
  // Throws Error(file_not_found / io_error) naming the path.
  static std::shared_ptr<const MappedFile> open(const std::string& path,
                                                AccessMode access = AccessMode::mmap,
                                                bool map_next_view = true);
  // A file whose bytes come from `source` (see "Remote files" above). `bytes` spans the whole
  // resource and stays valid while `source` lives (the source owns it).
  static std::shared_ptr<const MappedFile> over_source(std::string path,
                                                       std::span<const std::byte> bytes,
                                                       std::shared_ptr<const ByteSource> source);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const noexcept { return path_; }
  uint64_t size() const noexcept { return size_; }
  std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
  // The descriptor of the open file; -1 for a memory file.
  int fd() const noexcept;
  AccessMode access() const noexcept { return access_; }
  // Caller memory: every byte is in bytes() (false for a remote file, which reads through its
  // source).
  bool in_memory() const noexcept { return impl_ == nullptr && source_ == nullptr; }
  // The source of a remote file; null for a local or memory file.
  const ByteSource* source() const noexcept { return source_.get(); }
  // OpenOptions::map_next_view for the views of this file (false for a memory file).
  bool map_next_view() const noexcept { return map_next_view_; }

  // The component that maps this file's views ahead of their first access, or null. Attached
  // once by the opener (io/map_ahead.hpp) before any view of the file is handed out, never
  // changed after: readers on other threads see it through the archive's publication.
  void attach_prefetch(std::unique_ptr<const PayloadPrefetch> prefetch) const noexcept {
    prefetch_ = std::move(prefetch);
  }
  const PayloadPrefetch* prefetch() const noexcept { return prefetch_.get(); }

  // Kernel hints over a sub-span of the mapping (rounded out to pages). Failures are ignored:
  // they are advice.
  void advise_willneed(std::span<const std::byte> range) const noexcept;
  void advise_sequential(std::span<const std::byte> range) const noexcept;

  // Makes `range` resident and mapped, so touching it takes no page faults: MADV_POPULATE_READ
  // in chunks of `chunk_bytes` (a no-op on kernels without it, which still have the hints).
  // Throws Error(file_changed) when part of the range is no longer backed by the file (it was
  // truncated), where a plain touch would raise SIGBUS, and Error(io_error) on a read error.
  void populate(std::span<const std::byte> range, size_t chunk_bytes = size_t{64} << 20) const;

  // Throws Error(file_changed) when the file is now shorter than `end` bytes (it was truncated
  // after it was opened): touching the mapping past its new end would raise SIGBUS.
  void check_still_covers(uint64_t end) const;

  // Reads out.size() bytes at `offset` with pread() (memcpy for a memory file), retrying short
  // reads. Throws Error(file_changed) when the file ends early, Error(io_error) when pread fails.
  void read_at(uint64_t offset, std::span<std::byte> out) const;

 private:
  friend class PrivateReader;
  MappedFile() = default;
  // read_at() through `fd`, a descriptor of this same file.
  void read_at_fd(int fd, uint64_t offset, std::span<std::byte> out) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  const std::byte* data_ = nullptr;
  uint64_t size_ = 0;
  AccessMode access_ = AccessMode::mmap;
  bool map_next_view_ = false;
  mutable std::unique_ptr<const PayloadPrefetch> prefetch_;
  std::shared_ptr<const void> owner_;         // a memory file's bytes, when shared with the caller
  std::shared_ptr<const ByteSource> source_;  // a remote file's reader (and its bytes' owner)
};

// Many small reads of one MappedFile from one thread, through a descriptor of its own. Threads
// that share a descriptor make the kernel take and drop a reference on the one open file in
// every read, a cache line the cores then pass back and forth, which costs two threads reading
// many small npz local headers a good part of their gain (bench/RESULTS.md, "Open"). The
// descriptor is opened on the first read (on the reading thread) by reopening
// /proc/self/fd/<fd> — the very inode that was mapped, even if the path now names another file —
// and closed by the destructor. Where that fails (no /proc, a memory file) reads go through the
// file's own descriptor, exactly as MappedFile::read_at; so do all reads when `own_descriptor`
// is false (a caller reading on one thread only, where reopening would be a wasted system call).
// Not thread-safe: one per thread. The MappedFile must outlive it.
class PrivateReader {
 public:
  explicit PrivateReader(const MappedFile& file, bool own_descriptor = true) noexcept
      : file_(&file), tried_(!own_descriptor) {}
  ~PrivateReader();
  PrivateReader(PrivateReader&& other) noexcept;
  PrivateReader(const PrivateReader&) = delete;
  PrivateReader& operator=(const PrivateReader&) = delete;
  PrivateReader& operator=(PrivateReader&&) = delete;

  // As MappedFile::read_at.
  void read_at(uint64_t offset, std::span<std::byte> out);

 private:
  const MappedFile* file_;
  int fd_ = -1;         // the private descriptor, once opened
  bool tried_ = false;  // reopening was attempted (and fd_ says whether it worked)
};

// When `range` lies inside a live MappedFile mapping of a real file, drops the whole pages of it
// from this process's page tables (MADV_DONTNEED: the page cache keeps them, and a later touch
// maps them again with a minor fault) and returns true; otherwise does nothing and returns false
// (for other memory MADV_DONTNEED would discard its contents). save() uses it behind its writes
// so that saving a checkpoint larger than memory does not grow the process.
bool release_file_pages(std::span<const std::byte> range) noexcept;

// Registers `bytes` as the contents of `path` for MappedFile::open() while this object lives
// (see "Memory files" above). The bytes are not copied: they must outlive every archive and
// view opened from them (or be kept alive by `owner`). Registering a path twice, or destroying
// the registration while another thread opens the path, is the caller's error.
class MemoryFile {
 public:
  // `owner`, when given, is kept alive by every MappedFile opened from the registration (and so
  // by every view of it): the caller's way to share ownership of the bytes instead of lending.
  MemoryFile(std::string path, std::span<const std::byte> bytes,
             std::shared_ptr<const void> owner = nullptr);
  ~MemoryFile();
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace tensorio::detail
