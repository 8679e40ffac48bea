// Opening a .gguf file: map it, run the decoding steps (header, key/values, tensor infos,
// layout), then build zero-copy tensor records and the archive.
#include <algorithm>
#include <memory>

#include "core/archive_state.hpp"
#include "core/checked_math.hpp"
#include "core/internals.hpp"
#include "core/mapped_file.hpp"
#include "core/tensor_record.hpp"
#include "gguf/gguf_parse.hpp"
#include "io/map_ahead.hpp"
#include "io/open_file.hpp"
#include "tensorio/dequantize.hpp"
#include "tensorio/gguf.hpp"

namespace tensorio {

namespace {

std::shared_ptr<detail::TensorRecord> make_record(const detail::GgufFileState& s,
                                                  const GgufTensorInfo& t) {
  auto rec = std::make_shared<detail::TensorRecord>();
  rec->name = std::string(t.name);
  rec->dtype = t.dtype;
  rec->shape.assign(t.ne.rbegin(), t.ne.rend());        // ggml's ne[0] is the innermost dimension
  rec->num_elements = element_count(t.ne).value_or(0);  // checked when the info was parsed
  rec->nbytes = t.nbytes;
  rec->file_offset = s.data_offset + t.offset;
  rec->file = s.file;
  rec->stored = s.file->bytes().subspan(rec->file_offset, t.nbytes);
  return rec;
}

// The decoding steps over the file's bytes, into a fresh state.
std::shared_ptr<detail::GgufFileState> parse_gguf(std::shared_ptr<const detail::MappedFile> file,
                                                  const Limits& limits) {
  auto gguf = std::make_shared<detail::GgufFileState>();
  gguf->file = std::move(file);
  gguf->path = gguf->file->path();
  ByteCursor c(gguf->file->bytes(), gguf->path);
  detail::GgufHeader h = detail::parse_gguf_header(c, limits);
  gguf->version = h.version;
  uint64_t header_end_limit = checked_add(24, limits.max_header_bytes).value_or(UINT64_MAX);
  detail::parse_gguf_metadata(c, h.kv_count, limits, header_end_limit, *gguf);
  detail::parse_gguf_tensor_infos(c, h.tensor_count, limits, header_end_limit, *gguf);
  detail::validate_gguf_layout(c.position(), *gguf);
  return gguf;
}

// A remote file's first request. The header's size is not known before it is parsed: a
// parse that runs past what was fetched fetches as much again and parses again
// (detail::parse_fetched), so a header of H bytes takes about log2(H / kFirstWindow) + 1
// requests. 2 MiB holds most headers whole; a 150,000-token vocabulary needs a few more.
constexpr uint64_t kFirstWindow = uint64_t{2} << 20;

}  // namespace

Archive open_gguf(const std::filesystem::path& path, const OpenOptions& options) {
  auto file = detail::open_file(path.string(), options, {true, kFirstWindow});
  std::shared_ptr<detail::GgufFileState> gguf =
      detail::parse_fetched(*file, [&] { return parse_gguf(file, options.limits); });

  auto state = std::make_shared<detail::ArchiveState>();
  state->format = Format::gguf;
  state->path = gguf->path;
  state->file_size = gguf->file->size();
  state->files.push_back(gguf->file);
  state->tensors.reserve(gguf->tensors.size());
  state->index.reserve(gguf->tensors.size());
  for (const GgufTensorInfo& t : gguf->tensors) {
    TensorView view = Internals::make_view(make_record(*gguf, t));
    if (options.gguf_mlx_quantized && is_mlx_affine_dtype(t.dtype)) {
      // MLX's presentation: the blocks become weights + scales + biases (names may collide
      // with other tensors, which add() reports as duplicate_name, like MLX).
      MlxAffineViews mlx = mlx_affine_views(view);
      state->add(std::move(mlx.weights));
      state->add(std::move(mlx.scales));
      state->add(std::move(mlx.biases));
    } else {
      state->add(std::move(view));
    }
  }
  for (const GgufValueView& v : gguf->values) {
    if (v.type() == GgufType::string) {
      state->string_metadata.emplace_back(std::string(v.key()), std::string(v.as_string()));
    }
  }
  if (!gguf->ggml_contiguous) {
    state->notes.push_back(
        "tensors are not laid out back to back in info order with padding: valid gguf, but "
        "ggml's own reader refuses this layout");
  }
  state->extension = std::make_shared<detail::GgufExtension>(std::move(gguf));
  return detail::publish_archive(std::move(state));
}

GgufFile gguf_file(const Archive& archive) {
  const auto* ext =
      dynamic_cast<const detail::GgufExtension*>(Internals::state(archive).extension.get());
  if (ext == nullptr) {
    throw Error(ErrorCode::invalid_argument, archive.path(), no_offset,
                "expected a gguf archive, found " + std::string(format_name(archive.format())));
  }
  return GgufAccess::file_handle(ext->state());
}

std::vector<uint64_t> ggml_ne(const TensorView& view) {
  auto shape = view.shape();
  return {shape.rbegin(), shape.rend()};
}

uint32_t GgufFile::version() const noexcept { return state_->version; }
uint64_t GgufFile::alignment() const noexcept { return state_->alignment; }
uint64_t GgufFile::data_offset() const noexcept { return state_->data_offset; }
std::span<const GgufTensorInfo> GgufFile::tensor_infos() const noexcept { return state_->tensors; }
bool GgufFile::ggml_contiguous_layout() const noexcept { return state_->ggml_contiguous; }

}  // namespace tensorio
