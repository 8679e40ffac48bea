// AtomicWriter — how every save reaches the disk.
//
// Bytes go to a temp file in the target's directory, named `.<target-name>.tensorio-tmp-<pid>-<n>`
// so that a save killed by SIGKILL leaves a recognizable file, which the next save to the same
// target removes (when its pid is no longer alive). Small writes (headers, padding, small
// tensors) are collected in one page-aligned buffer of SaveOptions::buffer_bytes, allocated on
// first use, and handed to write() in whole buffers; a span of 64 KiB or more (a payload) goes
// to write() directly from the caller's memory after the pending bytes, saving a memcpy. Each
// write() call carries at most one buffer's worth (and at most 64 MiB), so faults can be
// injected at every buffer boundary.
// commit() flushes, optionally fsyncs, and renames over the target; the destructor of an
// uncommitted writer closes and unlinks the temp file, so on any failure (an exception unwinding
// through the save) the old target is untouched. Peak extra memory is the one buffer.
//
// Not thread-safe: one writer is used by one thread (the parallel npz path serializes its
// members into it in order).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>

#include "core/aligned_buffer.hpp"
#include "io/source_prefetch.hpp"
#include "tensorio/options.hpp"

namespace tensorio::detail {

class AtomicWriter {
 public:
  AtomicWriter(const std::filesystem::path& target, const SaveOptions& options);
  ~AtomicWriter();
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;

  void write(std::span<const std::byte> bytes);
  void write_zeros(uint64_t count);
  // Bytes written so far (the file offset of the next byte).
  uint64_t position() const noexcept { return position_; }
  // Overwrites bytes already written at `offset` (zip local headers patched with CRC/sizes).
  void overwrite(uint64_t offset, std::span<const std::byte> bytes);
  // Makes the file the target. After commit() the writer is finished.
  void commit();
  // Reports the bytes handed to write() (plus `base`, for a prefetcher shared by several files)
  // to `prefetcher` after every system call, so it can map the source ahead of the copy; while
  // it is active, the whole pages of a span written from a tensorio mapping are dropped from the
  // page tables behind each write() (release_file_pages: the page cache keeps them). The
  // prefetcher must outlive the writer's last write; nullptr detaches.
  void attach(SourcePrefetcher* prefetcher, uint64_t base = 0) noexcept {
    prefetcher_ = prefetcher;
    prefetch_base_ = base;
  }

  const std::string& temp_path() const noexcept { return temp_path_; }
  const std::string& target_path() const noexcept { return target_; }

 private:
  void flush();
  // `callers_bytes`: a span of the caller's memory (not the buffer), released from the page
  // tables behind the write when it lies in a tensorio mapping (see attach()).
  void write_fully(const std::byte* data, size_t size, bool callers_bytes);
  [[noreturn]] void fail(const char* what, int err);

  std::string target_;
  std::string temp_path_;
  int fd_ = -1;
  bool fsync_ = false;
  bool committed_ = false;
  size_t buffer_bytes_ = 0;
  AlignedBuffer buffer_;
  size_t used_ = 0;
  uint64_t position_ = 0;
  uint64_t sent_ = 0;  // bytes write() has accepted
  SourcePrefetcher* prefetcher_ = nullptr;
  uint64_t prefetch_base_ = 0;
};

// Test hook for fault injection: called before every write()/pwrite() system call with the
// call's index (0, 1, ...) and the bytes about to be written; returning a non-zero errno makes
// the call fail with it. Pass nullptr to remove. Global; for tests only.
using WriteFaultHook = std::function<int(uint64_t call_index, size_t bytes)>;
void set_write_fault_hook(WriteFaultHook hook);

// Removes `.<name>.tensorio-tmp-<pid>-<n>` files beside `target` left by saves whose process is
// gone (a save killed by SIGKILL). Returns how many were removed.
size_t remove_stale_temp_files(const std::filesystem::path& target);

}  // namespace tensorio::detail
