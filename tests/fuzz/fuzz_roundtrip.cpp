// Fuzz target: open -> save -> open. Whatever file opens and materializes must save in its own
// format (or be refused with an Error that says the format cannot hold it) and reopen to the same
// tensors (name, dtype, shape, bytes) and the same string metadata.
//
// The format is chosen from the input's magic bytes, so the committed seeds are plain files.
#include <optional>

#include <cstring>
#include <filesystem>
#include <map>

#include "fuzz/fuzz_common.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using tensorio::fuzz::violation;

namespace {

const char* extension_for(const uint8_t* data, size_t size) {
  auto starts = [&](const char* magic) {
    size_t n = std::strlen(magic);
    return size >= n && std::memcmp(data, magic, n) == 0;
  };
  if (starts("\x93NUMPY")) return ".npy";
  if (starts("PK")) return ".npz";
  if (starts("GGUF")) return ".gguf";
  return ".safetensors";
}

// Where saved files go: one private directory per process, removed at exit. /dev/shm where there
// is one, so that the many saves of a fuzzing run stay in memory.
const tensorio::testing::TempDir& scratch_dir() {
  static const tensorio::testing::TempDir dir = [] {
    if (fs::is_directory("/dev/shm")) return tensorio::testing::TempDir(fs::path("/dev/shm"));
    return tensorio::testing::TempDir();
  }();
  return dir;
}

bool names_are_stored(const char* ext) { return std::strcmp(ext, ".npy") != 0; }

void compare(const tensorio::Archive& a, const tensorio::Archive& b, const char* ext) {
  if (a.size() != b.size()) {
    violation("round trip changed the tensor count from " + std::to_string(a.size()) + " to " +
              std::to_string(b.size()));
  }
  std::map<std::string, const tensorio::TensorView*> by_name;
  for (const auto& v : b.tensors()) by_name[v.name()] = &v;
  for (size_t i = 0; i < a.size(); ++i) {
    const tensorio::TensorView& x = a.tensors()[i];
    const tensorio::TensorView* y = names_are_stored(ext) ? by_name[x.name()] : &b.tensors()[0];
    if (y == nullptr) violation("round trip lost tensor '" + x.name() + "'");
    if (x.dtype() != y->dtype()) violation("round trip changed the dtype of '" + x.name() + "'");
    if (!std::equal(x.shape().begin(), x.shape().end(), y->shape().begin(), y->shape().end())) {
      violation("round trip changed the shape of '" + x.name() + "'");
    }
    auto dx = x.data();
    auto dy = y->data();
    if (dx.size() != dy.size() || (!dx.empty() && std::memcmp(dx.data(), dy.data(), dx.size()))) {
      violation("round trip changed the bytes of '" + x.name() + "'");
    }
  }
  if (a.string_metadata() != b.string_metadata()) violation("round trip changed string metadata");
}

bool save_refusal_is_legitimate(tensorio::ErrorCode code) {
  using tensorio::ErrorCode;
  // The target format cannot hold what the source held (several tensors in .npy, a name the
  // writer refuses, metadata it cannot express, a member the source only noted).
  return code == ErrorCode::unrepresentable || code == ErrorCode::invalid_argument ||
         code == ErrorCode::bad_metadata || code == ErrorCode::limit_exceeded ||
         code == ErrorCode::duplicate_name;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* ext = extension_for(data, size);
  tensorio::testing::GuardedInput input(data, size);
  tensorio::detail::MemoryFile file(std::string("/tensorio-fuzz/input") + ext, input.bytes());

  std::optional<tensorio::Archive> first;
  std::vector<tensorio::TensorRef> refs;
  try {
    first = tensorio::load(file.path());
    for (const auto& v : first->tensors()) refs.push_back(tensorio::TensorRef::from_view(v));
  } catch (const tensorio::Error&) {
    return 0;  // not a loadable file: the format targets cover how it was rejected
  }

  fs::path out = scratch_dir() / (std::string("roundtrip") + ext);
  tensorio::SaveOptions options;
  options.buffer_bytes = 64 << 10;
  options.metadata = first->string_metadata();
  try {
    tensorio::save(out, refs, options);
  } catch (const tensorio::Error& e) {
    if (save_refusal_is_legitimate(e.code())) return 0;
    violation(std::string("save of a loadable file failed: ") + e.what());
  }
  try {
    tensorio::Archive second = tensorio::load(out);
    compare(*first, second, ext);
  } catch (const tensorio::Error& e) {
    violation(std::string("a file tensorio saved does not load: ") + e.what());
  }
  return 0;
}
