// python/src/materialize.hpp — running the lazy transforms of many views at once.
#pragma once

#include <span>

#include "tensorio/tensor_view.hpp"

namespace tensorio_py {

// Calls data() on every view (inflation, byte swap, transpose, dequantization, CRC checks), the
// caller's thread and up to one more thread per core sharing the work. Call without the GIL.
// When views fail, throws the error of the first failing one in the given order, after all
// threads have finished.
void materialize(std::span<const tensorio::TensorView* const> views);

}  // namespace tensorio_py
