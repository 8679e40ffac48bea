// read_into / read_all / prefetch: the work is cut into blocks and spread over a few threads
// (core/parallel.hpp); each block goes through the FileReader of its file.
#include "tensorio/read.hpp"
#include "core/internals.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "core/archive_state.hpp"
#include "core/checked_math.hpp"
#include "core/tensor_record.hpp"
#include "io/file_reader.hpp"
#include "io/parallel.hpp"
#include "tensorio/error.hpp"

namespace tensorio {

ReadStats& ReadStats::operator+=(const ReadStats& o) noexcept {
  cached_bytes += o.cached_bytes;
  direct_bytes += o.direct_bytes;
  mapped_bytes += o.mapped_bytes;
  transformed_bytes += o.transformed_bytes;
  network_bytes += o.network_bytes;
  direct_refused = direct_refused || o.direct_refused;
  return *this;
}

namespace {

using detail::FileReader;
using detail::TensorRecord;

// True when the view's bytes can be read from its file as stored: no transform, and the stored
// span is exactly the file's bytes at file_offset (so a pread there gives the same bytes).
bool readable_from_file(const TensorRecord& r) {
  if (r.lazy || !r.file || r.stored.size() != r.nbytes) return false;
  // A remote view already fetched is copied from memory, not fetched again.
  if (r.file->source() != nullptr && r.ready.load(std::memory_order_acquire)) return false;
  auto file = r.file->bytes();
  return span_fits(r.file_offset, r.nbytes, file.size()) &&
         r.stored.data() == file.data() + r.file_offset;
}

// One unit of work: copy `dst.size()` bytes into `dst`, from the file at `offset` (reader set)
// or from the view's presented bytes at `offset` (reader null: a transform or in-memory view).
struct Job {
  const TensorView* view;
  FileReader* reader;
  uint64_t offset;
  std::span<std::byte> dst;
};

size_t round_block(size_t block_bytes) {
  const size_t a = FileReader::kDirectAlignment;
  return (std::max(block_bytes, a) + a - 1) / a * a;
}

// Appends blocks covering file bytes [offset, offset + dst.size()), cut at multiples of
// `block` in file offsets so O_DIRECT reads of neighbouring blocks never share a page.
void append_blocks(std::vector<Job>& jobs, const TensorView* view, FileReader* reader,
                   uint64_t offset, std::span<std::byte> dst, size_t block) {
  size_t done = 0;
  while (done < dst.size()) {
    uint64_t at = offset + done;
    uint64_t boundary = (at / block + 1) * block;
    size_t len = static_cast<size_t>(std::min<uint64_t>(dst.size() - done, boundary - at));
    jobs.push_back({view, reader, at, dst.subspan(done, len)});
    done += len;
  }
}

ReadStats run_jobs(const std::vector<Job>& jobs, const ReadOptions& options, uint64_t total) {
  size_t block = round_block(options.block_bytes);
  unsigned threads = jobs.size() < 2 ? 1u : detail::default_io_threads(options.threads);
  threads = static_cast<unsigned>(std::min<size_t>(threads, jobs.size()));
  std::vector<detail::AlignedBuffer> bounce(threads);
  std::vector<ReadStats> stats(threads);
  detail::ProgressTracker progress(options.progress, total);
  detail::parallel_for(jobs.size(), threads, [&](size_t i, unsigned w) {
    const Job& job = jobs[i];
    if (job.reader) {
      job.reader->read(job.offset, job.dst, options.path, block, bounce[w], stats[w]);
    } else {
      auto bytes = job.view->data();
      std::memcpy(job.dst.data(), bytes.data() + job.offset, job.dst.size());
      if (job.view->zero_copy()) {
        stats[w].mapped_bytes += job.dst.size();
      } else {
        stats[w].transformed_bytes += job.dst.size();
      }
    }
    progress.add(job.dst.size());
  });
  progress.finish();
  ReadStats out;
  for (const ReadStats& s : stats) out += s;
  return out;
}

}  // namespace

ReadStats read_into(const TensorView& view, std::span<std::byte> dst, uint64_t offset,
                    const ReadOptions& options) {
  if (!view.valid()) {
    throw Error(ErrorCode::invalid_argument, "", no_offset, "read_into() on an empty view");
  }
  if (!span_fits(offset, dst.size(), view.nbytes())) {
    throw Error(ErrorCode::invalid_argument, view.file_path(), no_offset,
                "read_into of tensor '" + view.name() + "': expected a range inside its " +
                    std::to_string(view.nbytes()) + " bytes, found " + std::to_string(dst.size()) +
                    " bytes from offset " + std::to_string(offset));
  }
  const TensorRecord& rec = *Internals::record(view);
  std::vector<Job> jobs;
  std::unique_ptr<FileReader> reader;
  if (readable_from_file(rec)) {
    reader = std::make_unique<FileReader>(rec.file);
    append_blocks(jobs, &view, reader.get(), rec.file_offset + offset, dst,
                  round_block(options.block_bytes));
  } else if (!dst.empty()) {
    jobs.push_back({&view, nullptr, offset, dst});
  }
  return run_jobs(jobs, options, dst.size());
}

ReadStats read_all(const Archive& archive, std::span<const std::span<std::byte>> dsts,
                   const ReadOptions& options) {
  auto views = archive.tensors();
  if (dsts.size() != views.size()) {
    throw Error(ErrorCode::invalid_argument, archive.path(), no_offset,
                "read_all: expected one destination per tensor (" + std::to_string(views.size()) +
                    "), found " + std::to_string(dsts.size()));
  }
  std::map<const detail::MappedFile*, std::unique_ptr<FileReader>> readers;
  std::vector<Job> jobs;
  uint64_t total = 0;
  size_t block = round_block(options.block_bytes);
  for (size_t i = 0; i < views.size(); ++i) {
    const TensorView& v = views[i];
    if (dsts[i].size() != v.nbytes()) {
      throw Error(ErrorCode::invalid_argument, archive.path(), no_offset,
                  "read_all: tensor '" + v.name() + "': expected a destination of " +
                      std::to_string(v.nbytes()) + " bytes, found " +
                      std::to_string(dsts[i].size()));
    }
    total += v.nbytes();
    if (dsts[i].empty()) continue;
    const TensorRecord& rec = *Internals::record(v);
    if (!readable_from_file(rec)) {
      // One job per transform: different tensors' transforms run in parallel.
      jobs.push_back({&v, nullptr, 0, dsts[i]});
      continue;
    }
    auto& reader = readers[rec.file.get()];
    if (!reader) reader = std::make_unique<FileReader>(rec.file);
    append_blocks(jobs, &v, reader.get(), rec.file_offset, dsts[i], block);
  }
  return run_jobs(jobs, options, total);
}

void prefetch(const Archive& archive, const PrefetchOptions& options) {
  struct Chunk {
    const TensorView* view;
    std::span<const std::byte> span;  // empty: materialize the whole view through data()
    uint64_t bytes;
  };
  std::vector<Chunk> chunks;
  uint64_t total = 0;
  size_t step = std::max<size_t>(options.chunk_bytes, FileReader::kDirectAlignment);
  for (const TensorView& v : archive.tensors()) {
    total += v.nbytes();
    const TensorRecord& rec = *Internals::record(v);
    // A view read with pread (a remote file among them) is materialized by data(): its
    // mapping is never touched.
    if (v.materialized() || v.nbytes() == 0 || rec.lazy || !rec.file ||
        rec.file->access() == AccessMode::pread) {
      chunks.push_back({&v, {}, v.nbytes()});
    } else {
      rec.file->check_still_covers(rec.file_offset + rec.stored.size());
      for (size_t at = 0; at < rec.stored.size(); at += step) {
        auto part = rec.stored.subspan(at, std::min(step, rec.stored.size() - at));
        chunks.push_back({&v, part, part.size()});
      }
    }
  }
  detail::ProgressTracker progress(options.progress, total);
  detail::parallel_for(chunks.size(), detail::default_io_threads(options.threads),
                       [&](size_t i, unsigned) {
                         const Chunk& c = chunks[i];
                         if (c.span.empty()) {
                           (void)c.view->data();
                         } else {
                           const auto& file = *Internals::record(*c.view)->file;
                           file.advise_willneed(c.span);
                           file.populate(c.span);
                         }
                         progress.add(c.bytes);
                       });
  progress.finish();
  // Every zero-copy view is resident now; this marks them ready (cheap: the pages are mapped).
  for (const TensorView& v : archive.tensors()) (void)v.data();
}

}  // namespace tensorio
