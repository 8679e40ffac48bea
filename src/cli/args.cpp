#include <algorithm>
#include <charconv>

#include "cli/cli.hpp"

namespace tensorio::cli {

Args::Args(std::vector<std::string> argv, std::vector<std::string> flags,
           std::vector<std::string> valued) {
  auto is = [](const std::vector<std::string>& set, const std::string& s) {
    return std::find(set.begin(), set.end(), s) != set.end();
  };
  bool only_positionals = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (only_positionals || a.size() < 2 || a[0] != '-' || a == "-") {
      positionals_.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positionals = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      help_ = true;
      continue;
    }
    std::string name = a.substr(0, a.find('='));
    if (is(flags, name) && name == a) {
      flags_set_.push_back(name);
    } else if (is(valued, name)) {
      if (name != a) {
        values_.emplace_back(name, a.substr(name.size() + 1));
      } else if (i + 1 < argv.size()) {
        values_.emplace_back(name, argv[++i]);
      } else {
        throw UsageError("option " + name + " needs a value");
      }
    } else {
      throw UsageError("unknown option " + a);
    }
  }
}

bool Args::flag(std::string_view name) const {
  return std::find(flags_set_.begin(), flags_set_.end(), name) != flags_set_.end();
}

std::optional<std::string> Args::value(std::string_view name) const {
  std::optional<std::string> out;
  for (const auto& [k, v] : values_) {
    if (k == name) out = v;  // the last occurrence wins
  }
  return out;
}

uint64_t Args::value_u64(std::string_view name, uint64_t fallback) const {
  auto v = value(name);
  if (!v) return fallback;
  uint64_t n = 0;
  auto r = std::from_chars(v->data(), v->data() + v->size(), n);
  if (r.ec != std::errc() || r.ptr != v->data() + v->size()) {
    throw UsageError("option " + std::string(name) + " expects a non-negative integer, got '" + *v +
                     "'");
  }
  return n;
}

uint64_t parse_size(std::string_view text) {
  uint64_t n = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), n);
  if (r.ec != std::errc() || r.ptr == text.data()) {
    throw UsageError("expected a size like 5GB or 500MB, got '" + std::string(text) + "'");
  }
  std::string unit(r.ptr, text.data() + text.size());
  std::transform(unit.begin(), unit.end(), unit.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  struct Unit {
    std::string_view name;
    uint64_t factor;
  };
  static constexpr Unit kUnits[] = {{"", 1},
                                    {"B", 1},
                                    {"KB", 1000},
                                    {"MB", 1000 * 1000},
                                    {"GB", 1000ull * 1000 * 1000},
                                    {"TB", 1000ull * 1000 * 1000 * 1000},
                                    {"KIB", 1ull << 10},
                                    {"MIB", 1ull << 20},
                                    {"GIB", 1ull << 30},
                                    {"TIB", 1ull << 40}};
  for (const Unit& u : kUnits) {
    if (u.name == unit) {
      uint64_t out = 0;
      if (__builtin_mul_overflow(n, u.factor, &out)) break;
      return out;
    }
  }
  throw UsageError("expected a size like 5GB or 500MB, got '" + std::string(text) + "'");
}

}  // namespace tensorio::cli
