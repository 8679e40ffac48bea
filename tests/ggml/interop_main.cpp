// main() of the interop suites: without ggml's library (scripts/fetch-ggml) there is no peer
// to compare with, so the program exits 77, which meson reports as a skip, not a pass.
#include <gtest/gtest.h>

#include <cstdio>

#include "harness_client.hpp"

int main(int argc, char** argv) {
  if (!ggml_peer::peer_available()) {
    std::puts("libggml-base.so not available (scripts/fetch-ggml): interop tests skipped");
    return 77;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
