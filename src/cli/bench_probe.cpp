#include "cli/bench_probe.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/byte_sum.hpp"
#include "tensorio/error.hpp"

namespace tensorio::cli::bench {

namespace {

// A file descriptor closed on scope exit.
struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

volatile uint64_t g_sink = 0;

double resident_fraction_all(const std::vector<std::string>& paths) {
  double weighted = 0, total = 0;
  for (const std::string& p : paths) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) continue;
    weighted += resident_fraction(p) * static_cast<double>(st.st_size);
    total += static_cast<double>(st.st_size);
  }
  return total > 0 ? weighted / total : 0;
}

}  // namespace

double resident_fraction(const std::string& path) {
  Fd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (f.fd < 0 || ::fstat(f.fd, &st) != 0 || st.st_size == 0) return 0;
  size_t size = static_cast<size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, f.fd, 0);
  if (map == MAP_FAILED) return 0;
  size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> vec((size + page - 1) / page);
  double out = 0;
  if (::mincore(map, size, vec.data()) == 0) {
    size_t in = static_cast<size_t>(
        std::count_if(vec.begin(), vec.end(), [](unsigned char c) { return c & 1; }));
    out = static_cast<double>(in) / static_cast<double>(vec.size());
  }
  ::munmap(map, size);
  return out;
}

DropResult drop_from_page_cache(const std::vector<std::string>& paths) {
  for (const std::string& p : paths) {
    Fd f(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (f.fd < 0) continue;
    (void)::fdatasync(f.fd);  // dirty pages are not dropped; write them back first
    (void)::posix_fadvise(f.fd, 0, 0, POSIX_FADV_DONTNEED);
  }
  DropResult r{"posix_fadvise(DONTNEED)", resident_fraction_all(paths)};
  if (r.resident_after > 0.01) {
    // Some filesystems ignore the advice; the global knob works where we may use it.
    Fd f(::open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC));
    if (f.fd >= 0) {
      ::sync();
      if (::write(f.fd, "1", 1) == 1) {
        r.method = "/proc/sys/vm/drop_caches";
        r.resident_after = resident_fraction_all(paths);
      }
    }
  }
  return r;
}

std::vector<std::byte> resident_buffer(size_t bytes) {
  std::vector<std::byte> out(bytes);
  for (size_t i = 0; i < bytes; ++i) out[i] = static_cast<std::byte>((i * 131 + 7) | 1);
  return out;
}

double sum_bps(std::span<const std::byte> buffer, uint64_t bytes) {
  Stopwatch t;
  uint64_t acc = 0;
  for (uint64_t done = 0; done < bytes;) {
    size_t take = static_cast<size_t>(std::min<uint64_t>(buffer.size(), bytes - done));
    acc += detail::sum_words(buffer.first(take));
    done += take;
  }
  g_sink = g_sink + acc;
  return static_cast<double>(bytes) / t.seconds();
}

double memcpy_bps(std::span<const std::byte> src, std::span<std::byte> dst) {
  Stopwatch t;
  for (size_t done = 0; done < dst.size();) {
    size_t take = std::min(src.size(), dst.size() - done);
    std::memcpy(dst.data() + done, src.data(), take);
    done += take;
  }
  if (!dst.empty()) g_sink = g_sink + static_cast<uint64_t>(dst[dst.size() / 2]);
  return static_cast<double>(dst.size()) / t.seconds();
}

double read_bps(const std::vector<std::string>& paths, std::span<std::byte> buffer) {
  Stopwatch t;
  uint64_t total = 0;
  for (const std::string& p : paths) {
    Fd f(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (f.fd < 0) {
      throw Error(ErrorCode::io_error, p, no_offset,
                  std::string("expected a readable file, found: ") + std::strerror(errno));
    }
    for (;;) {
      ssize_t n = ::read(f.fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw Error(ErrorCode::io_error, p, total, std::strerror(errno));
      if (n == 0) break;
      total += static_cast<uint64_t>(n);
    }
  }
  return static_cast<double>(total) / t.seconds();
}

double plain_map_sum_bps(const std::vector<std::string>& paths) {
  uint64_t total = 0, acc = 0;
  Stopwatch t;
  for (const std::string& p : paths) {
    Fd f(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (f.fd < 0 || ::fstat(f.fd, &st) != 0) {
      throw Error(ErrorCode::io_error, p, no_offset,
                  std::string("expected a readable file, found: ") + std::strerror(errno));
    }
    size_t size = static_cast<size_t>(st.st_size);
    if (size == 0) continue;
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, f.fd, 0);
    if (map == MAP_FAILED) {
      throw Error(ErrorCode::io_error, p, no_offset,
                  std::string("expected to map the file, found: ") + std::strerror(errno));
    }
    // The file is the user's and was just measured; one cut short while it is summed here
    // would fault (SIGBUS), as it would for any program reading it this way — that is the
    // baseline, so no guard is added.
    acc += detail::sum_words({static_cast<const std::byte*>(map), size});
    ::munmap(map, size);
    total += size;
  }
  double seconds = t.seconds();
  g_sink = g_sink + acc;
  return static_cast<double>(total) / seconds;
}

double write_bps(const std::filesystem::path& dir, std::span<const uint64_t> sizes,
                 std::span<const std::byte> buffer, size_t chunk) {
  std::vector<std::string> paths;
  for (size_t i = 0; i < sizes.size(); ++i) {
    paths.push_back((dir / ("plain-write-" + std::to_string(i) + ".bin")).string());
  }
  auto remove_all = [&] {
    for (const std::string& p : paths) ::unlink(p.c_str());
  };
  uint64_t total = 0;
  size_t cursor = 0;  // position in `buffer`, carried across files
  Stopwatch t;
  for (size_t i = 0; i < sizes.size(); ++i) {
    Fd f(::open(paths[i].c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (f.fd < 0) {
      int err = errno;
      remove_all();
      throw Error(ErrorCode::io_error, paths[i], no_offset,
                  std::string("expected to create a file, found: ") + std::strerror(err));
    }
    for (uint64_t done = 0; done < sizes[i];) {
      size_t take = std::min({chunk, buffer.size() - cursor,
                              static_cast<size_t>(std::min<uint64_t>(sizes[i] - done, SIZE_MAX))});
      ssize_t n = ::write(f.fd, buffer.data() + cursor, take);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        int err = errno;
        remove_all();
        throw Error(ErrorCode::io_error, paths[i], done, std::strerror(err));
      }
      done += static_cast<uint64_t>(n);
      cursor = (cursor + static_cast<size_t>(n)) % buffer.size();
    }
    total += sizes[i];
  }
  double seconds = t.seconds();
  remove_all();
  return static_cast<double>(total) / seconds;
}

void flush_filesystem(const std::filesystem::path& dir) {
  Fd f(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (f.fd >= 0) (void)::syncfs(f.fd);
}

}  // namespace tensorio::cli::bench
