// `tensorio` — inspect, convert and verify tensor files.
//
// Exit status: 0 success, 1 a bad file or failed I/O (a tensorio::Error), 2 bad usage. Every
// error goes to stderr as one line; no exception escapes main.
#include <cstdio>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "tensorio/error.hpp"

namespace {

using tensorio::cli::Command;

const Command* const kCommands[] = {&tensorio::cli::kInspect, &tensorio::cli::kConvert,
                                    &tensorio::cli::kVerify, &tensorio::cli::kBench};

void print_overview(std::FILE* to) {
  std::fprintf(to,
               "usage: tensorio COMMAND [ARGS...]\n\n"
               "Loads and saves tensors in .npy, .npz, .safetensors and .gguf.\n\ncommands:\n");
  for (const Command* c : kCommands) {
    std::fprintf(to, "  %-10.*s %.*s\n", static_cast<int>(c->name.size()), c->name.data(),
                 static_cast<int>(c->summary.size()), c->summary.data());
  }
  std::fprintf(to, "\nRun 'tensorio COMMAND --help' for a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  if (argc < 2) {
    print_overview(stderr);
    return 2;
  }
  std::string name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    print_overview(stdout);
    return 0;
  }
  const Command* command = nullptr;
  for (const Command* c : kCommands) {
    if (c->name == name) command = c;
  }
  if (command == nullptr) {
    std::fprintf(stderr, "tensorio: unknown command '%s'\n\n", name.c_str());
    print_overview(stderr);
    return 2;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    return command->run(args);
  } catch (const tensorio::cli::UsageError& e) {
    std::fprintf(stderr, "tensorio %s: %s\n%.*s", command->name.data(), e.what(),
                 static_cast<int>(command->usage.size()), command->usage.data());
    return 2;
  } catch (const tensorio::Error& e) {
    std::fprintf(stderr, "tensorio %s: error [%s]: %s\n", command->name.data(),
                 std::string(tensorio::error_code_name(e.code())).c_str(), e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "tensorio %s: error: out of memory\n", command->name.data());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tensorio %s: error: %s\n", command->name.data(), e.what());
    return 1;
  }
}
