// python/src/metadata.hpp — a file's metadata as Python values.
//
//   safetensors  __metadata__ as dict[str, str] (a sharded checkpoint: the first shard's)
//   gguf         every key, in file order, with a natural Python value: int for the integer
//                types, float for float32/float64, bool, str (bytes when the file's string is
//                not valid UTF-8), list for arrays (nested lists for arrays of arrays)
//   npy, npz     {} (the formats have none)
#pragma once

#include <pybind11/pybind11.h>

#include "tensorio/archive.hpp"

namespace tensorio_py {

pybind11::dict metadata_of(const tensorio::Archive& archive);

}  // namespace tensorio_py
