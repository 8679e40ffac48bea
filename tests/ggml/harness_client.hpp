// Runs tests/ggml/ggml_harness as a child process (ggml aborts on misuse; a child keeps the
// test runner alive) and captures its stdout. The harness path comes from the environment
// variable TENSORIO_GGML_HARNESS, set by tests/ggml/meson.build.
#pragma once

#include <string>
#include <vector>

namespace ggml_peer {

struct HarnessResult {
  int exit_code = -1;  // the child's exit status; 128 + signal when it was killed
  std::string out;     // everything it wrote to stdout
};

HarnessResult run_harness(const std::vector<std::string>& args);

// True when the harness can load libggml-base.so (exit 77 means it cannot). Interop test
// programs call this first and exit 77 themselves, so meson reports them as skipped.
bool peer_available();

// A fresh directory under $TMPDIR for one test program's files, removed at exit.
const std::string& scratch_dir();

}  // namespace ggml_peer
