// Opening a sharded checkpoint through model.safetensors.index.json: one archive over all the
// shards it names, with the cross-shard rules checked at open.
#include <algorithm>
#include <exception>
#include <map>
#include <set>
#include <unordered_map>

#include "core/archive_state.hpp"
#include "core/internals.hpp"
#include "core/mapped_file.hpp"
#include "io/map_ahead.hpp"
#include "io/open_file.hpp"
#include "io/parallel.hpp"
#include "io/remote/url.hpp"
#include "safetensors/safetensors_records.hpp"
#include "safetensors/strict_json.hpp"
#include "safetensors/utf8.hpp"
#include "tensorio/safetensors.hpp"

namespace fs = std::filesystem;

namespace tensorio {

namespace {

std::string_view text_of(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

// A shard must be a relative path that stays inside the index's directory: an index from the
// internet must not make us map /etc/passwd or ../../secrets.
bool is_safe_shard_name(std::string_view name) {
  if (name.empty() || name.find('\0') != std::string_view::npos) return false;
  fs::path p{std::string(name)};
  if (p.has_root_path()) return false;
  for (const auto& part : p) {
    if (part == "..") return false;
  }
  return true;
}

struct WeightMap {
  std::unordered_map<std::string, std::string> shard_of;  // tensor -> shard
  std::set<std::string> shards;                           // distinct, in name order
};

WeightMap read_index(const detail::MappedFile& index, const Limits& limits,
                     std::vector<std::string>& notes) {
  const std::string& path = index.path();
  if (index.size() > limits.max_header_bytes) {
    throw Error(ErrorCode::header_too_large, path, 0,
                "safetensors index: expected at most " + std::to_string(limits.max_header_bytes) +
                    " bytes (Limits::max_header_bytes), found " + std::to_string(index.size()));
  }
  std::string_view text(reinterpret_cast<const char*>(index.bytes().data()), index.size());
  if (auto bad = detail::first_invalid_utf8(text)) {
    throw Error(ErrorCode::bad_utf8, path, *bad,
                "safetensors index: expected UTF-8 text, found an invalid byte sequence");
  }
  rapidjson::Document doc;
  detail::parse_strict_json(text, doc, path, 0, "safetensors index");
  auto fail = [&](ErrorCode code, const std::string& detail) {
    throw Error(code, path, 0, "safetensors index: " + detail);
  };
  if (!doc.IsObject()) {
    fail(ErrorCode::bad_header,
         "expected a JSON object, found " + std::string(detail::json_type_name(doc)));
  }
  const rapidjson::Value* weight_map = nullptr;
  std::set<std::string_view> keys;
  // By index: C++20 finds RapidJSON's iterator comparison ambiguous with its reversed form.
  for (rapidjson::SizeType i = 0; i < doc.MemberCount(); ++i) {
    auto it = doc.MemberBegin() + i;
    std::string_view key = text_of(it->name);
    if (!keys.insert(key).second) {
      fail(ErrorCode::duplicate_name,
           "expected unique keys, found '" + std::string(key) + "' twice");
    }
    if (key == "weight_map") {
      weight_map = &it->value;
    } else if (key == "metadata") {
      // Informational (total_size is written inconsistently in the wild), but must be a map.
      if (!it->value.IsObject()) {
        fail(ErrorCode::bad_header, "expected \"metadata\" to be an object, found " +
                                        std::string(detail::json_type_name(it->value)));
      }
    } else {
      notes.push_back("index key '" + std::string(key) + "' is not part of the format (ignored)");
    }
  }
  if (!weight_map || !weight_map->IsObject()) {
    fail(ErrorCode::bad_header,
         std::string("expected \"weight_map\": an object of tensor name -> shard file, found ") +
             (weight_map ? std::string(detail::json_type_name(*weight_map)) : "none"));
  }
  if (weight_map->MemberCount() > limits.max_tensors) {
    fail(ErrorCode::limit_exceeded, "expected at most " + std::to_string(limits.max_tensors) +
                                        " tensors (Limits::max_tensors), found " +
                                        std::to_string(weight_map->MemberCount()));
  }
  WeightMap out;
  out.shard_of.reserve(weight_map->MemberCount());
  for (auto it = weight_map->MemberBegin(); it != weight_map->MemberEnd(); ++it) {
    std::string name(text_of(it->name));
    if (!it->value.IsString()) {
      fail(ErrorCode::bad_header, "weight_map['" + name + "']: expected a shard file name, found " +
                                      std::string(detail::json_type_name(it->value)));
    }
    std::string shard(text_of(it->value));
    if (!is_safe_shard_name(shard)) {
      fail(ErrorCode::bad_header, "weight_map['" + name +
                                      "']: expected a relative shard path inside the index's "
                                      "directory, found '" +
                                      shard + "'");
    }
    if (!out.shard_of.emplace(name, shard).second) {
      fail(ErrorCode::duplicate_name,
           "weight_map: expected unique tensor names, found '" + name + "' twice");
    }
    out.shards.insert(std::move(shard));
  }
  return out;
}

// A remote index's first request: indexes of real checkpoints are tens of kilobytes.
constexpr uint64_t kIndexFirstWindow = uint64_t{1} << 20;

// The index file: mapped, or fetched whole (when its size is within the header limit, which
// read_index checks first).
std::shared_ptr<const detail::MappedFile> open_index(const std::string& path,
                                                     const OpenOptions& options) {
  if (!detail::is_remote_url(path)) return detail::MappedFile::open(path);
  auto index = detail::open_file(path, options, {true, kIndexFirstWindow});
  if (index->size() <= options.limits.max_header_bytes) {
    detail::fetch_ranges(*index, {{0, index->size()}});
  }
  return index;
}

// The shards of a remote index, opened in parallel ahead of the loop that checks them (each
// open is a round trip or two). A shard that fails keeps its error, raised when the loop
// reaches it: errors come in the same order as from a local index.
struct PrefetchedShard {
  detail::SafetensorsFile file;
  std::exception_ptr error;
};

std::vector<PrefetchedShard> open_remote_shards(const std::vector<std::string>& urls,
                                                const OpenOptions& options) {
  std::vector<PrefetchedShard> out(urls.size());
  unsigned threads = options.remote.connections ? options.remote.connections : 8;
  detail::parallel_for(urls.size(), threads, [&](size_t i, unsigned) {
    try {
      out[i].file = detail::read_safetensors_file(urls[i], options);
    } catch (...) {
      out[i].error = std::current_exception();
    }
  });
  return out;
}

}  // namespace

Archive open_safetensors_index(const fs::path& index_path, const OpenOptions& options) {
  std::string index_name = index_path.string();
  bool remote = detail::is_remote_url(index_name);
  auto index = open_index(index_name, options);
  auto state = std::make_shared<detail::ArchiveState>();
  state->format = Format::safetensors;
  state->path = index->path();
  WeightMap map = detail::parse_fetched(*index, [&] {
    state->notes.clear();
    return read_index(*index, options.limits, state->notes);
  });
  fs::path dir = index_path.parent_path();
  std::vector<PrefetchedShard> prefetched;
  if (remote) {
    std::vector<std::string> urls;
    for (const std::string& shard : map.shards)
      urls.push_back(detail::resolve_url(index_name, shard));
    prefetched = open_remote_shards(urls, options);
  }

  std::unordered_map<std::string_view, std::string_view> found_in;  // tensor -> shard
  bool first_shard = true;
  size_t shard_number = 0;
  for (const std::string& shard : map.shards) {
    detail::SafetensorsFile st;
    if (remote) {
      PrefetchedShard& p = prefetched[shard_number++];
      if (p.error) std::rethrow_exception(p.error);
      st = std::move(p.file);
    } else {
      st = detail::read_safetensors_file((dir / shard).string(), options);
    }
    state->file_size += st.file->size();
    if (first_shard) {
      state->string_metadata = st.header.metadata;
      first_shard = false;
    } else if (st.header.metadata != state->string_metadata) {
      state->notes.push_back("shard '" + shard +
                             "' has other __metadata__ than the first shard (the first is shown)");
    }
    for (auto& rec : st.records) {
      if (auto prev = found_in.find(rec->name); prev != found_in.end()) {
        throw Error(ErrorCode::duplicate_name, state->path, no_offset,
                    "tensor '" + rec->name + "': expected in one shard, found in '" +
                        std::string(prev->second) + "' and '" + shard + "'");
      }
      auto listed = map.shard_of.find(rec->name);
      if (listed == map.shard_of.end()) {
        state->notes.push_back("tensor '" + rec->name + "' in shard '" + shard +
                               "' is not listed in the weight_map");
      }
      state->add(Internals::make_view(std::move(rec)));
      found_in.emplace(std::string_view(state->tensors.back().name()), shard);
    }
    state->files.push_back(st.file);
  }
  for (const auto& [name, shard] : map.shard_of) {
    auto it = found_in.find(name);
    if (it == found_in.end() || it->second != shard) {
      throw Error(ErrorCode::not_found, state->path, no_offset,
                  "weight_map: expected tensor '" + name + "' in shard '" + shard + "', found " +
                      (it == found_in.end() ? std::string("it in no shard")
                                            : "it in '" + std::string(it->second) + "'"));
    }
  }
  // Shards on disk that the index does not name: often left over from an earlier save with a
  // different shard count, or a download mixing two revisions. (A server's directory cannot
  // be listed.)
  std::error_code ec;
  std::vector<std::string> unreferenced;
  for (fs::directory_iterator it(dir.empty() || remote ? fs::path(".") : dir, ec), end;
       !remote && !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() > 12 && name.compare(name.size() - 12, 12, ".safetensors") == 0 &&
        !map.shards.count(name)) {
      unreferenced.push_back(name);
    }
  }
  std::sort(unreferenced.begin(), unreferenced.end());
  for (const std::string& name : unreferenced) {
    state->notes.push_back("shard '" + name + "' is in the index's directory but not referenced");
  }
  return detail::publish_archive(std::move(state));
}

}  // namespace tensorio
