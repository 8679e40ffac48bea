// How the C API turns C++ outcomes into a tio_status and the calling thread's last error
// (tensorio/tensorio.h): every entry point runs its body through guarded(), so no exception
// crosses the C boundary, and what each kind of failure becomes is decided here only.
#pragma once

#include <new>
#include <string_view>

#include "tensorio/error.hpp"
#include "tensorio/tensorio.h"

namespace tensorio::capi {

// Makes `code` and `prefix` + `message` the calling thread's last error and returns `code`.
// When the message cannot be stored (no memory) the thread keeps a fixed out-of-memory text.
tio_status record(tio_status code, std::string_view message, std::string_view prefix = {}) noexcept;

// Records an allocation failure without allocating (the fixed message).
tio_status record_out_of_memory() noexcept;

// The calling thread's last status and message (tio_last_error_code / _message).
tio_status last_error_code() noexcept;
const char* last_error_message() noexcept;

// Runs one entry point's body: success records TIO_OK; tensorio::Error becomes its own code,
// std::bad_alloc TIO_ERR_OUT_OF_MEMORY, and anything else, which only a defect in tensorio can
// throw, TIO_ERR_INTERNAL with the exception's text.
template <typename Body>
tio_status guarded(Body&& body) noexcept {
  try {
    body();
    return record(TIO_OK, {});
  } catch (const Error& e) {
    return record(static_cast<tio_status>(e.code()), e.what());
  } catch (const std::bad_alloc&) {
    return record_out_of_memory();
  } catch (const std::exception& e) {
    return record(TIO_ERR_INTERNAL, e.what(), "tensorio: internal error: ");
  } catch (...) {
    return record(TIO_ERR_INTERNAL, "tensorio: internal error: an unknown exception");
  }
}

}  // namespace tensorio::capi
