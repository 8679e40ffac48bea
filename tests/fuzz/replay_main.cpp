// Replay driver: the main() of every fuzz target when it is built with the ordinary compiler.
//
//   replay_TARGET DIR_OR_FILE...
//
// Runs LLVMFuzzerTestOneInput once on every file under the arguments (directories recursively;
// missing directories are skipped, so a format's corpus may appear later), so every committed
// seed and every crash ever found stays a regression test in `meson test`. A crash, an abort or
// an escaped exception fails the test by ending the process; running zero files also fails.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    fs::path root(argv[i]);
    if (fs::is_directory(root)) {
      for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else if (fs::is_regular_file(root)) {
      files.push_back(root);
    }
  }
  for (const fs::path& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::printf("replay %s (%zu bytes)\n", p.c_str(), bytes.size());
    std::fflush(stdout);  // so the log names the input if the next call crashes
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("%zu inputs replayed without a finding\n", files.size());
  if (files.empty()) {
    std::printf("FAIL: no corpus files found\n");
    return 1;
  }
  return 0;
}
