// corpus_replay — replays a corpus of files through the library as an ordinary test.
//
//   corpus_replay DIR...
//
// Every file under a directory named `good` must open and verify cleanly; every file under a
// directory named `bad` must fail with a tensorio::Error (at open or at verify) — never with a
// crash, a different exception type or silent success. Files elsewhere (fuzzing finds) may do
// either but must not crash. The file name's extension chooses the format, as in load().
#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "tensorio/tensorio.hpp"

namespace fs = std::filesystem;

namespace {

enum class Expect { good, bad, either };

Expect expectation(const fs::path& p) {
  for (const auto& part : p) {
    if (part == "good") return Expect::good;
    if (part == "bad") return Expect::bad;
  }
  return Expect::either;
}

// Returns an empty string on success, else the error message.
std::string try_file(const fs::path& p, bool& threw_error) {
  threw_error = false;
  try {
    tensorio::Archive a = tensorio::load(p);
    (void)a.metadata_json(true);
    auto problems = tensorio::verify(a);
    if (!problems.empty()) {
      threw_error = true;
      return problems.front().message;
    }
    return "";
  } catch (const tensorio::Error& e) {
    threw_error = true;
    return e.what();
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    fs::path root(argv[i]);
    if (!fs::exists(root)) {
      std::printf("FAIL: %s does not exist\n", root.c_str());
      return 1;
    }
    if (!fs::is_directory(root)) {
      files.push_back(root);
      continue;
    }
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file() || e.path().filename().string()[0] == '.') continue;
      // Generator scripts and notes live beside the files; only tensor files are replayed.
      try {
        (void)tensorio::format_from_path(e.path());
      } catch (const tensorio::Error&) {
        continue;
      }
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  int failures = 0;
  size_t good = 0, bad = 0;
  for (const fs::path& p : files) {
    Expect want = expectation(p);
    bool threw = false;
    std::string msg;
    try {
      msg = try_file(p, threw);
    } catch (const std::exception& e) {
      std::printf("FAIL %s: escaped with a non-tensorio exception: %s\n", p.c_str(), e.what());
      ++failures;
      continue;
    }
    if (want == Expect::good && threw) {
      std::printf("FAIL %s: expected to load, got: %s\n", p.c_str(), msg.c_str());
      ++failures;
    } else if (want == Expect::bad && !threw) {
      std::printf("FAIL %s: expected a tensorio::Error, but it loaded and verified\n", p.c_str());
      ++failures;
    } else {
      (want == Expect::bad ? bad : good) += 1;
      std::printf("ok   %s%s%s\n", p.c_str(), threw ? " -> " : "", msg.c_str());
    }
  }
  std::printf("%zu files: %zu good, %zu rejected as expected, %d failures\n", files.size(), good,
              bad, failures);
  if (files.empty()) {
    std::printf("FAIL: empty corpus\n");
    return 1;
  }
  return failures == 0 ? 0 : 1;
}
