// Argument checks shared by every saver: a TensorRef must describe its bytes exactly.
#pragma once

#include <string>

#include "tensorio/tensorio.hpp"

namespace tensorio::detail {

// Throws Error(invalid_argument) naming `path` and the tensor when the shape overflows or
// data.size() differs from the shape's byte size. An empty name is a name: NumPy ('' is the npz
// member ".npy"), the safetensors reference and ggml read and write it, and so does tensorio.
// For an opaque tensor its descr is validated as a file's header is (and implies the element
// size).
void check_tensor_ref(const TensorRef& tensor, const std::string& path);

// The tensor's dtype as a message names it: "float32", or "an opaque NumPy dtype '|S3'".
std::string dtype_for_message(const TensorRef& tensor);

}  // namespace tensorio::detail
