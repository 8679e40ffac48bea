#include "core/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/interprocess/file_mapping.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

#include "core/page_range.hpp"
#include "tensorio/error.hpp"

namespace tensorio::detail {

namespace bip = boost::interprocess;

struct MappedFile::Impl {
  bip::file_mapping mapping;
  bip::mapped_region region;
};

namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Live mappings of real files (start address -> end), for release_file_pages(): only pages of
// these may be dropped from the page tables, since for any other memory MADV_DONTNEED would
// discard the contents. A mapping leaves the registry before it is unmapped, under the same
// mutex as the madvise, so no range is released after its mapping went.
std::mutex g_mappings_mutex;
std::map<uintptr_t, uintptr_t> g_mappings;

void register_mapping(const std::byte* data, uint64_t size) {
  std::lock_guard<std::mutex> lock(g_mappings_mutex);
  auto begin = reinterpret_cast<uintptr_t>(data);
  g_mappings[begin] = begin + size;
}

void unregister_mapping(const std::byte* data) {
  std::lock_guard<std::mutex> lock(g_mappings_mutex);
  g_mappings.erase(reinterpret_cast<uintptr_t>(data));
}

// The memory-file registry. Lookups happen on every open, so an empty registry (production)
// costs one relaxed-enough atomic load; the map itself is only read under the mutex.
std::mutex g_memory_mutex;
struct MemoryEntry {
  std::span<const std::byte> bytes;
  std::shared_ptr<const void> owner;
};
std::map<std::string, MemoryEntry, std::less<>> g_memory_files;
std::atomic<size_t> g_memory_count{0};

bool find_memory_file(const std::string& path, MemoryEntry& out) {
  if (g_memory_count.load(std::memory_order_acquire) == 0) return false;
  std::lock_guard<std::mutex> lock(g_memory_mutex);
  auto it = g_memory_files.find(path);
  if (it == g_memory_files.end()) return false;
  out = it->second;
  return true;
}

}  // namespace

MemoryFile::MemoryFile(std::string path, std::span<const std::byte> bytes,
                       std::shared_ptr<const void> owner)
    : path_(std::move(path)) {
  std::lock_guard<std::mutex> lock(g_memory_mutex);
  g_memory_files[path_] = MemoryEntry{bytes, std::move(owner)};
  g_memory_count.store(g_memory_files.size(), std::memory_order_release);
}

MemoryFile::~MemoryFile() {
  std::lock_guard<std::mutex> lock(g_memory_mutex);
  g_memory_files.erase(path_);
  g_memory_count.store(g_memory_files.size(), std::memory_order_release);
}

std::shared_ptr<const MappedFile> MappedFile::open(const std::string& path, AccessMode access,
                                                   bool map_next_view) {
  MemoryEntry memory;
  if (find_memory_file(path, memory)) {
    std::shared_ptr<MappedFile> f(new MappedFile());
    f->path_ = path;
    f->data_ = memory.bytes.empty() ? nullptr : memory.bytes.data();
    f->size_ = memory.bytes.size();
    f->owner_ = std::move(memory.owner);
    f->access_ = access;
    return f;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    throw Error(err == ENOENT ? ErrorCode::file_not_found : ErrorCode::io_error, path, no_offset,
                "expected a readable file, found: " + errno_text(err));
  }
  if (!S_ISREG(st.st_mode)) {
    throw Error(ErrorCode::io_error, path, no_offset,
                "expected a regular file, found a directory or special file");
  }
  std::shared_ptr<MappedFile> f(new MappedFile());
  f->path_ = path;
  f->access_ = access;
  f->map_next_view_ = map_next_view && access == AccessMode::mmap;
  f->impl_ = std::make_unique<Impl>();
  try {
    f->impl_->mapping = bip::file_mapping(path.c_str(), bip::read_only);
    struct stat fst {};
    if (::fstat(f->fd(), &fst) != 0) {
      throw Error(ErrorCode::io_error, path, no_offset, "fstat failed: " + errno_text(errno));
    }
    f->size_ = static_cast<uint64_t>(fst.st_size);
    if (f->size_ > 0) {
      // MAP_SHARED read-only: pages come straight from the page cache, no private copies.
      f->impl_->region = bip::mapped_region(f->impl_->mapping, bip::read_only, 0, f->size_);
      f->data_ = static_cast<const std::byte*>(f->impl_->region.get_address());
      register_mapping(f->data_, f->size_);
    }
  } catch (const bip::interprocess_exception& e) {
    throw Error(ErrorCode::io_error, path, no_offset,
                std::string("expected a mappable file, found: ") + e.what());
  }
  return f;
}

std::shared_ptr<const MappedFile> MappedFile::over_source(
    std::string path, std::span<const std::byte> bytes, std::shared_ptr<const ByteSource> source) {
  std::shared_ptr<MappedFile> f(new MappedFile());
  f->path_ = std::move(path);
  f->data_ = bytes.empty() ? nullptr : bytes.data();
  f->size_ = bytes.size();
  f->access_ = AccessMode::pread;
  f->source_ = std::move(source);
  return f;
}

MappedFile::~MappedFile() {
  if (impl_ && data_) unregister_mapping(data_);  // before the region's destructor unmaps it
}

bool release_file_pages(std::span<const std::byte> range) noexcept {
  // Whole pages only: the pages at the edges may hold bytes still to write.
  PageRange pages = pages_inside(range);
  if (pages.empty()) return false;
  auto lo = reinterpret_cast<uintptr_t>(range.data());
  std::lock_guard<std::mutex> lock(g_mappings_mutex);
  auto it = g_mappings.upper_bound(lo);
  if (it == g_mappings.begin()) return false;
  --it;
  if (lo < it->first || lo + range.size() > it->second) return false;  // not one file mapping
  return advise_pages(pages, MADV_DONTNEED) == 0;
}

int MappedFile::fd() const noexcept {
  if (!impl_) return -1;
  return static_cast<int>(impl_->mapping.get_mapping_handle().handle);
}

// Advice: failures are ignored.
void MappedFile::advise_willneed(std::span<const std::byte> range) const noexcept {
  if (impl_) (void)advise_pages(pages_touching(range), MADV_WILLNEED);
}

void MappedFile::advise_sequential(std::span<const std::byte> range) const noexcept {
  if (impl_) (void)advise_pages(pages_touching(range), MADV_SEQUENTIAL);
}

void MappedFile::populate(std::span<const std::byte> range, size_t chunk_bytes) const {
  if (!impl_ || range.empty() || !kernel_can_populate()) return;
  PageRange pages = pages_touching(range);
  size_t step = std::max(chunk_bytes / page_size() * page_size(), page_size());
  for (size_t done = 0; done < pages.size(); done += step) {
    PageRange chunk = pages.sub(done, step);
    int err = advise_pages(chunk, MADV_POPULATE_READ);
    if (err == 0) continue;
    if (err == EINVAL) return;  // a mapping the kernel will not populate: touching maps it
    uint64_t offset = static_cast<uint64_t>(chunk.begin - reinterpret_cast<uintptr_t>(data_));
    uint64_t chunk_end = std::min<uint64_t>(offset + chunk.size(), size_);
    // EFAULT: the pages are not backed by the file any more. Say so precisely when we can.
    check_still_covers(chunk_end);
    throw Error(ErrorCode::io_error, path_, offset,
                "expected to read " + std::to_string(chunk.size()) +
                    " mapped bytes, found: " + errno_text(err));
  }
}

void MappedFile::check_still_covers(uint64_t end) const {
  if (!impl_) return;  // caller memory cannot shrink
  struct stat st {};
  if (::fstat(fd(), &st) != 0) {
    throw Error(ErrorCode::io_error, path_, no_offset, "fstat failed: " + errno_text(errno));
  }
  if (static_cast<uint64_t>(st.st_size) < end) {
    throw Error(ErrorCode::file_changed, path_, static_cast<uint64_t>(st.st_size),
                "expected the file to still hold " + std::to_string(end) +
                    " bytes, found it truncated to " + std::to_string(st.st_size) +
                    " after it was opened");
  }
}

void MappedFile::read_at(uint64_t offset, std::span<std::byte> out) const {
  read_at_fd(fd(), offset, out);
}

void MappedFile::read_at_fd(int fd, uint64_t offset, std::span<std::byte> out) const {
  if (source_) {
    if (offset > size_ || out.size() > size_ - offset) {
      throw Error(ErrorCode::out_of_bounds, path_, offset,
                  "expected " + std::to_string(out.size()) + " bytes inside the " +
                      std::to_string(size_) + "-byte file, found a range past its end");
    }
    if (!out.empty()) source_->read_at(offset, out);
    return;
  }
  if (!impl_) {
    if (offset > size_ || out.size() > size_ - offset) {
      throw Error(ErrorCode::out_of_bounds, path_, offset,
                  "expected " + std::to_string(out.size()) + " bytes inside the " +
                      std::to_string(size_) + "-byte file, found a range past its end");
    }
    if (!out.empty()) std::memcpy(out.data(), data_ + offset, out.size());
    return;
  }
  size_t done = 0;
  while (done < out.size()) {
    // Cap each call below the kernel's ~2 GiB per-call limit.
    size_t want = std::min<size_t>(out.size() - done, size_t{1} << 30);
    // The system call itself, not glibc's pread(): that one is a cancellation point and
    // brackets every call with two atomic updates of the thread's cancel state, a tenth of a
    // small read's cost (an npz open makes one per member). Nothing here is cancellable.
    ssize_t n =
        ::syscall(SYS_pread64, fd, out.data() + done, want, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCode::io_error, path_, offset + done,
                  "pread of " + std::to_string(want) + " bytes failed: " + errno_text(errno));
    }
    if (n == 0) {
      throw Error(ErrorCode::file_changed, path_, offset + done,
                  "expected " + std::to_string(out.size()) + " bytes at offset " +
                      std::to_string(offset) + ", found the file ending after " +
                      std::to_string(done) + " (it was truncated after it was opened)");
    }
    done += static_cast<size_t>(n);
  }
}

PrivateReader::~PrivateReader() {
  if (fd_ >= 0) ::close(fd_);
}

PrivateReader::PrivateReader(PrivateReader&& other) noexcept
    : file_(other.file_), fd_(std::exchange(other.fd_, -1)), tried_(other.tried_) {}

void PrivateReader::read_at(uint64_t offset, std::span<std::byte> out) {
  if (!tried_ && !file_->in_memory() && file_->source() == nullptr) {
    tried_ = true;
    char self[40];
    std::snprintf(self, sizeof self, "/proc/self/fd/%d", file_->fd());
    fd_ = ::open(self, O_RDONLY | O_CLOEXEC);
  }
  file_->read_at_fd(fd_ >= 0 ? fd_ : file_->fd(), offset, out);
}

}  // namespace tensorio::detail
