// corpus_replay — replays a corpus of files through the library as an ordinary test.
//
//   corpus_replay DIR...
//
// Every file under a directory named `good` must open and verify cleanly. Every file under a
// directory named `bad` is named `<error_code_name>__<what>.<ext>` and must fail, at open or as
// a verify() problem, with exactly that ErrorCode: a file that fails for another reason hides the
// check it was written for. A bad file whose name states no known code is itself a failure.
// Files elsewhere (fuzzing finds) may do either but must not crash. The file name's extension
// chooses the format, as in load().
//
// Each file is also opened from memory with load_from_memory() (except a sharded index, which
// names other files) and must give the same outcome: the same ErrorCode, or an archive equal to
// load()'s in tensors, dtypes, shapes, bytes and string metadata.
//
// Ends with "N passed, N failed" and exits non-zero on any failure.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "tensorio/tensorio.hpp"

namespace fs = std::filesystem;
using tensorio::Archive;
using tensorio::ErrorCode;

namespace {

enum class Expect { good, bad, either };

Expect expectation(const fs::path& p) {
  for (const auto& part : p) {
    if (part == "good") return Expect::good;
    if (part == "bad") return Expect::bad;
  }
  return Expect::either;
}

// The code a bad file's name states before "__"; nullopt when there is no such prefix or it
// names no ErrorCode.
std::optional<ErrorCode> stated_code(const fs::path& p) {
  std::string name = p.filename().string();
  size_t sep = name.find("__");
  if (sep == std::string::npos || sep == 0) return std::nullopt;
  std::string prefix = name.substr(0, sep);
  for (size_t c = 1; c < static_cast<size_t>(ErrorCode::count_); ++c) {
    auto code = static_cast<ErrorCode>(c);
    if (tensorio::error_code_name(code) == prefix) return code;
  }
  return std::nullopt;
}

std::string code_name(std::optional<ErrorCode> code) {
  return code ? std::string(tensorio::error_code_name(*code)) : std::string("(unknown code)");
}

bool is_sharded_index(const fs::path& p) {
  std::string name = p.filename().string();
  const std::string suffix = ".safetensors.index.json";
  return name.size() >= suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

using Opener = std::function<Archive(const tensorio::OpenOptions&)>;

// What opening and verifying a file gave. `code` is empty when it succeeded, or when a verify()
// problem's code could not be recovered (then `failed` is still true).
struct Outcome {
  bool failed = false;
  std::optional<ErrorCode> code;
  std::string stage;  // "open" or "verify"
  std::string message;
  std::optional<Archive> archive;  // kept on success, to compare the two ways of opening
};

std::optional<ErrorCode> data_error(const tensorio::TensorView& view) {
  try {
    (void)view.data();
  } catch (const tensorio::Error& e) {
    return e.code();
  }
  return std::nullopt;
}

// VerifyProblem carries only a message, so the code comes from reading the problem's tensor
// again and catching the Error. Stored npz members' CRCs are checked by verify() but not by a
// plain data(), hence verify_crc_on_access on the second open.
std::optional<ErrorCode> problem_code(const Opener& open, const tensorio::VerifyProblem& problem) {
  try {
    tensorio::OpenOptions options;
    options.verify_crc_on_access = true;
    Archive again = open(options);
    if (const tensorio::TensorView* v = again.find(problem.tensor)) return data_error(*v);
    // npz problems name the member ("w.npy"), whose tensor is "w".
    const std::string_view member = problem.tensor;
    if (member.ends_with(".npy")) {
      if (const tensorio::TensorView* v = again.find(member.substr(0, member.size() - 4))) {
        return data_error(*v);
      }
    }
    // A problem about something that is no tensor: the first tensor that fails stands for it.
    for (const tensorio::TensorView& v : again.tensors()) {
      if (auto code = data_error(v)) return code;
    }
  } catch (const tensorio::Error& e) {
    return e.code();
  }
  return std::nullopt;
}

Outcome replay(const Opener& open) {
  Outcome out;
  try {
    out.archive.emplace(open({}));
    (void)out.archive->metadata_json(true);
  } catch (const tensorio::Error& e) {
    out.archive.reset();
    out.failed = true;
    out.code = e.code();
    out.stage = "open";
    out.message = e.what();
    return out;
  }
  auto problems = tensorio::verify(*out.archive);
  if (problems.empty()) return out;
  out.archive.reset();
  out.failed = true;
  out.stage = "verify";
  out.code = problem_code(open, problems.front());
  out.message = problems.front().message;
  // Every problem must be of the same kind: a second, different one is a second defect.
  for (size_t i = 1; i < problems.size(); ++i) {
    std::optional<ErrorCode> other = problem_code(open, problems[i]);
    if (other != out.code) {
      out.code.reset();
      out.message += " (and a " + code_name(other) + " problem: " + problems[i].message + ")";
      break;
    }
  }
  return out;
}

std::string describe(const Outcome& o) {
  if (!o.failed) return "opened and verified";
  return code_name(o.code) + " at " + o.stage + ": " + o.message;
}

std::string shape_string(std::span<const uint64_t> shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + ")";
}

// The first difference between two archives of the same file, or "" when they are equal.
std::string archive_difference(const Archive& file, const Archive& memory) {
  if (file.size() != memory.size()) {
    return "tensor count " + std::to_string(file.size()) + " from load(), " +
           std::to_string(memory.size()) + " from memory";
  }
  for (size_t i = 0; i < file.size(); ++i) {
    const tensorio::TensorView& f = file.tensors()[i];
    const tensorio::TensorView& m = memory.tensors()[i];
    std::string which = "tensor " + std::to_string(i) + " '" + f.name() + "'";
    // An npy tensor is named after its file's stem; from memory there is no file, and the name
    // comes from the buffer's synthetic "memory:..." path instead (documented in tensorio.h).
    const bool named_by_path = file.format() == tensorio::Format::npy;
    if (named_by_path ? !m.name().starts_with("memory:") : f.name() != m.name()) {
      return which + ": named '" + m.name() + "' from memory";
    }
    if (f.dtype() != m.dtype()) {
      return which + ": dtype " + std::string(tensorio::dtype_name(f.dtype())) + " from load(), " +
             std::string(tensorio::dtype_name(m.dtype())) + " from memory";
    }
    if (!std::ranges::equal(f.shape(), m.shape())) {
      return which + ": shape " + shape_string(f.shape()) + " from load(), " +
             shape_string(m.shape()) + " from memory";
    }
    auto fb = f.data();
    auto mb = m.data();
    if (fb.size() != mb.size()) {
      return which + ": " + std::to_string(fb.size()) + " bytes from load(), " +
             std::to_string(mb.size()) + " from memory";
    }
    auto [fi, mi] = std::ranges::mismatch(fb, mb);
    if (fi != fb.end()) {
      return which + ": bytes differ from offset " + std::to_string(fi - fb.begin());
    }
  }
  const auto& fm = file.string_metadata();
  const auto& mm = memory.string_metadata();
  if (fm.size() != mm.size()) {
    return "string_metadata has " + std::to_string(fm.size()) + " entries from load(), " +
           std::to_string(mm.size()) + " from memory";
  }
  for (size_t i = 0; i < fm.size(); ++i) {
    if (fm[i] != mm[i]) {
      return "string_metadata entry " + std::to_string(i) + ": '" + fm[i].first + "' = '" +
             fm[i].second + "' from load(), '" + mm[i].first + "' = '" + mm[i].second +
             "' from memory";
    }
  }
  return "";
}

std::vector<std::byte> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.eof() && in.fail()) throw std::runtime_error("cannot read " + p.string());
  std::vector<std::byte> bytes(chars.size());
  std::transform(chars.begin(), chars.end(), bytes.begin(),
                 [](char c) { return static_cast<std::byte>(c); });
  return bytes;
}

// Checks one file; prints its ok or FAIL lines and returns whether it passed.
bool check_file(const fs::path& p) {
  const Expect want = expectation(p);
  std::optional<ErrorCode> stated;
  if (want == Expect::bad) {
    stated = stated_code(p);
    if (!stated) {
      std::printf("FAIL %s: a bad/ file must be named <error_code_name>__<what>%s\n", p.c_str(),
                  p.extension().c_str());
      return false;
    }
  }

  Outcome from_file = replay([&](const tensorio::OpenOptions& o) { return tensorio::load(p, o); });
  bool passed = true;
  if (want == Expect::good && from_file.failed) {
    std::printf("FAIL %s: expected to open and verify, got %s\n", p.c_str(),
                describe(from_file).c_str());
    passed = false;
  } else if (want == Expect::bad && !from_file.failed) {
    std::printf("FAIL %s: expected %s, but it opened and verified\n", p.c_str(),
                code_name(stated).c_str());
    passed = false;
  } else if (want == Expect::bad && from_file.code != stated) {
    std::printf("FAIL %s: expected %s, got %s\n", p.c_str(), code_name(stated).c_str(),
                describe(from_file).c_str());
    passed = false;
  }

  if (!is_sharded_index(p)) {
    const std::vector<std::byte> bytes = read_bytes(p);
    const tensorio::Format format = tensorio::format_from_path(p);
    Outcome from_memory = replay([&](const tensorio::OpenOptions& o) {
      return tensorio::load_from_memory(bytes, format, o);
    });
    if (from_memory.failed != from_file.failed || from_memory.code != from_file.code) {
      std::printf("FAIL %s: load_from_memory gave %s; load() gave %s\n", p.c_str(),
                  describe(from_memory).c_str(), describe(from_file).c_str());
      passed = false;
    } else if (!from_file.failed) {
      std::string diff;
      try {
        diff = archive_difference(*from_file.archive, *from_memory.archive);
      } catch (const tensorio::Error& e) {
        diff = std::string("reading a verified tensor threw: ") + e.what();
      }
      if (!diff.empty()) {
        std::printf("FAIL %s: load_from_memory differs from load(): %s\n", p.c_str(), diff.c_str());
        passed = false;
      }
    }
  }

  if (passed) {
    if (from_file.failed) {
      std::printf("ok   %s -> %s\n", p.c_str(), describe(from_file).c_str());
    } else {
      std::printf("ok   %s\n", p.c_str());
    }
  }
  return passed;
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
  size_t passed = 0, failed = 0;
  for (const fs::path& p : files) {
    bool ok = false;
    try {
      ok = check_file(p);
    } catch (const tensorio::Error& e) {
      std::printf("FAIL %s: escaped a check with %s: %s\n", p.c_str(),
                  std::string(tensorio::error_code_name(e.code())).c_str(), e.what());
    } catch (const std::exception& e) {
      std::printf("FAIL %s: escaped with a non-tensorio exception: %s\n", p.c_str(), e.what());
    }
    (ok ? passed : failed) += 1;
  }
  if (files.empty()) {
    std::printf("FAIL: empty corpus\n");
    ++failed;
  }
  std::printf("%zu passed, %zu failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
