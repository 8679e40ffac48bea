#include "api/c_status.hpp"

#include <string>

namespace tensorio::capi {

namespace {

// The calling thread's last error. `fixed` replaces `message` when storing the message would
// itself need memory that is not there.
struct LastError {
  tio_status code = TIO_OK;
  std::string message;
  const char* fixed = nullptr;
};
thread_local LastError t_last_error;

constexpr const char* kOutOfMemory = "tensorio: out of memory";

}  // namespace

tio_status record(tio_status code, std::string_view message, std::string_view prefix) noexcept {
  LastError& last = t_last_error;
  last.code = code;
  try {
    last.message.assign(prefix.data(), prefix.size());
    last.message.append(message.data(), message.size());
    last.fixed = nullptr;
  } catch (...) {
    last.message.clear();
    last.fixed = kOutOfMemory;
  }
  return code;
}

tio_status record_out_of_memory() noexcept {
  LastError& last = t_last_error;
  last.code = TIO_ERR_OUT_OF_MEMORY;
  last.message.clear();
  last.fixed = kOutOfMemory;
  return TIO_ERR_OUT_OF_MEMORY;
}

tio_status last_error_code() noexcept { return t_last_error.code; }

const char* last_error_message() noexcept {
  const LastError& last = t_last_error;
  return last.fixed != nullptr ? last.fixed : last.message.c_str();
}

}  // namespace tensorio::capi
