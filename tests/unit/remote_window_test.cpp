// The pieces of remote loading that need no server: URL handling and the sparse window whose
// stray-read detection makes a parse over fetched ranges trustworthy.
#include <gtest/gtest.h>

#include <cstring>

#include "core/page_range.hpp"
#include "io/remote/sparse_window.hpp"
#include "io/remote/url.hpp"
#include "tensorio/error.hpp"

namespace tensorio::detail {
namespace {

TEST(RemoteUrl, Recognized) {
  EXPECT_TRUE(is_remote_url("http://h/x.npy"));
  EXPECT_TRUE(is_remote_url("HTTPS://h/x.npy"));
  EXPECT_FALSE(is_remote_url("ftp://h/x.npy"));
  EXPECT_FALSE(is_remote_url("/tmp/http://x.npy"));
  EXPECT_FALSE(is_remote_url("model.npy"));
}

TEST(RemoteUrl, PasswordIsRedacted) {
  EXPECT_EQ(redact_url("https://user:secret@h:8443/d/x.gguf?q=1"),
            "https://user:***@h:8443/d/x.gguf?q=1");
  EXPECT_EQ(redact_url("https://user@h/x"), "https://user@h/x");
  EXPECT_EQ(redact_url("https://h/a:b@c"), "https://h/a:b@c");  // '@' in the path, not user info
}

TEST(RemoteUrl, FileName) {
  EXPECT_EQ(url_file_name("https://h/d/model.safetensors?download=true#frag"), "model.safetensors");
  EXPECT_EQ(url_file_name("https://h/d/my%20model.npz"), "my model.npz");
  EXPECT_EQ(url_file_name("https://h"), "");
  EXPECT_EQ(url_file_name("https://h/"), "");
}

TEST(RemoteUrl, ShardsResolveAgainstTheIndexDirectory) {
  EXPECT_EQ(resolve_url("https://h/org/m/resolve/main/model.safetensors.index.json?x=1",
                        "model-00001-of-00002.safetensors"),
            "https://h/org/m/resolve/main/model-00001-of-00002.safetensors");
  EXPECT_EQ(resolve_url("http://h:81/i.json", "sub/a b#1.safetensors"),
            "http://h:81/sub/a%20b%231.safetensors");
  EXPECT_EQ(resolve_url("http://h", "s.safetensors"), "http://h/s.safetensors");
}

TEST(RemoteUrl, Origin) {
  EXPECT_EQ(url_origin("HTTPS://User:pw@Host:443/x"), "https://host");
  EXPECT_EQ(url_origin("http://host:80/x"), "http://host");
  EXPECT_NE(url_origin("http://127.0.0.1:8/x"), url_origin("http://localhost:8/x"));
}

TEST(SparseWindow, FilledRangesAndMissingPages) {
  const uint64_t page = page_size();
  SparseWindow w(10 * page + 100, "test");
  EXPECT_FALSE(w.filled({0, 1}));
  std::vector<ByteRange> m = w.missing({10, 20});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].begin, 0u);
  EXPECT_EQ(m[0].end, page);
  w.mark_filled({0, 2 * page});
  EXPECT_TRUE(w.filled({0, 2 * page}));
  m = w.missing({page, 4 * page + 1});
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].begin, 2 * page);
  EXPECT_EQ(m[0].end, 5 * page);
  // A partly written page does not count; the file's last, partial page does.
  w.mark_filled({3 * page, 4 * page + 10});
  EXPECT_FALSE(w.filled({4 * page, 4 * page + 1}));
  w.mark_filled({10 * page, 10 * page + 100});
  EXPECT_TRUE(w.filled({10 * page, 10 * page + 100}));
  EXPECT_EQ(w.filled_bytes(), 3 * page + 100);
}

TEST(SparseWindow, ReadsOfUnfilledPagesAreFound) {
  const uint64_t page = page_size();
  SparseWindow w(64 * page, "test");
  std::memset(w.bytes().data(), 7, 2 * page);
  w.mark_filled({0, 2 * page});
  EXPECT_TRUE(w.stray_reads().empty());
  volatile std::byte sink = w.bytes()[2 * page + 5];  // a parser running past the fetched range
  sink = w.bytes()[40 * page];
  (void)sink;
  std::vector<ByteRange> stray = w.stray_reads();
  ASSERT_EQ(stray.size(), 2u);
  EXPECT_EQ(stray[0].begin, 2 * page);
  EXPECT_EQ(stray[0].end, 3 * page);
  EXPECT_EQ(stray[1].begin, 40 * page);
  std::memset(w.bytes().data() + 2 * page, 1, page);
  w.mark_filled({2 * page, 3 * page});
  w.mark_filled({40 * page, 41 * page});
  EXPECT_TRUE(w.stray_reads().empty());
}

TEST(SparseWindow, ADeclaredSizeBeyondTheCapIsRefused) {
  try {
    SparseWindow w(SparseWindow::kMaxSize + 1, "http://h/x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::io_error);
  }
}

TEST(SparseWindow, EmptyFile) {
  SparseWindow w(0, "test");
  EXPECT_TRUE(w.bytes().empty());
  EXPECT_TRUE(w.stray_reads().empty());
}

}  // namespace
}  // namespace tensorio::detail
