#include "cli/remote_payloads.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>

#include "io/parallel.hpp"
#include "io/remote/url.hpp"

namespace tensorio::cli {

namespace {

// Tensors fetched at once: each large one is itself split over several connections.
constexpr unsigned kTensorsInFlight = 4;

class TransferBar {
 public:
  TransferBar(std::string label, uint64_t total)
      : label_(std::move(label)), total_(total), tty_(::isatty(STDERR_FILENO) == 1) {}
  ~TransferBar() {
    if (tty_ && drawn_) std::fprintf(stderr, "\r%100s\r", "");
  }

  void add(uint64_t bytes) {
    if (!tty_) return;
    std::lock_guard<std::mutex> lock(mutex_);
    done_ += bytes;
    auto now = std::chrono::steady_clock::now();
    if (drawn_ && done_ < total_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    drawn_ = true;
    double seconds = std::chrono::duration<double>(now - start_).count();
    double frac = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
    int filled = static_cast<int>(30 * frac);
    std::fprintf(stderr, "\r[%-30s] %5.1f%% %8.1f MB %7.1f MB/s  %-30.30s",
                 std::string(static_cast<size_t>(filled), '#').c_str(), 100 * frac,
                 static_cast<double>(done_) / 1e6,
                 seconds > 0 ? static_cast<double>(done_) / 1e6 / seconds : 0.0, label_.c_str());
    std::fflush(stderr);
  }

 private:
  std::string label_;
  uint64_t total_;
  bool tty_;
  bool drawn_ = false;
  uint64_t done_ = 0;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = start_;
};

}  // namespace

void fetch_remote_payloads(const Archive& archive, const std::string& path) {
  if (!detail::is_remote_url(path)) return;
  auto views = archive.tensors();
  uint64_t total = 0;
  for (const TensorView& v : views) total += v.nbytes();
  TransferBar bar(detail::url_file_name(path), total);
  detail::parallel_for(views.size(), kTensorsInFlight, [&](size_t i, unsigned) {
    try {
      (void)views[i].data();
    } catch (const Error&) {
      // The command reads this view again and reports the error its own way.
    }
    bar.add(views[i].nbytes());
  });
}

}  // namespace tensorio::cli
