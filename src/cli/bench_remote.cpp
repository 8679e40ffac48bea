#include "cli/bench_remote.hpp"

#include <algorithm>
#include <cstdio>

#include "cli/bench_probe.hpp"
#include "core/archive_state.hpp"
#include "core/internals.hpp"
#include "io/remote/remote_open.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio::cli::bench {

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double lo(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}
double hi(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}

detail::RemoteStats stats_of(const Archive& a) {
  detail::RemoteStats total;
  for (const auto& f : Internals::state(a).files) {
    detail::RemoteStats s;
    if (detail::remote_stats(*f, s)) {
      total.requests += s.requests;
      total.bytes += s.bytes;
    }
  }
  return total;
}

}  // namespace

RemoteResult bench_remote(const std::string& url, unsigned runs, const ReadOptions& read,
                          const std::function<void(const std::string&)>& step) {
  RemoteResult r;
  r.url = url;
  std::vector<std::byte> arena;
  for (unsigned run = 0; run < runs; ++run) {
    std::string label = "run " + std::to_string(run + 1) + ": ";
    step(label + "open");
    Stopwatch t_open;
    Archive a = load(url);
    r.open_ms.push_back(t_open.seconds() * 1e3);
    detail::RemoteStats opened = stats_of(a);
    r.open_requests = opened.requests;
    r.open_bytes = opened.bytes;
    if (run == 0) {
      r.format = std::string(format_name(a.format()));
      r.tensors = a.size();
      r.file_bytes = a.file_size();
      for (const TensorView& v : a.tensors()) r.bytes += v.nbytes();
      arena = resident_buffer(static_cast<size_t>(r.bytes));
    }
    auto timed_read = [&] {
      step(label + "read_into");
      std::vector<std::span<std::byte>> dsts;
      uint64_t at = 0;
      for (const TensorView& v : a.tensors()) {
        dsts.emplace_back(arena.data() + at, static_cast<size_t>(v.nbytes()));
        at += v.nbytes();
      }
      Stopwatch t;
      (void)read_all(a, dsts, read);
      r.read_bps.push_back(static_cast<double>(r.bytes) / t.seconds());
      r.read_requests = stats_of(a).requests - opened.requests;
    };
    auto timed_get = [&] {
      step(label + "plain GET");
      Stopwatch t;
      uint64_t n = detail::download_and_discard(url, {});
      r.get_bps.push_back(static_cast<double>(n) / t.seconds());
    };
    if (run % 2 == 0) {
      timed_get();
      timed_read();
    } else {
      timed_read();
      timed_get();
    }
    r.ratio.push_back(r.read_bps.back() / r.get_bps.back());
  }
  return r;
}

void print_remote_text(const RemoteResult& r, unsigned runs) {
  std::printf("%s: %s, %zu tensors, %.3f GB payload, %u runs, remote\n", r.url.c_str(),
              r.format.c_str(), r.tensors, static_cast<double>(r.bytes) / 1e9, runs);
  std::printf("  %-12s %7.2f ms  (%.2f..%.2f)  %llu requests, %llu bytes\n", "open",
              median(r.open_ms), lo(r.open_ms), hi(r.open_ms),
              static_cast<unsigned long long>(r.open_requests),
              static_cast<unsigned long long>(r.open_bytes));
  std::printf("  %-12s %7.3f GB/s  (%.3f..%.3f)  %.2fx one plain GET (%.2f..%.2f), %llu requests\n",
              "read_into", median(r.read_bps) / 1e9, lo(r.read_bps) / 1e9, hi(r.read_bps) / 1e9,
              median(r.ratio), lo(r.ratio), hi(r.ratio),
              static_cast<unsigned long long>(r.read_requests));
  std::printf("  %-12s %7.3f GB/s  (%.3f..%.3f)  the whole file on one connection, discarded\n",
              "plain GET", median(r.get_bps) / 1e9, lo(r.get_bps) / 1e9, hi(r.get_bps) / 1e9);
}

void write_remote_json(detail::JsonWriter& w, const RemoteResult& r) {
  w.key("path").value(r.url);
  w.key("format").value(r.format);
  w.key("bytes").value(r.bytes);
  w.key("tensors").value(static_cast<uint64_t>(r.tensors));
  w.key("open_us").value(median(r.open_ms) * 1e3);
  w.key("read_into_gbps").value(median(r.read_bps) / 1e9);
  w.key("remote").value(true);
  w.key("open_requests").value(r.open_requests);
  w.key("open_bytes").value(r.open_bytes);
  w.key("read_requests").value(r.read_requests);
  w.key("plain_get_gbps").value(median(r.get_bps) / 1e9);
  w.key("read_into_over_plain_get").value(median(r.ratio));
}

}  // namespace tensorio::cli::bench
