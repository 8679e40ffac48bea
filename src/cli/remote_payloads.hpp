// Commands that read every payload of a URL (convert, verify) fetch them first, several at once,
// with a progress bar on stderr when it is a terminal.
#pragma once

#include <string>

#include "tensorio/tensorio.hpp"

namespace tensorio::cli {

// When `path` is an http(s) URL: materializes every view of `archive` (its payload fetched
// into memory the view owns), a few tensors at a time, drawing a progress bar on stderr when
// stderr is a terminal. A view that fails is left for the command to read (and report) again.
// Nothing for a local path.
void fetch_remote_payloads(const Archive& archive, const std::string& path);

}  // namespace tensorio::cli
