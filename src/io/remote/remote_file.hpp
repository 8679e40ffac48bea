// RemoteFile — a file on an HTTP(S) server as a ByteSource: the whole file as a sparse window
// (header ranges fetched into it at open), and ranges read on demand with HttpRangeClient.
//
// read_at() serves a range from the window when it was fetched there, and otherwise fetches it
// straight into the caller's buffer, split into RemoteOptions::range_bytes pieces fetched in
// parallel (on the executor's threads, one connection each) when it is large. Nothing read
// after open is kept in the window: a payload is fetched once, into the view or buffer that
// asked for it.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/byte_source.hpp"
#include "io/remote/http_client.hpp"
#include "io/remote/remote_open.hpp"
#include "io/remote/sparse_window.hpp"

namespace tensorio::detail {

class RemoteFile final : public ByteSource {
 public:
  // The first request (see FirstWindow); throws Error.
  RemoteFile(const std::string& url, const RemoteOptions& options, FirstWindow first);

  const std::string& name() const noexcept { return client_.name(); }
  std::span<const std::byte> bytes() const noexcept { return window_->bytes(); }

  void read_at(uint64_t offset, std::span<std::byte> out) const override;

  // Makes `ranges` (clipped to the file) present in bytes(): what is missing, rounded out to
  // pages, neighbours less than a gap apart merged, fetched as one batch of parallel requests
  // (one request per merged range, however long).
  void fetch(std::vector<ByteRange> ranges) const;

  // Fetches every page a parser read without it having been fetched (SparseWindow::
  // stray_reads), the last run extended by as much as is already present, so a parser running
  // off the end of a growing window doubles it; true when there were any.
  bool fetch_stray_reads() const;

  RemoteStats stats() const noexcept;

 private:
  // Fetches file bytes [offset, offset + out.size()) into `out`, in parallel pieces when large.
  void fetch_into(uint64_t offset, std::span<std::byte> out) const;

  HttpRangeClient client_;
  std::unique_ptr<SparseWindow> window_;
  unsigned connections_;
  uint64_t range_bytes_;
};

}  // namespace tensorio::detail
