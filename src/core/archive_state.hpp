// ArchiveState — what an opened file is, shared by the Archive handles that refer to it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json_writer.hpp"
#include "core/mapped_file.hpp"
#include "core/name_index.hpp"
#include "tensorio/archive.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio {
namespace detail {

// Format-specific metadata beyond string pairs (gguf typed values, ...). Parsers that have such
// metadata derive from this and attach it; Archive::metadata_json() delegates to it.
class ArchiveExtension {
 public:
  virtual ~ArchiveExtension() = default;
  // Writes the members of the metadata object (the caller opened it).
  virtual void write_metadata_json(JsonWriter& out, bool full) const = 0;
  // Format-specific checks for verify() beyond reading every payload (stored-member CRCs, ...).
  // Appends one entry per problem; must not throw for problems it can describe.
  virtual void verify(std::vector<VerifyProblem>& problems) const { (void)problems; }
};

}  // namespace detail

// Declared opaque in tensorio/archive.hpp; internal code names it detail::ArchiveState.
struct ArchiveState {
  using MappedFile = detail::MappedFile;
  using NameIndex = detail::NameIndex;
  using ArchiveExtension = detail::ArchiveExtension;

  Format format = Format::npy;
  std::string path;
  uint64_t file_size = 0;
  std::vector<std::shared_ptr<const MappedFile>> files;  // every mapping the archive keeps
  std::vector<TensorView> tensors;                       // file order
  NameIndex index;                                       // name -> position in tensors
  std::vector<std::pair<std::string, std::string>> string_metadata;
  std::vector<std::string> notes;
  std::shared_ptr<const ArchiveExtension> extension;

  // Appends a tensor and indexes it; throws Error(duplicate_name) naming the file and offset.
  void add(TensorView view) {
    size_t name_hash = NameIndex::hash(view.name());
    add(std::move(view), name_hash);
  }
  // add() with the name's NameIndex::hash already computed (by an opener's worker thread).
  void add(TensorView view, size_t name_hash);
};

namespace detail {
using tensorio::ArchiveState;
}  // namespace detail

}  // namespace tensorio
