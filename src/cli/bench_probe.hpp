// The measuring instruments of `tensorio bench`: a stopwatch, the page-cache dropper for
// --cold, and the machine's own limits measured on the same bytes (summing RAM, copying RAM,
// plain read() of the file, plain write() of as many bytes) and the plain-mapping baseline.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace tensorio::cli::bench {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// How --cold evicted the files.
struct DropResult {
  std::string method;         // "posix_fadvise(DONTNEED)" or "/proc/sys/vm/drop_caches"
  double resident_after = 0;  // fraction of the files' pages still cached afterwards
};

// Evicts `paths` from the page cache: posix_fadvise(POSIX_FADV_DONTNEED) per file (after
// writing back any dirty pages, which cannot be dropped), and where that leaves pages cached
// and /proc/sys/vm/drop_caches is writable, sync + drop_caches. Never throws.
DropResult drop_from_page_cache(const std::vector<std::string>& paths);

// Fraction of `path`'s pages in the page cache (mincore over a temporary mapping); 0 for an
// empty or unreadable file.
double resident_fraction(const std::string& path);

// A buffer of non-zero bytes (no page is the shared zero page), written once so it is resident.
std::vector<std::byte> resident_buffer(size_t bytes);

// Bytes/s of summing `bytes` of memory with the touch kernel, cycling over `buffer`.
double sum_bps(std::span<const std::byte> buffer, uint64_t bytes);
// Bytes/s of memcpy of `dst.size()` bytes from `src` (cycled) into `dst` (already resident).
double memcpy_bps(std::span<const std::byte> src, std::span<std::byte> dst);
// Bytes/s of plain sequential read() of each file in full with a buffer of `buffer.size()`.
double read_bps(const std::vector<std::string>& paths, std::span<std::byte> buffer);
// Bytes/s of summing each file in full through a plain read-only mapping made for the purpose
// and given no advice: what a program that maps the file and reads it gets from the kernel's
// own fault-around and readahead — the baseline the views' hints are measured against.
// Throws Error(io_error) when a file cannot be opened or mapped.
double plain_map_sum_bps(const std::vector<std::string>& paths);
// Bytes/s of plain write() of one new file per entry of `sizes` (that many bytes each) in
// `dir`, from `buffer` (cycled) in calls of `chunk` bytes; the files are removed afterwards.
// Throws Error(io_error) when it cannot.
double write_bps(const std::filesystem::path& dir, std::span<const uint64_t> sizes,
                 std::span<const std::byte> buffer, size_t chunk);

// Writes back every dirty page of the filesystem holding `dir` (syncfs); errors are ignored.
void flush_filesystem(const std::filesystem::path& dir);

}  // namespace tensorio::cli::bench
