// `tensorio bench URL`: a remote file measured against the network's own limit, in the same
// run — one plain GET of the whole file on one connection, its body discarded (what
// `curl -o /dev/null URL` does). Per run: the open (latency, requests, bytes), read_all of
// every tensor into one resident buffer (read_into's parallel ranges), and the plain GET;
// the two transfers take turns going first.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/json_writer.hpp"
#include "tensorio/read.hpp"

namespace tensorio::cli::bench {

struct RemoteResult {
  std::string url;
  std::string format;
  uint64_t bytes = 0;       // payload bytes presented by the views
  uint64_t file_bytes = 0;  // the file's size
  size_t tensors = 0;
  std::vector<double> open_ms, read_bps, get_bps, ratio;
  uint64_t open_requests = 0;  // of the last run's open
  uint64_t open_bytes = 0;
  uint64_t read_requests = 0;  // of the last run's read_all
};

// `step` is told what each phase is about to do (for a progress bar).
RemoteResult bench_remote(const std::string& url, unsigned runs, const ReadOptions& read,
                          const std::function<void(const std::string&)>& step);

void print_remote_text(const RemoteResult& r, unsigned runs);
// The members of one entry of the --json "files" array.
void write_remote_json(detail::JsonWriter& w, const RemoteResult& r);

}  // namespace tensorio::cli::bench
