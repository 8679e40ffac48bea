// tensorio bench FILE... [--json] [--cold] [--threads N] [--path auto|mmap|pread|direct]
//                        [--runs N] [--no-save] [--save-dir DIR]
//
// Each run measures, per file: open latency, first touch of every payload byte through the
// views and of the files through a plain mapping (the baseline), read_into of every tensor
// (read_all into one resident arena), save in the same format, and — in the same run, on the same
// sizes — the limits those are compared with: summing an in-memory buffer, memcpy into the same
// arena, plain read() of the file, plain write() of the files the save wrote (same count, same
// sizes). Figures are medians over the runs, with min..max beside them.
#include <unistd.h>
#include <optional>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/bench_probe.hpp"
#include "cli/bench_remote.hpp"
#include "cli/bench_target.hpp"
#include "cli/cli.hpp"
#include "core/byte_sum.hpp"
#include "core/json_writer.hpp"
#include "io/remote/url.hpp"
#include "tensorio/read.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio::cli {

namespace fs = std::filesystem;
using bench::Stopwatch;

namespace {

constexpr size_t kLimitBufferCap = size_t{1} << 30;
constexpr size_t kReadBuffer = size_t{8} << 20;
constexpr size_t kWriteChunk = size_t{64} << 20;

struct Settings {
  bool json = false;
  bool cold = false;
  bool save = true;
  std::string save_dir;  // empty: beside each file
  unsigned runs = 5;
  ReadOptions read;
};

// One measured quantity over the runs.
struct Series {
  std::vector<double> values;
  void add(double v) { values.push_back(v); }
  double median() const {
    if (values.empty()) return 0;
    std::vector<double> v = values;
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
  double min() const {
    return values.empty() ? 0 : *std::min_element(values.begin(), values.end());
  }
  double max() const {
    return values.empty() ? 0 : *std::max_element(values.begin(), values.end());
  }
};

struct FileResult {
  std::string path;
  std::string format;
  uint64_t bytes = 0;  // payload bytes presented by the views
  uint64_t file_bytes = 0;
  size_t tensors = 0;
  Series open_us, touch, read_into, save;  // bytes/s (open: microseconds)
  Series sum, memcpy_, read, write;        // limits, bytes/s
  Series plain_touch;                      // first touch through a plain mapping, bytes/s
  Series touch_x, read_into_x, save_x;     // per-run ratios to the limit
  Series plain_touch_x;                    // per-run ratio to the same limit as touch
  Series read_into_over_plain;             // per-run read_into / plain-mapping first touch
  ReadStats last_read;
  std::string drop_method;
  double resident_after_drop = 0;
};

// A one-line progress bar on stderr, drawn only when stderr is a terminal.
class ProgressBar {
 public:
  explicit ProgressBar(size_t steps) : steps_(steps), tty_(::isatty(STDERR_FILENO) == 1) {}
  ~ProgressBar() {
    if (tty_) std::fprintf(stderr, "\r%80s\r", "");
  }
  void step(const std::string& label) {
    if (!tty_) return;
    ++done_;
    int filled = static_cast<int>(30 * done_ / std::max<size_t>(steps_, 1));
    std::fprintf(stderr, "\r[%-30s] %3zu%% %-40.40s", std::string(filled, '#').c_str(),
                 100 * done_ / std::max<size_t>(steps_, 1), label.c_str());
    std::fflush(stderr);
  }

 private:
  size_t steps_;
  size_t done_ = 0;
  bool tty_;
};

std::string scratch_dir_for(const std::string& arg, const std::string& save_dir) {
  // Saves go beside the file (same filesystem, as a real save would) unless told otherwise,
  // else to the temp dir.
  fs::path parent = save_dir.empty() ? fs::absolute(arg).parent_path() : fs::path(save_dir);
  for (const fs::path& base : {parent, fs::temp_directory_path()}) {
    std::string tmpl = (base / ".tensorio-bench-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) return tmpl;
  }
  throw Error(ErrorCode::io_error, arg, no_offset,
              "expected to create a scratch directory for saves, found none writable");
}

class Runner {
 public:
  Runner(const Settings& s, FileResult& r, const std::string& arg, ProgressBar& bar)
      : s_(s), r_(r), arg_(arg), bar_(bar) {}

  void run_all() {
    // Closed before the runs, so that each run opens the file afresh.
    auto first = std::make_optional(bench::open_target(arg_));
    files_ = bench::target_files(arg_, *first);
    r_.path = arg_;
    r_.format = std::string(format_name(first->format()));
    r_.bytes = bench::payload_bytes(*first);
    r_.file_bytes = first->file_size();
    r_.tensors = first->size();
    arena_ = bench::resident_buffer(static_cast<size_t>(r_.bytes));
    limit_buf_ = bench::resident_buffer(
        std::clamp<size_t>(static_cast<size_t>(r_.bytes), 4096, kLimitBufferCap));
    read_buf_.resize(kReadBuffer);
    first.reset();
    if (!s_.cold) (void)bench::read_bps(files_, read_buf_);  // start warm
    scratch_ = scratch_dir_for(arg_, s_.save_dir);
    try {
      for (unsigned i = 0; i < s_.runs; ++i) one_run(i);
    } catch (...) {
      fs::remove_all(scratch_);
      throw;
    }
    fs::remove_all(scratch_);
  }

 private:
  void maybe_drop() {
    if (!s_.cold) return;
    auto d = bench::drop_from_page_cache(files_);
    r_.drop_method = d.method;
    r_.resident_after_drop = std::max(r_.resident_after_drop, d.resident_after);
  }

  void label(unsigned run, const char* what) {
    bar_.step(fs::path(arg_).filename().string() + " run " + std::to_string(run + 1) + ": " + what);
  }

  // Each figure is measured right after the limit it is compared with, and the ratio is taken
  // per run: on a busy machine the load drifts, and adjacent measurements drift together.
  void one_run(unsigned run) {
    double bytes = static_cast<double>(r_.bytes);
    label(run, "open");
    maybe_drop();
    if (s_.cold) {
      Stopwatch t;
      Archive a = bench::open_target(arg_);
      r_.open_us.add(t.seconds() * 1e6);
    } else {
      // Opens take microseconds: average enough of them to rise above the clock's noise. Each
      // is timed up to its return; the close that follows (unmapping, freeing the records) is
      // not part of the open.
      Stopwatch total;
      double opening = 0;
      unsigned n = 0;
      do {
        Stopwatch t;
        Archive a = bench::open_target(arg_);
        opening += t.seconds();
        ++n;
      } while (n < 1000 && (n < 3 || total.seconds() < 0.02));
      r_.open_us.add(opening * 1e6 / n);
    }

    label(run, "limits");
    maybe_drop();
    r_.read.add(bench::read_bps(files_, read_buf_));
    r_.sum.add(bench::sum_bps(limit_buf_, r_.bytes));

    label(run, "first touch");
    maybe_drop();
    {
      Archive a = bench::open_target(arg_);
      uint64_t acc = 0;
      Stopwatch t;
      for (const TensorView& v : a.tensors()) acc += detail::sum_words(v.data());
      r_.touch.add(bytes / t.seconds());
      sink_ += acc;
    }
    r_.touch_x.add(r_.touch.values.back() /
                   (s_.cold ? r_.read.values.back() : r_.sum.values.back()));

    // The baseline the views' readahead hints and read_into are meant to beat: the same files
    // mapped plainly and read through in order, as a program that only maps them would.
    label(run, "plain mapping");
    maybe_drop();
    r_.plain_touch.add(bench::plain_map_sum_bps(files_));
    r_.plain_touch_x.add(r_.plain_touch.values.back() /
                         (s_.cold ? r_.read.values.back() : r_.sum.values.back()));

    label(run, "read_into");
    r_.memcpy_.add(bench::memcpy_bps(limit_buf_, arena_));
    maybe_drop();
    Archive a = bench::open_target(arg_);
    {
      std::vector<std::span<std::byte>> dsts;
      uint64_t at = 0;
      for (const TensorView& v : a.tensors()) {
        dsts.emplace_back(arena_.data() + at, static_cast<size_t>(v.nbytes()));
        at += v.nbytes();
      }
      Stopwatch t;
      r_.last_read = read_all(a, dsts, s_.read);
      r_.read_into.add(bytes / t.seconds());
    }
    r_.read_into_x.add(r_.read_into.values.back() /
                       (s_.cold ? r_.read.values.back() : r_.memcpy_.values.back()));
    r_.read_into_over_plain.add(r_.read_into.values.back() / r_.plain_touch.values.back());

    if (!s_.save) return;
    label(run, "save");
    for (const TensorView& v : a.tensors()) sink_ += v.data().size();  // sources resident
    // Both writes start with no dirty pages on the filesystem, so neither inherits the
    // other's writeback (the kernel throttles writers by the dirty bytes outstanding), and
    // they take turns going first, so neither always follows the other's unlink.
    auto timed_save = [&] {
      bench::flush_filesystem(scratch_);
      Stopwatch t;
      std::vector<uint64_t> written = bench::save_like(arg_, a, scratch_);
      double seconds = t.seconds();
      for (const auto& e : fs::directory_iterator(scratch_)) fs::remove(e.path());
      uint64_t total = 0;
      for (uint64_t n : written) total += n;
      r_.save.add(static_cast<double>(total) / seconds);
      return written;
    };
    // The same files with the same sizes (a folder of .npy is many files, a sharded
    // checkpoint several), written plainly.
    auto timed_write = [&](const std::vector<uint64_t>& sizes) {
      label(run, "plain write()");
      bench::flush_filesystem(scratch_);
      r_.write.add(bench::write_bps(scratch_, sizes, limit_buf_, kWriteChunk));
    };
    // A VM may hand freed memory back to its host (virtio-balloon free page reporting: 2 MiB
    // blocks free for about two seconds), and the first touch of such a page then costs a fault
    // in the host. On the VM of bench/RESULTS.md the first writer after the read phases got
    // its page cache from those pages and ran several times slower, whichever writer it was,
    // so the ratio swung with the order. An untimed write of the same sizes first leaves both
    // timed writers just-freed pages; the first run learns the sizes with an untimed save.
    label(run, "warm-up");
    if (saved_sizes_.empty()) {
      saved_sizes_ = bench::save_like(arg_, a, scratch_);
      for (const auto& e : fs::directory_iterator(scratch_)) fs::remove(e.path());
    } else {
      bench::flush_filesystem(scratch_);
      (void)bench::write_bps(scratch_, saved_sizes_, limit_buf_, kWriteChunk);
    }
    if (run % 2 == 0) {
      saved_sizes_ = timed_save();
      timed_write(saved_sizes_);
    } else {
      timed_write(saved_sizes_);
      label(run, "save");
      saved_sizes_ = timed_save();
    }
    r_.save_x.add(r_.save.values.back() / r_.write.values.back());
  }

  const Settings& s_;
  FileResult& r_;
  std::string arg_;
  ProgressBar& bar_;
  std::vector<std::string> files_;
  std::vector<std::byte> arena_, limit_buf_, read_buf_;
  std::string scratch_;
  std::vector<uint64_t> saved_sizes_;  // files the last save wrote: what plain write() writes
  uint64_t sink_ = 0;
};

std::string gbps(double bps) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GB/s", bps / 1e9);
  return buf;
}

void print_rate(const char* what, const Series& s, const Series& ratio, const char* limit_name) {
  std::printf("  %-12s %10s  (%.2f..%.2f)  %.2fx %s (%.2f..%.2f)\n", what, gbps(s.median()).c_str(),
              s.min() / 1e9, s.max() / 1e9, ratio.median(), limit_name, ratio.min(), ratio.max());
}

void print_text(const FileResult& r, const Settings& s) {
  std::printf("%s: %s, %zu tensors, %.3f GB payload, %u runs, %s\n", r.path.c_str(),
              r.format.c_str(), r.tensors, static_cast<double>(r.bytes) / 1e9, s.runs,
              s.cold ? "cold" : "warm");
  if (s.cold) {
    std::printf("  cold: page cache dropped before each step with %s (%.1f%% still cached)\n",
                r.drop_method.c_str(), 100 * r.resident_after_drop);
  }
  std::printf("  %-12s %7.1f us  (%.1f..%.1f)\n", "open", r.open_us.median(), r.open_us.min(),
              r.open_us.max());
  // Warm, the bound is memory; cold, it is the storage (plain read() of the same cold file).
  print_rate("first touch", r.touch, r.touch_x, s.cold ? "plain read()" : "in-memory sum");
  print_rate("plain map", r.plain_touch, r.plain_touch_x,
             s.cold ? "plain read()" : "in-memory sum");
  print_rate("read_into", r.read_into, r.read_into_x, s.cold ? "plain read()" : "memcpy");
  const Series& rp = r.read_into_over_plain;
  std::printf("  %-12s %.2fx first touch through the plain mapping (%.2f..%.2f)\n", "", rp.median(),
              rp.min(), rp.max());
  const ReadStats& rs = r.last_read;
  double t = std::max<double>(1, static_cast<double>(rs.total()));
  std::printf("  %-12s cached %.0f%%, O_DIRECT %.0f%%, mapped %.0f%%, transformed %.0f%%%s\n",
              "read path", 100 * rs.cached_bytes / t, 100 * rs.direct_bytes / t,
              100 * rs.mapped_bytes / t, 100 * rs.transformed_bytes / t,
              rs.direct_refused ? " (O_DIRECT refused by the filesystem)" : "");
  if (s.save) print_rate("save", r.save, r.save_x, "plain write()");
  std::printf("  %-12s sum %s, memcpy %s, read() %s", "limits", gbps(r.sum.median()).c_str(),
              gbps(r.memcpy_.median()).c_str(), gbps(r.read.median()).c_str());
  if (s.save) std::printf(", write() %s", gbps(r.write.median()).c_str());
  std::printf("\n");
}

void print_json(const std::vector<FileResult>& results,
                const std::vector<bench::RemoteResult>& remote, const Settings& s) {
  // The limits are machine-wide: medians over every run of every file.
  Series sum, read, write;
  for (const FileResult& r : results) {
    for (double v : r.sum.values) sum.add(v);
    for (double v : r.read.values) read.add(v);
    for (double v : r.write.values) write.add(v);
  }
  detail::JsonWriter w;
  w.begin_object();
  w.key("limits").begin_object();
  w.key("sum_gbps").value(sum.median() / 1e9);
  w.key("read_gbps").value(read.median() / 1e9);
  w.key("write_gbps").value(write.median() / 1e9);
  w.end_object();
  w.key("files").begin_array();
  for (const FileResult& r : results) {
    w.begin_object();
    w.key("path").value(r.path);
    w.key("format").value(r.format);
    w.key("bytes").value(r.bytes);
    w.key("tensors").value(static_cast<uint64_t>(r.tensors));
    w.key("open_us").value(r.open_us.median());
    w.key("touch_gbps").value(r.touch.median() / 1e9);
    w.key("read_into_gbps").value(r.read_into.median() / 1e9);
    w.key("cold").value(s.cold);
    w.end_object();
  }
  for (const bench::RemoteResult& r : remote) {
    w.begin_object();
    bench::write_remote_json(w, r);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  std::printf("%s\n", w.str().c_str());
}

ReadPath parse_path(const std::string& p) {
  if (p == "auto") return ReadPath::automatic;
  if (p == "mmap") return ReadPath::mmap;
  if (p == "pread") return ReadPath::pread;
  if (p == "direct") return ReadPath::direct;
  throw UsageError("--path expects auto, mmap, pread or direct, got '" + p + "'");
}

}  // namespace

const Command kBench{
    "bench", "measure open, first-touch, read_into and save speed against this machine's limits",
    "usage: tensorio bench FILE... [options]\n"
    "  For each FILE (any format; a directory is read as a folder of .npy files) and for each\n"
    "  run: open latency; first touch of every payload byte through the views, and of the\n"
    "  files through a plain mapping given no advice (the baseline the views' readahead\n"
    "  hints and read_into are meant to beat); read_into of every tensor into one buffer;\n"
    "  save in the same format; and, in the same run, this machine's limits: summing an\n"
    "  in-memory buffer of the same size, memcpy into the same buffer, plain sequential\n"
    "  read() of the file (8 MiB buffer) and plain write() of the files the save wrote (same\n"
    "  count and sizes). Prints medians with min..max, and each figure's ratio to the limit\n"
    "  measured just before it (median of the per-run ratios; cold runs compare with the\n"
    "  cold read()). A progress bar goes to stderr when it is a terminal.\n"
    "  An http(s) URL is measured against the network instead: per run, the open (latency,\n"
    "  requests, bytes), read_into of every tensor (parallel range requests) and one plain\n"
    "  GET of the whole file on one connection, discarded (as curl -o /dev/null), with\n"
    "  read_into's ratio to it; --cold, --path and the save do not apply.\n"
    "  --json         print one object: {\"limits\": {\"sum_gbps\", \"read_gbps\", "
    "\"write_gbps\"},\n"
    "                 \"files\": [{\"path\", \"format\", \"bytes\", \"tensors\", \"open_us\",\n"
    "                 \"touch_gbps\", \"read_into_gbps\", \"cold\"}]} with medians over the runs\n"
    "                 (the contract other tools read; the plain-mapping figures are text only)\n"
    "  --cold         drop the files from the page cache before each step (posix_fadvise\n"
    "                 DONTNEED, or /proc/sys/vm/drop_caches where permitted); says which\n"
    "  --threads N    read_into threads (default max(4, cores))\n"
    "  --path P       read_into path: auto (default), mmap, pread or direct\n"
    "  --runs N       runs per file (default 5)\n"
    "  --no-save      skip the save and plain write() measurements\n"
    "  --save-dir DIR save (and plain write()) into DIR instead of beside each file, e.g.\n"
    "                 /dev/shm to time the code rather than the disk\n",
    run_bench};

int run_bench(const std::vector<std::string>& argv) {
  Args args(argv, {"--json", "--cold", "--no-save"},
            {"--threads", "--path", "--runs", "--save-dir"});
  if (args.help()) {
    std::fputs(kBench.usage.data(), stdout);
    return 0;
  }
  if (args.positionals().empty()) throw UsageError("expected at least one FILE");
  Settings s;
  s.json = args.flag("--json");
  s.cold = args.flag("--cold");
  s.save = !args.flag("--no-save");
  s.runs = static_cast<unsigned>(args.value_u64("--runs", 5));
  if (s.runs == 0 || s.runs > 1000) throw UsageError("--runs expects 1..1000");
  uint64_t threads = args.value_u64("--threads", 0);
  if (threads > 1024) throw UsageError("--threads expects 0..1024");
  s.read.threads = static_cast<unsigned>(threads);
  if (auto p = args.value("--path")) s.read.path = parse_path(*p);
  if (auto d = args.value("--save-dir")) s.save_dir = *d;

  std::vector<std::string> local, urls;
  for (const std::string& p : args.positionals()) {
    (detail::is_remote_url(p) ? urls : local).push_back(p);
  }
  std::vector<FileResult> results(local.size());
  ProgressBar bar(results.size() * s.runs * (s.save ? 8 : 5) + urls.size() * s.runs * 3);
  for (size_t i = 0; i < results.size(); ++i) {
    Runner(s, results[i], local[i], bar).run_all();
  }
  std::vector<bench::RemoteResult> remote;
  for (const std::string& url : urls) {
    remote.push_back(bench::bench_remote(url, s.runs, s.read, [&](const std::string& what) {
      bar.step(detail::url_file_name(url) + " " + what);
    }));
  }
  if (s.json) {
    print_json(results, remote, s);
  } else {
    for (const FileResult& r : results) print_text(r, s);
    for (const bench::RemoteResult& r : remote) bench::print_remote_text(r, s.runs);
  }
  return 0;
}

}  // namespace tensorio::cli
