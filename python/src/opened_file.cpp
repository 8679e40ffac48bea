// python/src/opened_file.cpp — see opened_file.hpp.
#include "opened_file.hpp"

#include <unordered_set>

#include "errors.hpp"
#include "tensorio/dequantize.hpp"
#include "tensorio/error.hpp"
#include "tensorio/gguf.hpp"
#include "tensorio/npy.hpp"
#include "tensorio/npz.hpp"
#include "tensorio/safetensors.hpp"

namespace tensorio_py {

using tensorio::DType;
using tensorio::Error;
using tensorio::ErrorCode;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_index(const std::string& path) {
  std::string lower = path;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ends_with(lower, ".safetensors.index.json");
}

tensorio::Archive open_archive(const OpenSpec& spec) {
  tensorio::OpenOptions options;
  options.verify_crc_on_access = spec.verify_crc;
  if (spec.format == "npy") return tensorio::open_npy(spec.path, options);
  if (spec.format == "npz") return tensorio::open_npz(spec.path, options);
  if (spec.format == "safetensors") {
    return is_index(spec.path) ? tensorio::open_safetensors_index(spec.path, options)
                               : tensorio::open_safetensors(spec.path, options);
  }
  if (spec.format == "gguf") return tensorio::open_gguf(spec.path, options);
  throw Error(ErrorCode::unknown_format, spec.path, tensorio::no_offset,
              "expected format npy, npz, safetensors or gguf, found '" + spec.format + "'");
}

// Opens the archive, pinning its file first when PyTorch may need a private mapping of it (a
// sharded checkpoint's shards are opened on first use instead).
tensorio::Archive open_pinned(const OpenSpec& spec, PrivateSources& sources) {
  try {
    const bool pin = spec.private_source && !is_index(spec.path);
    if (pin) sources.pin(spec.path);
    tensorio::Archive archive = open_archive(spec);
    if (pin) sources.check_pinned(spec.path);
    return archive;
  } catch (const Error& e) {
    raise_open_error(e, spec.path);
  }
}

}  // namespace

OpenedFile::OpenedFile(const OpenSpec& spec)
    : format_(spec.format), archive_(open_pinned(spec, sources_)) {
  auto tensors = archive_.tensors();
  entries_.reserve(tensors.size());
  const bool gguf = archive_.format() == tensorio::Format::gguf;
  bool derived_names = false;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const tensorio::TensorView& v = tensors[i];
    const auto source = static_cast<uint32_t>(i);
    const bool quantized = tensorio::dtype_info(v.dtype()).kind == tensorio::DTypeKind::quantized;
    if (gguf && tensorio::is_mlx_affine_dtype(v.dtype())) {
      tensorio::MlxAffineViews mlx = tensorio::mlx_affine_views(v);
      entries_.push_back({mlx.weights.name(), mlx.weights, source});
      entries_.push_back({mlx.scales.name(), mlx.scales, source});
      entries_.push_back({mlx.biases.name(), mlx.biases, source});
      derived_names = true;
    } else if (quantized && tensorio::can_dequantize(v.dtype())) {
      entries_.push_back({v.name(), tensorio::dequantized(v, DType::float16), source});
    } else {
      entries_.push_back({v.name(), v, source, quantized});
    }
  }
  if (derived_names) {
    // MLX's .scales / .biases names may collide with tensors of the file (MLX refuses too).
    std::unordered_set<std::string_view> seen;
    for (const Entry& e : entries_) {
      if (!seen.insert(e.name).second) {
        throw Error(ErrorCode::duplicate_name, archive_.path(), tensorio::no_offset,
                    "expected unique tensor names, found '" + e.name +
                        "' twice (MLX's form of a q4_0/q4_1/q8_0 tensor names its scales and "
                        "biases like a tensor already in the file)");
      }
    }
  }
}

const Entry* OpenedFile::find(std::string_view name) const {
  std::call_once(index_once_, [this] {
    index_.reserve(entries_.size());
    for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].name, i);
  });
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

const Entry& OpenedFile::at(std::string_view name) const {
  const Entry* e = find(name);
  if (e == nullptr) {
    throw Error(ErrorCode::not_found, archive_.path(), tensorio::no_offset,
                "expected a tensor named '" + std::string(name) + "', found none");
  }
  return *e;
}

std::byte* OpenedFile::writable_address(const tensorio::TensorView& view, const std::byte* bytes) {
  if (in_file(view, bytes)) {
    return sources_.address(view.file_path(), view.file_offset(), view.stored_bytes().size());
  }
  // An owned buffer of the view (a transform's output).
  return const_cast<std::byte*>(bytes);
}

std::span<const std::byte> presented_bytes(const tensorio::TensorView& view) {
  return view.zero_copy() ? view.stored_bytes() : view.data();
}

void require_supported(const OpenedFile& file, const Entry& e) {
  if (!e.unsupported) return;
  throw Error(ErrorCode::unsupported_dtype, file.archive().path(), e.view.file_offset(),
              "tensor '" + e.name + "': expected a type tensorio can dequantize, found " +
                  std::string(tensorio::dtype_name(e.view.dtype())) +
                  " (a codebook type); its stored blocks are available with "
                  "tensorio.open(path).raw('" +
                  e.name + "')");
}

}  // namespace tensorio_py
