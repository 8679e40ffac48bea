#include "npz/parallel_deflate.hpp"

#include <libdeflate.h>

#include <condition_variable>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <vector>

#include "io/executor.hpp"
#include "npz/member_inflate.hpp"
#include "tensorio/error.hpp"

namespace tensorio::npz {

namespace {

struct CompressorDeleter {
  void operator()(libdeflate_compressor* c) const noexcept { libdeflate_free_compressor(c); }
};
using Compressor = std::unique_ptr<libdeflate_compressor, CompressorDeleter>;

DeflatedMember deflate_one(libdeflate_compressor* c, const DeflateInput& in) {
  size_t total = in.header.size() + in.payload.size();
  detail::AlignedBuffer joined(total);
  if (!in.header.empty()) std::memcpy(joined.data(), in.header.data(), in.header.size());
  if (!in.payload.empty()) {
    std::memcpy(joined.data() + in.header.size(), in.payload.data(), in.payload.size());
  }
  DeflatedMember out;
  out.uncompressed_size = total;
  out.crc32 = crc32(joined.span());
  out.compressed = detail::AlignedBuffer(libdeflate_deflate_compress_bound(c, total));
  out.size = libdeflate_deflate_compress(c, joined.data(), total, out.compressed.data(),
                                         out.compressed.size());
  // The bound guarantees room; 0 would mean libdeflate broke its own contract.
  if (out.size == 0 && total > 0) {
    throw Error(ErrorCode::io_error, "", no_offset,
                "libdeflate: expected the output to fit its compress bound, found it did not");
  }
  return out;
}

// Shared state of one deflate_in_order call.
struct Pipeline {
  size_t count;
  size_t window;
  std::mutex mutex;
  std::condition_variable changed;
  size_t next_task = 0;    // next member a worker may claim
  size_t handed_over = 0;  // members given to the sink so far
  bool stop = false;
  std::vector<std::optional<DeflatedMember>> done;  // by index; emptied when handed over
  std::exception_ptr error;
};

void worker(Pipeline& p, int level, const std::function<DeflateInput(size_t)>& input) {
  Compressor c(libdeflate_alloc_compressor(level));
  std::unique_lock lock(p.mutex);
  if (!c) {
    if (!p.error) p.error = std::make_exception_ptr(std::bad_alloc());
    p.stop = true;
    p.changed.notify_all();
    return;
  }
  for (;;) {
    p.changed.wait(lock, [&] {
      return p.stop || p.next_task >= p.count || p.next_task < p.handed_over + p.window;
    });
    if (p.stop || p.next_task >= p.count) return;
    size_t i = p.next_task++;
    lock.unlock();
    try {
      DeflatedMember m = deflate_one(c.get(), input(i));
      lock.lock();
      p.done[i] = std::move(m);
    } catch (...) {
      lock.lock();
      if (!p.error) p.error = std::current_exception();
      p.stop = true;
    }
    p.changed.notify_all();
  }
}

}  // namespace

void deflate_in_order(size_t count, unsigned threads, int level,
                      const std::function<DeflateInput(size_t)>& input,
                      const std::function<void(size_t, DeflatedMember&&)>& sink) {
  if (count == 0) return;
  Pipeline p;
  p.count = count;
  threads = static_cast<unsigned>(std::min<size_t>(std::max(threads, 1u), count));
  p.window = threads + 1;
  p.done.resize(count);
  std::vector<detail::Executor::Task> pool;
  pool.reserve(threads);
  auto stop_all = [&] {
    {
      std::lock_guard lock(p.mutex);
      p.stop = true;
    }
    p.changed.notify_all();
    for (detail::Executor::Task& t : pool) t.join();
  };
  try {
    for (unsigned t = 0; t < threads; ++t) {
      pool.push_back(
          detail::Executor::instance().start([&p, level, &input] { worker(p, level, input); }));
      // The caller only hands members on: without a single worker nothing would deflate them.
      if (!pool.back().running() && t == 0) {
        throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again),
                                "npz: could not start a deflate thread");
      }
    }
    for (size_t i = 0; i < count; ++i) {
      DeflatedMember m;
      {
        std::unique_lock lock(p.mutex);
        p.changed.wait(lock, [&] { return p.done[i].has_value() || p.error; });
        if (p.error) std::rethrow_exception(p.error);
        m = std::move(*p.done[i]);
        p.done[i].reset();
      }
      sink(i, std::move(m));  // writes happen outside the lock, overlapping the workers
      {
        std::lock_guard lock(p.mutex);
        p.handed_over = i + 1;
      }
      p.changed.notify_all();
    }
  } catch (...) {
    stop_all();
    throw;
  }
  stop_all();
}

}  // namespace tensorio::npz
