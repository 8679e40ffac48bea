// tensorio verify FILE
#include <cstdio>

#include "cli/cli.hpp"
#include "cli/remote_payloads.hpp"
#include "tensorio/tensorio.hpp"

namespace tensorio::cli {

const Command kVerify{"verify", "read every payload in full and report problems",
                      "usage: tensorio verify FILE\n"
                      "  Opens FILE (validating its headers) and reads every payload in full,\n"
                      "  checking CRCs and bounds where the format has them. Exit 0 when sound;\n"
                      "  otherwise exit 1 with one line per problem on stderr. FILE may be an\n"
                      "  http(s) URL (payloads are fetched a few at a time, with a progress bar\n"
                      "  on stderr when it is a terminal).\n",
                      run_verify};

int run_verify(const std::vector<std::string>& argv) {
  Args args(argv, {}, {});
  if (args.help()) {
    std::fputs(kVerify.usage.data(), stdout);
    return 0;
  }
  if (args.positionals().size() != 1) throw UsageError("expected exactly one FILE");
  Archive a = load(args.positionals()[0]);
  fetch_remote_payloads(a, args.positionals()[0]);
  auto problems = verify(a);
  // Each line as an open failure reads ("error [CODE]: message"), after the tensor's name.
  for (const VerifyProblem& p : problems) {
    std::string code(error_code_name(p.code));
    if (p.tensor.empty()) {
      std::fprintf(stderr, "error [%s]: %s\n", code.c_str(), p.message.c_str());
    } else {
      std::fprintf(stderr, "%s: error [%s]: %s\n", p.tensor.c_str(), code.c_str(),
                   p.message.c_str());
    }
  }
  if (!problems.empty()) return 1;
  std::printf("%s: ok, %zu tensors verified\n", a.path().c_str(), a.size());
  return 0;
}

}  // namespace tensorio::cli
