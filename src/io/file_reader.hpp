// FileReader — copies byte ranges of one opened file into memory, by a chosen ReadPath.
//
// The automatic path asks, per block, whether the bytes are in the page cache (mincore over the
// mapping): cached blocks are mapped in bulk (MADV_POPULATE_READ) and copied with non-temporal
// stores, which runs at memory speed where the kernel's own copy in pread() does not (on the
// reference VM pread() from the page cache reaches about half of memcpy); other blocks are read
// with buffered pread(), which on the reference VM beats O_DIRECT on cold files (see
// bench/RESULTS.md). mincore only reports the page cache for files the
// process owns or may write; for others it says "not cached" and pread() still finds the cached
// bytes.
//
// Shared by the threads of one read: read() is thread-safe. Buffered reads use the mapping's
// own descriptor with pread() (positional, so threads never share a file position). O_DIRECT
// needs a second descriptor with that flag; it is opened lazily by reopening
// /proc/self/fd/<fd> — the very inode that was mapped, even if the path has since been replaced
// — and when the filesystem (or a missing /proc) refuses, the reader remembers it and reads
// buffered from then on. O_DIRECT wants offset, length and buffer aligned to the device's
// logical block; the reader reads whole 4 KiB-aligned spans (4 KiB covers every common block
// size) into the caller's aligned bounce buffer and copies out the requested part.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>

#include "core/aligned_buffer.hpp"
#include "core/mapped_file.hpp"
#include "tensorio/read.hpp"

namespace tensorio::detail {

class FileReader {
 public:
  static constexpr uint64_t kDirectAlignment = 4096;

  explicit FileReader(std::shared_ptr<const MappedFile> file) : file_(std::move(file)) {}
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  // Copies file bytes [offset, offset + dst.size()) into dst by `path`, adding what it did to
  // `stats`. `bounce` is this thread's buffer for O_DIRECT, allocated here on first use with
  // room for `block_bytes` plus alignment. Throws Error(file_changed) when the file ends early.
  void read(uint64_t offset, std::span<std::byte> dst, ReadPath path, size_t block_bytes,
            AlignedBuffer& bounce, ReadStats& stats);

 private:
  // The O_DIRECT descriptor, or -1 when the filesystem refuses O_DIRECT.
  int direct_fd();
  void read_buffered(uint64_t offset, std::span<std::byte> dst);
  // Returns false (having read nothing that matters) when O_DIRECT turns out to be refused.
  bool read_direct(uint64_t offset, std::span<std::byte> dst, size_t block_bytes,
                   AlignedBuffer& bounce);
  void read_mapped(uint64_t offset, std::span<std::byte> dst);
  // True when every page of file bytes [offset, offset + len) is in the page cache.
  bool cached(uint64_t offset, size_t len) const;
  [[noreturn]] void fail_short(uint64_t offset, uint64_t wanted_end);
  [[noreturn]] void fail_errno(const char* what, uint64_t offset, int err);

  std::shared_ptr<const MappedFile> file_;
  std::once_flag direct_once_;
  std::atomic<int> direct_fd_{-1};
  std::atomic<bool> direct_refused_{false};
};

// Test hook: while set, opening an O_DIRECT descriptor fails with EINVAL, as on a filesystem
// without direct I/O, so the fallback path can be tested anywhere. For tests only.
void set_refuse_direct_io_for_testing(bool refuse) noexcept;

}  // namespace tensorio::detail
