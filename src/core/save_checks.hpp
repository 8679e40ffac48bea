// Argument checks shared by every saver: a TensorRef must describe its bytes exactly.
#pragma once

#include <string>

#include "tensorio/tensorio.hpp"

namespace tensorio::detail {

// Throws Error(invalid_argument) naming `path` and the tensor when the name is empty, the shape
// overflows, or data.size() differs from the shape's byte size.
void check_tensor_ref(const TensorRef& tensor, const std::string& path);

}  // namespace tensorio::detail
