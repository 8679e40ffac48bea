#include "io/file_reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "core/checked_math.hpp"
#include "core/page_range.hpp"
#include "io/stream_copy.hpp"
#include "tensorio/error.hpp"

namespace tensorio::detail {

namespace {
std::atomic<bool> g_refuse_direct{false};
}

void set_refuse_direct_io_for_testing(bool refuse) noexcept {
  g_refuse_direct.store(refuse, std::memory_order_relaxed);
}

FileReader::~FileReader() {
  int fd = direct_fd_.load(std::memory_order_relaxed);
  if (fd >= 0) ::close(fd);
}

int FileReader::direct_fd() {
  std::call_once(direct_once_, [this] {
    if (g_refuse_direct.load(std::memory_order_relaxed)) {
      direct_refused_.store(true, std::memory_order_relaxed);
      return;
    }
    // Reopen the descriptor we mapped rather than the path: the path may name another file by
    // now (a checkpoint replaced by an atomic save), the descriptor cannot.
    std::string self = "/proc/self/fd/" + std::to_string(file_->fd());
    int fd = ::open(self.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (fd < 0) {
      direct_refused_.store(true, std::memory_order_relaxed);
      return;
    }
    direct_fd_.store(fd, std::memory_order_relaxed);
  });
  if (direct_refused_.load(std::memory_order_relaxed)) return -1;
  return direct_fd_.load(std::memory_order_relaxed);
}

void FileReader::fail_short(uint64_t offset, uint64_t wanted_end) {
  // Throws file_changed when the file shrank since it was opened (the usual cause).
  file_->check_still_covers(wanted_end);
  throw Error(ErrorCode::io_error, file_->path(), offset,
              "expected to read up to offset " + std::to_string(wanted_end) +
                  ", found the end of the file at " + std::to_string(offset));
}

void FileReader::fail_errno(const char* what, uint64_t offset, int err) {
  throw Error(ErrorCode::io_error, file_->path(), offset,
              std::string("expected ") + what + " to succeed, found: " + std::strerror(err));
}

void FileReader::read_buffered(uint64_t offset, std::span<std::byte> dst) {
  size_t done = 0;
  while (done < dst.size()) {
    ssize_t n = ::pread(file_->fd(), dst.data() + done, dst.size() - done,
                        static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno("pread", offset + done, errno);
    }
    if (n == 0) fail_short(offset + done, offset + dst.size());
    done += static_cast<size_t>(n);
  }
}

bool FileReader::read_direct(uint64_t offset, std::span<std::byte> dst, size_t block_bytes,
                             AlignedBuffer& bounce) {
  int fd = direct_fd();
  if (fd < 0) return false;
  const uint64_t a = kDirectAlignment;
  size_t want_cap = (std::max<size_t>(block_bytes, a) + a - 1) / a * a + 2 * a;
  if (bounce.size() < want_cap) bounce = AlignedBuffer(want_cap);
  uint64_t end = offset + dst.size();  // inside the file: callers checked against its size
  uint64_t aligned_end = *checked_align_up(end, a);
  uint64_t pos = offset & ~(a - 1);
  while (pos < end) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(bounce.size(), aligned_end - pos));
    ssize_t n = ::pread(fd, bounce.data(), want, static_cast<off_t>(pos));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EINVAL) {
        // The filesystem opened O_DIRECT but refuses these reads: buffered from now on.
        direct_refused_.store(true, std::memory_order_relaxed);
        return false;
      }
      fail_errno("O_DIRECT pread", pos, errno);
    }
    uint64_t got_end = pos + static_cast<uint64_t>(n);
    uint64_t from = std::max(pos, offset);
    uint64_t to = std::min(got_end, end);
    if (to > from) {
      stream_copy(dst.data() + (from - offset), bounce.data() + (from - pos), to - from);
    }
    if (got_end >= end) break;
    // A short read that is not a whole number of blocks is the end of the file.
    if (n == 0 || static_cast<uint64_t>(n) % a != 0) fail_short(got_end, end);
    pos = got_end;
  }
  return true;
}

bool FileReader::cached(uint64_t offset, size_t len) const {
  PageRange range = pages_touching(file_->bytes().subspan(offset, len));
  const size_t page = page_size();
  thread_local std::vector<unsigned char> pages;
  pages.resize((range.size() + page - 1) / page);
  if (::mincore(range.address(), range.size(), pages.data()) != 0) return false;
  return std::all_of(pages.begin(), pages.end(), [](unsigned char c) { return (c & 1) != 0; });
}

void FileReader::read_mapped(uint64_t offset, std::span<std::byte> dst) {
  file_->check_still_covers(offset + dst.size());
  stream_copy(dst.data(), file_->bytes().data() + offset, dst.size());
}

void FileReader::read(uint64_t offset, std::span<std::byte> dst, ReadPath path, size_t block_bytes,
                      AlignedBuffer& bounce, ReadStats& stats) {
  if (dst.empty()) return;
  if (file_->source() != nullptr) {  // a remote file: one range request, into dst
    file_->read_at(offset, dst);
    stats.network_bytes += dst.size();
    return;
  }
  // An archive opened with AccessMode::pread promises that no payload byte is read through
  // its mapping: the paths that would use it read with pread instead.
  if (file_->access() == AccessMode::pread && path != ReadPath::direct) path = ReadPath::pread;
  switch (path) {
    case ReadPath::mmap:
      read_mapped(offset, dst);
      stats.mapped_bytes += dst.size();
      return;
    case ReadPath::pread:
      read_buffered(offset, dst);
      stats.cached_bytes += dst.size();
      return;
    case ReadPath::automatic: {
      if (!file_->bytes().empty() && cached(offset, dst.size())) {
        // Map in bulk (throws file_changed if the file shrank), then copy at memory speed.
        file_->populate(file_->bytes().subspan(offset, dst.size()));
        stream_copy(dst.data(), file_->bytes().data() + offset, dst.size());
        stats.cached_bytes += dst.size();
        return;
      }
      // Not (all) cached: buffered pread from storage. Several threads of buffered 8 MiB
      // preads keep the device's queue full with no alignment constraints, and the kernel's
      // readahead merges them; on the reference VM they beat the O_DIRECT path and run level
      // with faulting the file in through a plain mapping (bench/RESULTS.md, "Cold reads").
      // ReadPath::direct remains for storage where direct I/O wins.
      read_buffered(offset, dst);
      stats.cached_bytes += dst.size();
      return;
    }
    case ReadPath::direct: break;
  }
  if (read_direct(offset, dst, block_bytes, bounce)) {
    stats.direct_bytes += dst.size();
    return;
  }
  stats.direct_refused = true;
  read_buffered(offset, dst);
  stats.cached_bytes += dst.size();
}

}  // namespace tensorio::detail
