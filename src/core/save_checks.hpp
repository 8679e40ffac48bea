// Argument checks shared by every saver: a TensorRef must describe its bytes exactly.
#pragma once

#include <string>

#include "tensorio/tensorio.hpp"

namespace tensorio::detail {

// Throws Error(invalid_argument) naming `path` and the tensor when the shape overflows or
// data.size() differs from the shape's byte size. An empty name is a name: NumPy ('' is the npz
// member ".npy"), the safetensors reference and ggml read and write it, and so does tensorio.
void check_tensor_ref(const TensorRef& tensor, const std::string& path);

}  // namespace tensorio::detail
