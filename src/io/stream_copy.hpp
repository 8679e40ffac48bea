// stream_copy — memcpy for large destinations that will not be read back soon.
//
// A plain copy loop reads every destination cache line before overwriting it (read-for-
// ownership), so copying N bytes moves 3N bytes through the memory bus. glibc's memcpy avoids
// that with non-temporal stores, but only for single calls above a threshold tied to the cache
// size (hundreds of MiB on big-L3 machines), so a copy cut into blocks never gets them. This
// copy uses non-temporal stores whenever the destination is large enough for them to pay
// off, which makes block-wise read_into markedly faster (bench/RESULTS.md). Falls back to
// memcpy on targets without SSE2 and for small copies.
#pragma once

#include <cstddef>

namespace tensorio::detail {

// Copies n bytes from src to dst (not overlapping). The destination may not be in any cache
// afterwards.
void stream_copy(void* dst, const void* src, size_t n) noexcept;

}  // namespace tensorio::detail
