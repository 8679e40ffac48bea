#include "io/atomic_writer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "core/mapped_file.hpp"
#include "tensorio/error.hpp"

namespace tensorio::detail {

namespace {

std::mutex g_hook_mutex;
WriteFaultHook g_hook;
std::atomic<bool> g_hook_set{false};
std::atomic<uint64_t> g_hook_calls{0};
std::atomic<uint64_t> g_temp_counter{0};

// Returns the errno the test hook injects for this call, or 0.
int injected_fault(size_t bytes) {
  if (!g_hook_set.load(std::memory_order_acquire)) return 0;
  std::lock_guard<std::mutex> lock(g_hook_mutex);
  if (!g_hook) return 0;
  return g_hook(g_hook_calls.fetch_add(1), bytes);
}

constexpr std::string_view kTempMarker = ".tensorio-tmp-";
constexpr size_t kMaxWriteCall = size_t{64} << 20;
// Spans from this size up skip the buffer (see write()).
constexpr size_t kDirectSpanBytes = size_t{64} << 10;

std::string temp_prefix(const std::filesystem::path& target) {
  return "." + target.filename().string() + std::string(kTempMarker);
}

}  // namespace

void set_write_fault_hook(WriteFaultHook hook) {
  std::lock_guard<std::mutex> lock(g_hook_mutex);
  g_hook = std::move(hook);
  g_hook_calls = 0;
  g_hook_set.store(static_cast<bool>(g_hook), std::memory_order_release);
}

size_t remove_stale_temp_files(const std::filesystem::path& target) {
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string prefix = temp_prefix(target);
  size_t removed = 0;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    // The pid is the digits after the prefix, up to the next '-'.
    std::string rest = name.substr(prefix.size());
    size_t dash = rest.find('-');
    if (dash == std::string::npos || dash == 0) continue;
    long pid = 0;
    bool digits = std::all_of(rest.begin(), rest.begin() + static_cast<long>(dash),
                              [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || dash > 9) continue;
    pid = std::stol(rest.substr(0, dash));
    bool alive = pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
    if (alive) continue;
    std::error_code rm_ec;
    if (std::filesystem::remove(it->path(), rm_ec)) ++removed;
  }
  return removed;
}

AtomicWriter::AtomicWriter(const std::filesystem::path& target, const SaveOptions& options)
    : target_(target.string()), fsync_(options.fsync) {
  size_t page = AlignedBuffer::kAlignment;
  size_t size = std::max(options.buffer_bytes, page);
  buffer_bytes_ = (size + page - 1) / page * page;  // allocated on the first buffered write

  remove_stale_temp_files(target);
  std::filesystem::path dir = target.parent_path();
  temp_path_ = (dir / (temp_prefix(target) + std::to_string(::getpid()) + "-" +
                       std::to_string(g_temp_counter.fetch_add(1))))
                   .string();
  // Keep the mode of the file being replaced; a new file gets 0666 & ~umask like any other.
  mode_t mode = 0666;
  struct stat st {};
  if (::stat(target_.c_str(), &st) == 0 && S_ISREG(st.st_mode)) mode = st.st_mode & 07777;
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd_ < 0) {
    int err = errno;
    throw Error(ErrorCode::io_error, target_, no_offset,
                "expected to create a temp file beside the target, found: " +
                    std::string(std::strerror(err)));
  }
  if (mode != 0666) (void)::fchmod(fd_, mode);
}

AtomicWriter::~AtomicWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void AtomicWriter::fail(const char* what, int err) {
  throw Error(ErrorCode::io_error, target_, position_,
              std::string(what) + " failed: " + std::strerror(err) + " (target left unchanged)");
}

void AtomicWriter::write_fully(const std::byte* data, size_t size, bool callers_bytes) {
  // Behind a large save's writes, the source pages of a tensorio mapping leave the page tables
  // again (the prefetcher mapped them just ahead): the process then holds about the prefetch
  // window of the source, not all of it, however large the checkpoint.
  bool release = callers_bytes && prefetcher_ && prefetcher_->active();
  while (size > 0) {
    // At most one buffer's worth per call: a failure (ENOSPC, EIO, EFBIG, or one injected by the
    // test hook) can then land on every buffer boundary, spans that bypass the buffer included. The
    // 64 MiB cap keeps huge buffers off the kernel's 2 GiB per-call limit; 64 MiB calls also
    // measured faster than 1 GiB ones into ext4 (the dirty-page throttling paces smaller writes
    // more smoothly), at a system call per 64 MiB, which costs nothing.
    size_t chunk = std::min({size, kMaxWriteCall, buffer_bytes_});
    if (int err = injected_fault(chunk)) fail("write", err);
    ssize_t n = ::write(fd_, data, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write", errno);
    }
    if (n == 0) fail("write", EIO);
    if (release) release_file_pages({data, static_cast<size_t>(n)});
    data += n;
    size -= static_cast<size_t>(n);
    sent_ += static_cast<uint64_t>(n);
    if (prefetcher_) prefetcher_->advance(prefetch_base_ + sent_);
  }
}

void AtomicWriter::flush() {
  if (used_ == 0) return;
  write_fully(buffer_.data(), used_, /*callers_bytes=*/false);
  used_ = 0;
}

void AtomicWriter::write(std::span<const std::byte> bytes) {
  if (committed_) fail("write after commit", EINVAL);
  const std::byte* p = bytes.data();
  size_t n = bytes.size();
  position_ += n;
  // A large span (a tensor's payload) goes to write() straight from the caller's memory after
  // whatever is pending: copying it through the buffer would cost a memcpy and the buffer's
  // page faults for nothing, which dominates when saving many small files.
  if (n >= std::min(kDirectSpanBytes, buffer_bytes_)) {
    flush();
    write_fully(p, n, /*callers_bytes=*/true);
    return;
  }
  if (buffer_.size() == 0) buffer_ = AlignedBuffer(buffer_bytes_);
  while (n > 0) {
    size_t take = std::min(n, buffer_.size() - used_);
    std::memcpy(buffer_.data() + used_, p, take);
    used_ += take;
    p += take;
    n -= take;
    if (used_ == buffer_.size()) flush();
  }
}

void AtomicWriter::write_zeros(uint64_t count) {
  static const std::byte kZeros[4096] = {};
  while (count > 0) {
    size_t take = static_cast<size_t>(std::min<uint64_t>(count, sizeof kZeros));
    write({kZeros, take});
    count -= take;
  }
}

void AtomicWriter::overwrite(uint64_t offset, std::span<const std::byte> bytes) {
  if (offset > position_ || bytes.size() > position_ - offset) {
    throw Error(ErrorCode::invalid_argument, target_, offset,
                "overwrite: expected a range inside the " + std::to_string(position_) +
                    " bytes written, found " + std::to_string(bytes.size()) + " bytes");
  }
  flush();
  const std::byte* p = bytes.data();
  size_t n = bytes.size();
  auto off = static_cast<off_t>(offset);
  while (n > 0) {
    if (int err = injected_fault(n)) fail("pwrite", err);
    ssize_t w = ::pwrite(fd_, p, n, off);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("pwrite", errno);
    }
    if (w == 0) fail("pwrite", EIO);
    p += w;
    n -= static_cast<size_t>(w);
    off += w;
  }
}

void AtomicWriter::commit() {
  flush();
  if (fsync_ && ::fsync(fd_) != 0) fail("fsync", errno);
  if (::close(fd_) != 0) {
    fd_ = -1;
    fail("close", errno);
  }
  fd_ = -1;
  if (::rename(temp_path_.c_str(), target_.c_str()) != 0) fail("rename", errno);
  committed_ = true;
  if (fsync_) {
    // Make the rename itself durable.
    std::filesystem::path dir = std::filesystem::path(target_).parent_path();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      (void)::fsync(dfd);
      ::close(dfd);
    }
  }
}

}  // namespace tensorio::detail
