// Format dispatch for load() and save(): by extension, as MLX does, then each opener checks
// its own magic.
#include <algorithm>

#include "core/checked_math.hpp"
#include "core/internals.hpp"
#include "core/save_checks.hpp"
#include "core/tensor_record.hpp"
#include "io/remote/url.hpp"
#include "npy/npy_header.hpp"
#include "tensorio/gguf.hpp"
#include "tensorio/npy.hpp"
#include "tensorio/npz.hpp"
#include "tensorio/safetensors.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The file name a path or URL ends in (a URL's query and fragment left out).
std::string file_name_of(const std::filesystem::path& path) {
  std::string s = path.string();
  return detail::is_remote_url(s) ? detail::url_file_name(s) : path.filename().string();
}

// A sharded safetensors checkpoint is named by its index file.
bool is_safetensors_index(const std::filesystem::path& path) {
  std::string lower = file_name_of(path);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ends_with(lower, ".safetensors.index.json");
}

}  // namespace

namespace detail {

void check_tensor_ref(const TensorRef& tensor, const std::string& path) {
  auto elements = element_count(tensor.shape);
  std::optional<uint64_t> bytes;
  if (tensor.dtype == DType::opaque) {
    uint64_t item =
        detail::opaque_descr_item_bytes(tensor.descr, path + ": tensor '" + tensor.name + "'");
    // Only .npy/.npz hold opaque tensors: a shape NumPy cannot create is no file to write.
    if (auto problem = detail::numpy_shape_problem(item, tensor.shape)) {
      throw Error(ErrorCode::unrepresentable, path, no_offset,
                  "tensor '" + tensor.name + "': npy: " + problem->detail);
    }
    bytes = elements ? checked_mul(*elements, item) : std::nullopt;
  } else {
    bytes = elements ? byte_size(tensor.dtype, *elements) : std::nullopt;
  }
  if (!bytes) {
    throw Error(ErrorCode::invalid_argument, path, no_offset,
                "tensor '" + tensor.name + "': expected a shape whose byte size fits in 64 bits " +
                    "and is a whole number of " + std::string(dtype_name(tensor.dtype)) +
                    " blocks, found one that is not");
  }
  if (*bytes != tensor.data.size()) {
    throw Error(ErrorCode::invalid_argument, path, no_offset,
                "tensor '" + tensor.name + "': expected " + std::to_string(*bytes) +
                    " bytes of data for its shape, found " + std::to_string(tensor.data.size()));
  }
}

std::string dtype_for_message(const TensorRef& tensor) {
  if (tensor.dtype != DType::opaque) return std::string(dtype_name(tensor.dtype));
  return "an opaque NumPy dtype '" + tensor.descr.substr(0, 256) +
         "' (strings, records and the like: only .npy and .npz hold them)";
}

}  // namespace detail

TensorRef TensorRef::from_view(const TensorView& view) {
  TensorRef r;
  r.name = view.name();
  r.dtype = view.dtype();
  r.shape.assign(view.shape().begin(), view.shape().end());
  r.descr = view.descr();
  // A zero-copy view is borrowed as it lies in the mapping; save() maps it ahead of write().
  r.data = Internals::record(view) ? Internals::record(view)->bytes_for_copy() : view.data();
  return r;
}

Format format_from_path(const std::filesystem::path& path) {
  std::string name = file_name_of(path);
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ends_with(lower, ".npy")) return Format::npy;
  if (ends_with(lower, ".npz")) return Format::npz;
  if (ends_with(lower, ".safetensors") || ends_with(lower, ".safetensors.index.json")) {
    return Format::safetensors;
  }
  if (ends_with(lower, ".gguf")) return Format::gguf;
  throw Error(ErrorCode::unknown_format, detail::redact_url(path.string()), no_offset,
              "expected an extension of .npy, .npz, .safetensors, .safetensors.index.json or "
              ".gguf, found '" +
                  std::filesystem::path(name).extension().string() + "'");
}

Archive load(const std::filesystem::path& path, const OpenOptions& options) {
  switch (format_from_path(path)) {
    case Format::npy: return open_npy(path, options);
    case Format::npz: return open_npz(path, options);
    case Format::safetensors:
      return is_safetensors_index(path) ? open_safetensors_index(path, options)
                                        : open_safetensors(path, options);
    case Format::gguf: return open_gguf(path, options);
  }
  throw Error(ErrorCode::unknown_format, path.string(), no_offset,
              "expected a format this build reads, found " + path.extension().string());
}

std::filesystem::path save_target_path(const std::filesystem::path& path) {
  std::filesystem::path target = path;
  if (!target.has_extension()) target += ".npy";
  return target;
}

std::filesystem::path save(const std::filesystem::path& path, std::span<const TensorRef> tensors,
                           const SaveOptions& options) {
  if (detail::is_remote_url(path.string())) {
    throw Error(ErrorCode::invalid_argument, detail::redact_url(path.string()), no_offset,
                "expected a local path to save to, found an http(s) URL (remote files are "
                "read-only)");
  }
  std::filesystem::path target = save_target_path(path);
  Format format = format_from_path(target);
  switch (format) {
    case Format::npy:
      if (tensors.size() != 1) {
        throw Error(ErrorCode::unrepresentable, target.string(), no_offset,
                    "expected exactly one tensor for a .npy file, found " +
                        std::to_string(tensors.size()) + " (use .npz or .safetensors)");
      }
      save_npy(target, tensors[0], options);
      return target;
    case Format::npz: save_npz(target, tensors, options); return target;
    case Format::safetensors:
      if (is_safetensors_index(target)) {
        save_safetensors_sharded(target, tensors, options);
      } else {
        save_safetensors(target, tensors, options.metadata, options);
      }
      return target;
    case Format::gguf: {
      // The generic path carries string metadata only; save_gguf() takes typed values.
      std::vector<GgufKeyValue> metadata;
      metadata.reserve(options.metadata.size());
      for (const auto& [k, v] : options.metadata) metadata.push_back({k, GgufValue(v)});
      save_gguf(target, tensors, metadata, options);
      return target;
    }
  }
  throw Error(ErrorCode::unknown_format, target.string(), no_offset,
              "expected a format this build writes, found " + target.extension().string());
}

}  // namespace tensorio
