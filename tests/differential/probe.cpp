// differential_probe — tensorio's side of the differential tests (tests/differential/).
//
// Reads file paths from stdin, one per line, and prints for each one JSON line with what
// tensorio makes of the file when a caller opens it and reads every tensor:
//
//   {"ok":false,"code":"bad_header","offset":12,"message":"..."}
//   {"ok":true,"format":"npz","tensors":[{"name":"a","dtype":"float32","shape":[3,4],
//    "fnv1a":"cbf29ce484222325"}, ...],"verify":["bad_checksum"]}  (npy, npz, safetensors;
//    "verify" lists the codes of verify()'s problems)
//   {"ok":true,"format":"gguf","ggml_contiguous":true,"dump":"..."}      (gguf: the text of
//    tests/ggml/dump_format.hpp, which ggml_harness prints for ggml's view)
//
// Strings are raw bytes, escaped as dump_format::json_string does. A tensor's hash is FNV-1a
// over data(): its elements in native byte order and C order, as NumPy's arrays hold them. Any
// tensorio::Error, at open or while reading a tensor, is a refusal. Anything else escaping the
// library (another exception type, a crash) ends the program, and the driver reports it.
#include <cstdio>
#include <iostream>
#include <string>

#include "ggml/dump_format.hpp"
#include "ggml/tensorio_dump.hpp"
#include "tensorio/gguf.hpp"
#include "tensorio/tensorio.hpp"

namespace {

namespace df = dump_format;

std::string hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(v));
  return buf;
}

std::string describe(const std::string& path) {
  tensorio::Archive a = tensorio::load(path);
  std::string out =
      "{\"ok\":true,\"format\":\"" + std::string(tensorio::format_name(a.format())) + "\"";
  if (a.format() == tensorio::Format::gguf) {
    const bool contiguous = tensorio::gguf_file(a).ggml_contiguous_layout();
    out += std::string(",\"ggml_contiguous\":") + (contiguous ? "true" : "false");
    out += ",\"dump\":" + df::json_string(ggml_peer::tensorio_dump(path));
    return out + "}";
  }
  out += ",\"tensors\":[";
  bool first = true;
  for (const tensorio::TensorView& t : a.tensors()) {
    auto bytes = t.data();
    uint64_t hash = df::fnv1a(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    if (!first) out += ",";
    first = false;
    out += "{\"name\":" + df::json_string(t.name()) + ",\"dtype\":\"" +
           std::string(tensorio::dtype_name(t.dtype())) + "\",\"shape\":[";
    for (size_t i = 0; i < t.shape().size(); ++i) {
      if (i) out += ",";
      out += std::to_string(t.shape()[i]);
    }
    out += "],\"fnv1a\":" + hex64(hash) + "}";
  }
  // What verify() adds (the CRC of stored npz members, which reading does not check).
  out += "],\"verify\":[";
  first = true;
  for (const tensorio::VerifyProblem& p : tensorio::verify(a)) {
    if (!first) out += ",";
    first = false;
    out += "\"" + std::string(tensorio::error_code_name(p.code)) + "\"";
  }
  return out + "]}";
}

}  // namespace

int main() {
  std::string path;
  while (std::getline(std::cin, path)) {
    std::string line;
    try {
      line = describe(path);
    } catch (const tensorio::Error& e) {
      line =
          "{\"ok\":false,\"code\":\"" + std::string(tensorio::error_code_name(e.code())) +
          "\",\"offset\":" +
          (e.offset() == tensorio::no_offset ? std::string("null") : std::to_string(e.offset())) +
          ",\"message\":" + df::json_string(e.what()) + "}";
    }
    std::fputs(line.c_str(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
  return 0;
}
