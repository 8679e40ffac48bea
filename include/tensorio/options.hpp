// tensorio/options.hpp — limits and options for opening and saving.
//
// Limits bound what a hostile file can make tensorio do: every count and size read from a file
// is checked against the bytes actually present *and* against these caps before anything is
// allocated, so opening a file costs memory proportional to its real header, never to its
// claims. The defaults suit real checkpoints (a 15 MB gguf vocabulary, 1.3 M safetensors
// tensors); tighten them for untrusted uploads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tensorio/export.h"

namespace tensorio {

struct TENSORIO_API Limits {
  // Bytes of header a format may declare: the npy header dict, the safetensors JSON, the gguf
  // key/value + tensor-info section. 100,000,000 is the safetensors reference's own cap.
  uint64_t max_header_bytes = 100'000'000;
  // Tensors (or zip members) in one file.
  uint64_t max_tensors = 10'000'000;
  // Dimensions of one tensor. NumPy allows 64; gguf files are further capped by max_gguf_dims.
  uint32_t max_dims = 64;
  // ggml's GGML_MAX_DIMS; a gguf tensor with more dimensions is refused.
  uint32_t max_gguf_dims = 4;
  // Bytes of one gguf tensor name: ggml refuses names of GGML_MAX_NAME (64) bytes or more.
  uint32_t max_gguf_name_bytes = 63;
  // Bytes of one string (gguf keys and values, names).
  uint64_t max_string_bytes = 1ull << 30;
  // Elements of one gguf metadata array, and nesting depth of gguf arrays.
  uint64_t max_array_elements = 1ull << 32;
  uint32_t max_array_depth = 4;
  // Largest gguf general.alignment accepted.
  uint64_t max_alignment = 1ull << 20;
  // Inflated bytes of one compressed member, and of all members of one archive together.
  uint64_t max_member_bytes = 1ull << 40;
  uint64_t max_total_inflated_bytes = 1ull << 42;
};

// How payload bytes reach the caller.
//
// With pread, headers are still parsed from the mapping while the file is opened (they are
// small and read at once), but no payload byte is ever read through it: the first data() of each
// view copies the stored payload with pread() into a page-aligned buffer owned by the view and
// runs any transform (byte swap, inflate, dequantize) on that copy. A file that shrank or
// vanished since it was opened then fails that data() with Error(file_changed) or
// Error(io_error) instead of a SIGBUS. TensorView::zero_copy() is false for every view;
// stored_bytes() still names the bytes in the mapping and should not be used in this mode.
enum class AccessMode : uint8_t {
  mmap,   // views point into a read-only shared mapping (default; zero-copy)
  pread,  // views are read with pread() into owned buffers on first access: for network
          // filesystems where a mapping can fault (SIGBUS) when the server drops the file
};

// Remote files: every opener (and load()) takes an http:// or https:// URL where it takes a
// path. The header is fetched and validated at open with as few range requests as the format
// allows; each payload is fetched on first access (into a buffer the view owns, as with
// AccessMode::pread, which a remote file always uses) and read_into() fetches straight into the
// caller's buffer. Redirects are followed (and the final URL reused, without the Authorization
// header when it is another host); proxies come from the environment (http_proxy, https_proxy,
// no_proxy, as curl reads them). The resource's ETag, Last-Modified and length are recorded at
// open and every later range must come from that same version: a file replaced on the server
// fails with Error(file_changed), never a mix of two files. Builds without libcurl refuse URLs
// with Error(io_error).
struct TENSORIO_API RemoteOptions {
  // Sent as "Authorization: Bearer <token>"; when empty, the environment variable
  // TENSORIO_HTTP_BEARER is used if set. Never written into an error message.
  std::string bearer_token;
  // Extra request headers, e.g. {"X-Api-Key", "..."}.
  std::vector<std::pair<std::string, std::string>> headers;
  // Connections a large read is spread over (ranges fetched in parallel); 0 picks 8.
  unsigned connections = 0;
  // Size of the ranges a large read is split into.
  uint64_t range_bytes = uint64_t{8} << 20;
  // Retries of one range after a timeout, a dropped connection, a short or overlong body, or an
  // HTTP 408/429/500/502/503/504 answer, with exponential backoff from retry_delay_ms (capped
  // at 20 times it; a Retry-After header is honoured up to that cap). Bytes already received
  // are kept: a retry asks only for the rest.
  unsigned max_retries = 5;
  uint32_t retry_delay_ms = 200;
  uint32_t connect_timeout_ms = 15'000;
  // A transfer that receives nothing for this long is abandoned (and retried).
  uint32_t stall_timeout_ms = 30'000;
  // A server that ignores Range (answers 200 with the whole file) is refused with
  // Error(io_error); with this set the whole file is downloaded into memory instead.
  bool allow_full_download = false;
  // PEM bundle of the certificate authorities to trust; empty: the system's.
  std::string ca_file;
};

struct TENSORIO_API OpenOptions {
  Limits limits;
  AccessMode access = AccessMode::mmap;
  // npz: also check the CRC-32 of STORED members on first access (DEFLATED members are always
  // checked when inflated). `tensorio verify` always checks.
  bool verify_crc_on_access = false;
  // gguf: present Q4_0/Q4_1/Q8_0 tensors as MLX does (packed uint32 weights plus float16
  // `.scales` and `.biases`), so MLX users get the tensors mlx.core.load gives them. Each such
  // tensor becomes three archive tensors, in place (see mlx_affine_views() in
  // tensorio/dequantize.hpp for names, shapes and values); gguf_file().tensor_infos() still
  // lists the file's tensors.
  bool gguf_mlx_quantized = false;
  // npz: threads that read and decode the members' local and npy headers at open. 0 picks
  // automatically: one unless the archive has 256 stored or 8 deflated members or more (a
  // stored member's headers cost under a microsecond, so waking a helper thread for fewer
  // costs more than it saves; a deflated one's a few), else up to min(4, hardware
  // concurrency). The helpers are a process-wide pool of three threads that sleep between
  // opens (an open that finds them busy starts its own). Two threads open 256-1,000 stored
  // members 10-15 % sooner for about a third more CPU; set 1 to spend the least CPU. The
  // result, errors included, is the same for any count.
  unsigned open_threads = 0;
  // Zero-copy views (AccessMode::mmap): the first data() of a view also queues the view after
  // it in the file to be mapped (MADV_POPULATE_READ) on a background thread, so a loop reading
  // the views in file order finds the next one already mapped instead of paying for it on its
  // own thread (about a tenth of a warm first touch with 4 KiB pages). Turn off for sparse
  // access to a cold file, where mapping a neighbour that is never read costs disk reads.
  bool map_next_view = true;
  // http:// and https:// URLs (see RemoteOptions).
  RemoteOptions remote;
};

struct TENSORIO_API SaveOptions {
  // Size of each aligned write buffer (rounded up to the page size).
  size_t buffer_bytes = 4u << 20;
  // fsync the temp file before it is renamed over the target.
  bool fsync = false;
  // npz: DEFLATE members (savez_compressed) at `compression_level` (libdeflate 0..12).
  bool compress = false;
  int compression_level = 6;
  // Worker threads for parallel compression; 0 picks the hardware concurrency.
  unsigned threads = 0;
  // safetensors sharding: largest shard in bytes (a larger tensor gets a shard of its own).
  uint64_t max_shard_size = 5'000'000'000ull;
  // String metadata (safetensors __metadata__; gguf string keys).
  std::vector<std::pair<std::string, std::string>> metadata;
};

}  // namespace tensorio
