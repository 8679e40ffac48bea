// MappedFile — a whole file mapped read-only, shared by every view taken from it.
//
// Built on Boost.Interprocess (file_mapping + a read-only mapped_region). This is the only
// translation unit that includes Boost. The mapping lives as long as any shared_ptr to it: an
// Archive and each of its TensorRecords hold one, so closing an archive while views are alive is
// safe. An empty file is represented without a mapping (bytes() is empty).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace tensorio::detail {

class MappedFile {
 public:
  // Throws Error(file_not_found / io_error) naming the path.
  static std::shared_ptr<const MappedFile> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const noexcept { return path_; }
  uint64_t size() const noexcept { return size_; }
  std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
  int fd() const noexcept;

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

 private:
  MappedFile() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  const std::byte* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace tensorio::detail
