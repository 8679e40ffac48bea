#include "tensorio/archive.hpp"
#include "core/internals.hpp"

#include "core/archive_state.hpp"
#include "core/json_writer.hpp"
#include "core/tensor_record.hpp"
#include "tensorio/error.hpp"

namespace tensorio {

std::string_view format_name(Format format) noexcept {
  switch (format) {
    case Format::npy: return "npy";
    case Format::npz: return "npz";
    case Format::safetensors: return "safetensors";
    case Format::gguf: return "gguf";
  }
  return "unknown";
}

void ArchiveState::add(TensorView view, size_t name_hash) {
  if (!index.insert_hashed(view.name(), name_hash, tensors.size())) {
    throw Error(ErrorCode::duplicate_name, path, view.file_offset(),
                "expected unique tensor names, found '" + view.name() + "' twice");
  }
  // The key views the record's own string, which never moves (records are heap-allocated).
  tensors.push_back(std::move(view));
}

Format Archive::format() const noexcept { return state_->format; }
const std::string& Archive::path() const noexcept { return state_->path; }
uint64_t Archive::file_size() const noexcept { return state_->file_size; }
std::span<const TensorView> Archive::tensors() const noexcept { return state_->tensors; }

const TensorView* Archive::find(std::string_view name) const noexcept {
  auto position = state_->index.find(name);
  return position ? &state_->tensors[*position] : nullptr;
}

const TensorView& Archive::at(std::string_view name) const {
  if (const TensorView* v = find(name)) return *v;
  throw Error(ErrorCode::not_found, state_->path, no_offset,
              "expected a tensor named '" + std::string(name) + "', found none");
}

const std::vector<std::pair<std::string, std::string>>& Archive::string_metadata() const noexcept {
  return state_->string_metadata;
}

const std::vector<std::string>& Archive::notes() const noexcept { return state_->notes; }

std::string Archive::metadata_json(bool full) const {
  detail::JsonWriter w;
  w.begin_object();
  if (state_->extension) {
    state_->extension->write_metadata_json(w, full);
  } else {
    for (const auto& [k, v] : state_->string_metadata) w.key(k).value(v);
  }
  w.end_object();
  return w.str();
}

}  // namespace tensorio
