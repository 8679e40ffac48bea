// Opening remote files, for the layers above io: what every build has, with or without libcurl
// (a build without it refuses URLs with Error(io_error); see remote_unavailable.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/mapped_file.hpp"
#include "io/remote/sparse_window.hpp"
#include "tensorio/options.hpp"

namespace tensorio::detail {

// The range the first request asks for: the first `bytes` of the file (where a format's header
// starts) or its last `bytes` (a zip's end records and central directory).
struct FirstWindow {
  bool from_start = true;
  uint64_t bytes = 0;
};

// Requests and bytes of one remote file so far (open included).
struct RemoteStats {
  uint64_t requests = 0;
  uint64_t bytes = 0;  // body bytes received
  uint64_t retries = 0;
  uint64_t header_bytes = 0;  // bytes held in the file's window (fetched for the parsers)
};

// A MappedFile over the remote file at `url` (see core/byte_source.hpp). Throws Error.
std::shared_ptr<const MappedFile> open_remote_file(const std::string& url,
                                                   const OpenOptions& options, FirstWindow first);

// For a remote file: fetches `ranges` into its bytes() (see RemoteFile::fetch). Nothing for
// any other file.
void fetch_remote_ranges(const MappedFile& file, std::span<const ByteRange> ranges);

// For a remote file: RemoteFile::fetch_stray_reads(); false for any other file.
bool fetch_remote_stray_reads(const MappedFile& file);

// For a remote file: its counters; nullopt-like `false` for any other file.
bool remote_stats(const MappedFile& file, RemoteStats& out);

// One plain GET of the whole resource on one connection, its body discarded — what
// `curl -o /dev/null URL` does: the baseline `tensorio bench` compares remote reads with. Same
// headers, redirects and proxies as a remote file. Returns the bytes received; throws Error.
uint64_t download_and_discard(const std::string& url, const RemoteOptions& options);

// Whether this build reads URLs (it was built with libcurl).
bool remote_supported() noexcept;

}  // namespace tensorio::detail
