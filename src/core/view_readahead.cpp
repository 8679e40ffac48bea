#include "core/view_readahead.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/tensor_record.hpp"

namespace tensorio::detail {

namespace {

class MapAheadQueue {
 public:
  void push(std::vector<std::shared_ptr<const TensorRecord>> records) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& r : records) queue_.push_back(std::move(r));
      if (!started_) {
        started_ = true;
        // Detached: the queue is never destroyed (see instance()), and a mapping in progress at
        // exit is abandoned with the process.
        std::thread([this] { run(); }).detach();
      }
    }
    wake_.notify_one();
  }

  // Leaked on purpose: the detached thread may still use it while static destructors run.
  static MapAheadQueue& instance() {
    static MapAheadQueue* queue = new MapAheadQueue;
    return *queue;
  }

 private:
  void run() {
    for (;;) {
      std::shared_ptr<const TensorRecord> record;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [this] { return !queue_.empty(); });
        record = std::move(queue_.front());
        queue_.pop_front();
      }
      record->map_ahead_now();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<const TensorRecord>> queue_;
  bool started_ = false;
};

}  // namespace

void queue_map_ahead(std::vector<std::shared_ptr<const TensorRecord>> records) {
  MapAheadQueue::instance().push(std::move(records));
}

}  // namespace tensorio::detail
