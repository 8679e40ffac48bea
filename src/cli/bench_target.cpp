#include "cli/bench_target.hpp"
#include "core/internals.hpp"

#include <algorithm>

#include "core/archive_state.hpp"

namespace tensorio::cli::bench {

namespace fs = std::filesystem;

Archive open_target(const std::string& arg, const OpenOptions& options) {
  if (!fs::is_directory(arg)) return load(arg, options);
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(arg)) {
    if (entry.is_regular_file() && entry.path().extension() == ".npy") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    throw Error(ErrorCode::not_found, arg, no_offset,
                "expected a directory holding .npy files, found none");
  }
  auto state = std::make_shared<detail::ArchiveState>();
  state->format = Format::npy;
  state->path = arg;
  for (const fs::path& f : files) {
    Archive one = load(f, options);
    state->file_size += one.file_size();
    for (const auto& mapped : Internals::state(one).files) state->files.push_back(mapped);
    for (const TensorView& v : one.tensors()) state->add(v);
  }
  return Internals::make_archive(std::move(state));
}

std::vector<std::string> target_files(const std::string& arg, const Archive& archive) {
  std::vector<std::string> out;
  for (const auto& f : Internals::state(archive).files) out.push_back(f->path());
  if (!fs::is_directory(arg) && std::find(out.begin(), out.end(), arg) == out.end()) {
    out.push_back(arg);  // an index that is not itself mapped
  }
  return out;
}

uint64_t payload_bytes(const Archive& archive) {
  uint64_t total = 0;
  for (const TensorView& v : archive.tensors()) total += v.nbytes();
  return total;
}

std::vector<uint64_t> save_like(const std::string& arg, const Archive& archive,
                                const fs::path& dir) {
  std::vector<TensorRef> refs;
  refs.reserve(archive.size());
  for (const TensorView& v : archive.tensors()) refs.push_back(TensorRef::from_view(v));
  SaveOptions opts;
  opts.metadata = archive.string_metadata();
  if (fs::is_directory(arg)) {
    for (const TensorRef& r : refs) save(dir / (r.name + ".npy"), std::span(&r, 1), opts);
  } else {
    if (Internals::state(archive).files.size() > 1) {
      uint64_t largest = 0;
      for (const auto& f : Internals::state(archive).files) largest = std::max(largest, f->size());
      opts.max_shard_size = largest;
    }
    if (archive.format() == Format::npz) {
      for (const TensorView& v : archive.tensors()) {
        if (v.stored_bytes().size() != v.nbytes()) opts.compress = true;
      }
    }
    save(dir / fs::path(arg).filename(), refs, opts);
  }
  std::vector<uint64_t> written;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) written.push_back(entry.file_size());
  }
  return written;
}

}  // namespace tensorio::cli::bench
