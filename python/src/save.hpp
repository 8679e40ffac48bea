// python/src/save.hpp — saving, with the GIL released while the file is written.
//
// The Python layer has already turned every input into C-order, native little-endian bytes and
// chosen names and the target path; this layer borrows those bytes (buffer protocol, C
// contiguous), releases the GIL, and calls the library's atomic savers.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

namespace tensorio_py {

// kind: "npy" (exactly one tensor), "npz", "safetensors" or "gguf".
// tensors: list of (name: str, dtype: str (tensorio name), shape: tuple[int], data: buffer).
// metadata: safetensors: list of (str, str); gguf: list of (key, value) with value a str, a
// list of str, or a 0-d / 1-D NumPy array of bool, (u)int8..64, float32 or float64; else empty.
// compress / level: npz only (savez_compressed).
void save(const std::string& kind, const std::string& path, const pybind11::list& tensors,
          const pybind11::list& metadata, bool compress, int level);

}  // namespace tensorio_py
