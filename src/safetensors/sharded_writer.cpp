// Writing a sharded checkpoint: PREFIX-0000i-of-0000N.safetensors shards plus the index.
#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "core/json_writer.hpp"
#include "io/atomic_writer.hpp"
#include "io/source_prefetch.hpp"
#include "tensorio/error.hpp"
#include "tensorio/safetensors.hpp"

namespace fs = std::filesystem;

namespace tensorio {

namespace {

constexpr std::string_view kIndexSuffix = ".safetensors.index.json";

std::string shard_name(const std::string& prefix, size_t i, size_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "-%05zu-of-%05zu", i, n);
  return prefix + buf + ".safetensors";
}

// huggingface_hub's split_state_dict_into_shards_factory: greedy in the given order; a tensor
// that would take the current shard past the limit closes it; a tensor larger than the limit
// gets a shard of its own.
std::vector<std::vector<size_t>> plan_shards(std::span<const TensorRef> tensors, uint64_t limit) {
  std::vector<std::vector<size_t>> shards;
  std::vector<size_t> current;
  uint64_t current_size = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    uint64_t size = tensors[i].data.size();
    if (size > limit) {
      shards.push_back({i});
      continue;
    }
    if (current_size + size > limit) {
      shards.push_back(std::move(current));
      current.clear();
      current_size = 0;
    }
    current.push_back(i);
    current_size += size;
  }
  // Zero tensors still give one (empty, valid) shard, so the index always names a file.
  if (!current.empty() || shards.empty()) shards.push_back(std::move(current));
  return shards;
}

}  // namespace

std::vector<fs::path> save_safetensors_sharded(const fs::path& index_path,
                                               std::span<const TensorRef> tensors,
                                               const SaveOptions& options) {
  std::string index_name = index_path.filename().string();
  if (index_name.size() <= kIndexSuffix.size() ||
      index_name.compare(index_name.size() - kIndexSuffix.size(), kIndexSuffix.size(),
                         kIndexSuffix) != 0) {
    throw Error(ErrorCode::invalid_argument, index_path.string(), no_offset,
                "expected an index name PREFIX.safetensors.index.json, found '" + index_name + "'");
  }
  if (options.max_shard_size == 0) {
    throw Error(ErrorCode::invalid_argument, index_path.string(), no_offset,
                "expected a positive max_shard_size, found 0");
  }
  std::string prefix = index_name.substr(0, index_name.size() - kIndexSuffix.size());
  // Names must be unique across shards, not only within one.
  std::unordered_set<std::string_view> names;
  for (const TensorRef& t : tensors) {
    if (!names.insert(t.name).second) {
      throw Error(ErrorCode::invalid_argument, index_path.string(), no_offset,
                  "expected unique tensor names, found '" + t.name + "' twice");
    }
  }
  auto plan = plan_shards(tensors, options.max_shard_size);
  size_t n = plan.size();

  // Every shard's header is built (and every argument checked) before any file is written.
  std::vector<std::vector<TensorRef>> shard_refs(n);
  std::vector<std::string> headers(n);
  std::vector<std::vector<size_t>> orders(n);
  for (size_t s = 0; s < n; ++s) {
    for (size_t i : plan[s]) shard_refs[s].push_back(tensors[i]);
    try {
      headers[s] = serialize_safetensors_header(shard_refs[s], options.metadata, &orders[s]);
    } catch (const Error& e) {
      throw Error(e.code(), index_path.string(), e.offset(), e.reason());
    }
  }

  fs::path dir = index_path.parent_path();
  std::vector<fs::path> written;
  std::vector<std::pair<std::string_view, std::string>> weight_map;
  weight_map.reserve(tensors.size());
  uint64_t total_size = 0;
  // One prefetcher across the shards, in the order they are written, so the next shard's first
  // tensors are mapped while the last one's are written.
  std::vector<std::span<const std::byte>> sources;
  sources.reserve(tensors.size());
  for (size_t s = 0; s < n; ++s) {
    for (size_t i : orders[s]) sources.push_back(shard_refs[s][i].data);
  }
  detail::SourcePrefetcher prefetch(std::move(sources));
  uint64_t shards_bytes = 0;  // bytes of the shards already written
  for (size_t s = 0; s < n; ++s) {
    std::string name = shard_name(prefix, s + 1, n);
    fs::path shard_path = dir / name;
    detail::AtomicWriter out(shard_path, options);
    out.attach(&prefetch, shards_bytes);
    out.write(std::as_bytes(std::span(headers[s])));
    for (size_t i : orders[s]) out.write(shard_refs[s][i].data);
    out.commit();
    shards_bytes += out.position();
    written.push_back(shard_path);
    for (const TensorRef& t : shard_refs[s]) {
      weight_map.emplace_back(t.name, name);
      total_size += t.data.size();
    }
  }

  // transformers writes json.dumps(index, indent=2, sort_keys=True) + "\n".
  std::sort(weight_map.begin(), weight_map.end());
  detail::JsonWriter json(/*pretty=*/true);
  json.begin_object();
  json.key("metadata").begin_object().key("total_size").value(total_size).end_object();
  json.key("weight_map").begin_object();
  for (const auto& [tensor, shard] : weight_map) json.key(tensor).value(shard);
  json.end_object();
  json.end_object();
  std::string text = json.str() + "\n";
  detail::AtomicWriter out(index_path, options);
  out.write(std::as_bytes(std::span(text)));
  out.commit();
  return written;
}

}  // namespace tensorio
