#include "zip/zip_format.hpp"

namespace tensorio::zip {

std::string method_name(uint16_t method) {
  const char* name = nullptr;
  switch (method) {
    case 0: name = "stored"; break;
    case 1: name = "shrunk"; break;
    case 6: name = "imploded"; break;
    case 8: name = "deflated"; break;
    case 9: name = "deflate64"; break;
    case 12: name = "bzip2"; break;
    case 14: name = "lzma"; break;
    case 93: name = "zstd"; break;
    case 95: name = "xz"; break;
    case 98: name = "ppmd"; break;
    case 99: name = "AES-encrypted"; break;
    default: break;
  }
  std::string id = std::to_string(method);
  return name ? std::string(name) + " (" + id + ")" : "method " + id;
}

}  // namespace tensorio::zip
