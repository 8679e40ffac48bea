#include "io/remote/remote_file.hpp"

#include <algorithm>
#include <cstring>

#include "io/parallel.hpp"
#include "io/remote/url.hpp"
#include "tensorio/error.hpp"

namespace tensorio::detail {

namespace {

constexpr unsigned kDefaultConnections = 8;
// Missing ranges closer than this are fetched as one: a few pages more in one answer cost less
// than another request's round trip.
constexpr uint64_t kMergeGap = uint64_t{64} << 10;
// Reads at least this many range pieces long are split over the connections.
constexpr uint64_t kSplitPieces = 2;

}  // namespace

RemoteFile::RemoteFile(const std::string& url, const RemoteOptions& options, FirstWindow first)
    : client_(url, options),
      connections_(options.connections ? options.connections : kDefaultConnections),
      range_bytes_(std::max<uint64_t>(options.range_bytes, uint64_t{64} << 10)) {
  auto answer = client_.open(first.from_start, first.bytes, [&](uint64_t size) {
    window_ = std::make_unique<SparseWindow>(size, client_.name());
    return window_->bytes();
  });
  window_->mark_filled(answer.covered);
}

void RemoteFile::read_at(uint64_t offset, std::span<std::byte> out) const {
  if (out.empty()) return;
  if (window_->filled({offset, offset + out.size()})) {
    std::memcpy(out.data(), window_->bytes().data() + offset, out.size());
    return;
  }
  fetch_into(offset, out);
}

void RemoteFile::fetch_into(uint64_t offset, std::span<std::byte> out) const {
  uint64_t pieces = (out.size() + range_bytes_ - 1) / range_bytes_;
  if (pieces < kSplitPieces || connections_ < 2) {
    client_.fetch(offset, out);
    return;
  }
  parallel_for(static_cast<size_t>(pieces), connections_, [&](size_t i, unsigned) {
    uint64_t at = i * range_bytes_;
    uint64_t len = std::min<uint64_t>(range_bytes_, out.size() - at);
    client_.fetch(offset + at, out.subspan(static_cast<size_t>(at), static_cast<size_t>(len)));
  });
}

void RemoteFile::fetch(std::vector<ByteRange> ranges) const {
  uint64_t size = window_->size();
  std::vector<ByteRange> missing;
  for (ByteRange r : ranges) {
    r.end = std::min(r.end, size);
    if (r.begin >= r.end) continue;
    for (const ByteRange& m : window_->missing(r)) missing.push_back(m);
  }
  if (missing.empty()) return;
  std::sort(missing.begin(), missing.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.begin < b.begin; });
  std::vector<ByteRange> merged;
  for (const ByteRange& m : missing) {
    if (!merged.empty() && m.begin <= merged.back().end + kMergeGap) {
      merged.back().end = std::max(merged.back().end, m.end);
    } else {
      merged.push_back(m);
    }
  }
  // Each range whole, in one request: a header is asked for in as few requests as can be.
  std::span<std::byte> bytes = window_->bytes();
  parallel_for(merged.size(), connections_, [&](size_t i, unsigned) {
    const ByteRange& p = merged[i];
    client_.fetch(p.begin,
                  bytes.subspan(static_cast<size_t>(p.begin), static_cast<size_t>(p.size())));
    window_->mark_filled(p);
  });
}

bool RemoteFile::fetch_stray_reads() const {
  std::vector<ByteRange> stray = window_->stray_reads();
  if (stray.empty()) return false;
  uint64_t grow = std::max<uint64_t>(window_->filled_bytes(), uint64_t{64} << 10);
  ByteRange& last = stray.back();
  last.end = std::min(window_->size(),
                      std::max(last.end, last.begin + std::min(grow, UINT64_MAX - last.begin)));
  fetch(std::move(stray));
  return true;
}

RemoteStats RemoteFile::stats() const noexcept {
  RemoteCounters c = client_.counters();
  return {c.requests, c.bytes, c.retries, window_->filled_bytes()};
}

std::shared_ptr<const MappedFile> open_remote_file(const std::string& url,
                                                   const OpenOptions& options, FirstWindow first) {
  auto remote = std::make_shared<RemoteFile>(url, options.remote, first);
  std::span<const std::byte> bytes = remote->bytes();
  std::string name = remote->name();
  return MappedFile::over_source(std::move(name), bytes, std::move(remote));
}

void fetch_remote_ranges(const MappedFile& file, std::span<const ByteRange> ranges) {
  if (const auto* remote = dynamic_cast<const RemoteFile*>(file.source())) {
    remote->fetch(std::vector<ByteRange>(ranges.begin(), ranges.end()));
  }
}

bool fetch_remote_stray_reads(const MappedFile& file) {
  const auto* remote = dynamic_cast<const RemoteFile*>(file.source());
  return remote != nullptr && remote->fetch_stray_reads();
}

bool remote_stats(const MappedFile& file, RemoteStats& out) {
  const auto* remote = dynamic_cast<const RemoteFile*>(file.source());
  if (remote == nullptr) return false;
  out = remote->stats();
  return true;
}

bool remote_supported() noexcept { return true; }

}  // namespace tensorio::detail
