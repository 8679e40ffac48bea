// Shared plumbing of the `tensorio` command: argument parsing and the command table.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tensorio::cli {

// Bad usage: reported on stderr with the command's usage line, exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Minimal, strict option parser: `--flag`, `--key value`, `--key=value` and positionals.
// Unknown options are usage errors.
class Args {
 public:
  Args(std::vector<std::string> argv, std::vector<std::string> flags,
       std::vector<std::string> valued);

  bool flag(std::string_view name) const;
  std::optional<std::string> value(std::string_view name) const;
  uint64_t value_u64(std::string_view name, uint64_t fallback) const;
  const std::vector<std::string>& positionals() const { return positionals_; }
  bool help() const { return help_; }

 private:
  std::vector<std::pair<std::string, std::string>> values_;
  std::vector<std::string> flags_set_;
  std::vector<std::string> positionals_;
  bool help_ = false;
};

// Parses sizes like "5GB", "500MB", "1GiB", "1234". Throws UsageError.
uint64_t parse_size(std::string_view text);

struct Command {
  std::string_view name;
  std::string_view summary;
  std::string_view usage;  // full --help text
  int (*run)(const std::vector<std::string>& args);
};

int run_inspect(const std::vector<std::string>& args);
int run_convert(const std::vector<std::string>& args);
int run_verify(const std::vector<std::string>& args);
int run_bench(const std::vector<std::string>& args);

extern const Command kInspect;
extern const Command kConvert;
extern const Command kVerify;
extern const Command kBench;

}  // namespace tensorio::cli
