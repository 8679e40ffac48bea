// The JSON part of a .safetensors header (rule 5 of include/tensorio/safetensors.hpp): syntax
// and schema checked in one SAX pass, straight into the entries, with no document tree.
//
// Building a RapidJSON document first and walking it cost half of opening a 1,000-tensor
// checkpoint (every string copied twice, a node per value, a hash-set node per key). The pass
// keeps the reference's error order all the same: a syntax error anywhere wins; then a root
// that is not an object; then too many entries; then duplicate keys and __metadata__ errors,
// whichever comes first in the document; then the first tensor (in document order) with a bad
// entry, and within an entry its first bad field. Errors name the byte offset where the pass
// found them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tensorio/options.hpp"
#include "tensorio/safetensors.hpp"

namespace tensorio::detail {

// Parses `text` (which starts at file offset `base_offset` of `file`) and fills out.tensors in
// header order and out.metadata; throws Error as described above.
void parse_safetensors_json(std::string_view text, uint64_t base_offset, const std::string& file,
                            const Limits& limits, SafetensorsHeader& out);

}  // namespace tensorio::detail
