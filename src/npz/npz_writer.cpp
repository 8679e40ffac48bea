// Saving .npz archives: stored members aligned for zero-copy reads, or deflated members
// compressed in parallel; always through the atomic writer.
#include <algorithm>
#include <thread>
#include <unordered_set>

#include "core/endian.hpp"
#include "core/save_checks.hpp"
#include "io/atomic_writer.hpp"
#include "io/source_prefetch.hpp"
#include "npz/member_inflate.hpp"
#include "npz/parallel_deflate.hpp"
#include "tensorio/npy.hpp"
#include "tensorio/npz.hpp"
#include "zip/zip_format.hpp"
#include "zip/zip_writer.hpp"

namespace tensorio {

namespace {

// File offset alignment of every stored member's array payload: a cache line, and a multiple of
// every dtype's alignment, so views of the archive can be used as typed arrays directly.
constexpr uint32_t kPayloadAlignment = 64;
// Stored data is written in slices small enough to stay in cache between the CRC pass and the
// copy into the write buffer.
constexpr size_t kCrcSlice = size_t{1} << 20;

std::span<const std::byte> bytes_of(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

struct Member {
  std::string name;    // NAME.npy
  std::string header;  // npy preamble
  std::span<const std::byte> payload;
};

std::vector<Member> plan_members(const std::filesystem::path& path,
                                 std::span<const TensorRef> tensors) {
  std::vector<Member> members;
  members.reserve(tensors.size());
  std::unordered_set<std::string_view> seen;
  for (const TensorRef& t : tensors) {
    detail::check_tensor_ref(t, path.string());
    if (!seen.insert(t.name).second) {
      throw Error(ErrorCode::duplicate_name, path.string(), no_offset,
                  "expected unique tensor names, found '" + t.name + "' twice");
    }
    bool opaque = t.dtype == DType::opaque;
    if (!opaque && dtype_info(t.dtype).numpy_descr.empty()) {
      throw Error(ErrorCode::unrepresentable, path.string(), no_offset,
                  "tensor '" + t.name + "': expected a dtype NumPy can store, found " +
                      std::string(dtype_name(t.dtype)));
    }
    std::string name = t.name + ".npy";
    if (name.size() > 0xFFFF) {
      throw Error(ErrorCode::unrepresentable, path.string(), no_offset,
                  "tensor '" + t.name.substr(0, 64) +
                      "...': expected a name of at most 65531 bytes, found " +
                      std::to_string(t.name.size()));
    }
    members.push_back({std::move(name),
                       opaque ? serialize_npy_header(std::string_view(t.descr), t.shape)
                              : serialize_npy_header(t.dtype, t.shape),
                       t.data});
  }
  return members;
}

zip::WrittenEntry write_stored(detail::AtomicWriter& out, const Member& m,
                               detail::SourcePrefetcher& prefetch, size_t index) {
  zip::WrittenEntry e;
  e.name = m.name;
  e.method = zip::kMethodStored;
  e.uncompressed_size = e.compressed_size = m.header.size() + m.payload.size();
  e.local_header_offset = out.position();
  std::string lfh = zip::local_header(e, kPayloadAlignment, m.header.size());
  out.write(bytes_of(lfh));
  out.write(bytes_of(m.header));
  if (prefetch.active()) {
    // The helper computes the CRC on the other core while write() copies.
    out.write(m.payload);
    std::optional<uint32_t> crc = prefetch.crc(index);
    e.crc32 = crc ? *crc : npz::crc32(m.payload, npz::crc32(bytes_of(m.header)));
  } else {
    uint32_t crc = npz::crc32(bytes_of(m.header));
    for (size_t at = 0; at < m.payload.size(); at += kCrcSlice) {
      auto slice = m.payload.subspan(at, std::min(kCrcSlice, m.payload.size() - at));
      crc = npz::crc32(slice, crc);
      out.write(slice);
    }
    e.crc32 = crc;
  }
  std::byte field[4];
  store_le(field, e.crc32);
  out.overwrite(e.local_header_offset + zip::kLocalHeaderCrcOffset, field);
  return e;
}

void write_directory(detail::AtomicWriter& out, const std::vector<zip::WrittenEntry>& entries) {
  uint64_t start = out.position();
  for (const zip::WrittenEntry& e : entries) out.write(bytes_of(zip::central_header(e)));
  uint64_t size = out.position() - start;
  out.write(bytes_of(zip::end_records(entries.size(), start, size)));
}

void save_stored(const std::filesystem::path& path, const std::vector<Member>& members,
                 const SaveOptions& options) {
  // Each member's CRC continues from its npy header's, on the prefetcher's thread.
  std::vector<std::span<const std::byte>> sources;
  std::vector<uint32_t> seeds;
  sources.reserve(members.size());
  seeds.reserve(members.size());
  for (const Member& m : members) {
    sources.push_back(m.payload);
    seeds.push_back(npz::crc32(bytes_of(m.header)));
  }
  detail::SourcePrefetcher prefetch(std::move(sources), &npz::crc32, std::move(seeds));
  detail::AtomicWriter out(path, options);
  out.attach(&prefetch);
  std::vector<zip::WrittenEntry> entries;
  entries.reserve(members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    entries.push_back(write_stored(out, members[i], prefetch, i));
  }
  write_directory(out, entries);
  out.commit();
}

void save_deflated(const std::filesystem::path& path, const std::vector<Member>& members,
                   const SaveOptions& options) {
  detail::AtomicWriter out(path, options);
  std::vector<zip::WrittenEntry> entries;
  entries.reserve(members.size());
  unsigned threads =
      options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  npz::deflate_in_order(
      members.size(), threads, options.compression_level,
      [&](size_t i) {
        return npz::DeflateInput{bytes_of(members[i].header), members[i].payload};
      },
      [&](size_t i, npz::DeflatedMember&& d) {
        zip::WrittenEntry e;
        e.name = members[i].name;
        e.method = zip::kMethodDeflated;
        e.crc32 = d.crc32;
        e.compressed_size = d.size;
        e.uncompressed_size = d.uncompressed_size;
        e.local_header_offset = out.position();
        out.write(bytes_of(zip::local_header(e)));
        out.write(d.compressed.span().first(d.size));
        entries.push_back(std::move(e));
      });
  write_directory(out, entries);
  out.commit();
}

}  // namespace

void save_npz(const std::filesystem::path& path, std::span<const TensorRef> tensors,
              const SaveOptions& options) {
  if (options.compress && (options.compression_level < 0 || options.compression_level > 12)) {
    throw Error(ErrorCode::invalid_argument, path.string(), no_offset,
                "expected a compression level of 0..12, found " +
                    std::to_string(options.compression_level));
  }
  std::vector<Member> members = plan_members(path, tensors);
  if (options.compress) {
    save_deflated(path, members, options);
  } else {
    save_stored(path, members, options);
  }
}

void savez(const std::filesystem::path& path, std::span<const TensorRef> positional,
           std::span<const TensorRef> named, const SaveOptions& options) {
  std::vector<TensorRef> all(named.begin(), named.end());
  all.reserve(named.size() + positional.size());
  for (size_t i = 0; i < positional.size(); ++i) {
    TensorRef r = positional[i];
    r.name = "arr_" + std::to_string(i);
    for (const TensorRef& n : named) {
      if (n.name == r.name) {
        throw Error(ErrorCode::duplicate_name, path.string(), no_offset,
                    "expected keyword names that differ from the positional arr_N names, found "
                    "'" +
                        n.name + "' given both ways (as NumPy refuses it)");
      }
    }
    all.push_back(std::move(r));
  }
  save_npz(path, all, options);
}

void savez_compressed(const std::filesystem::path& path, std::span<const TensorRef> positional,
                      std::span<const TensorRef> named, SaveOptions options) {
  options.compress = true;
  savez(path, positional, named, options);
}

}  // namespace tensorio
