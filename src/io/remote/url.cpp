#include "io/remote/url.hpp"

#include <algorithm>
#include <cctype>

namespace tensorio::detail {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && lower(s.substr(0, prefix.size())) == prefix;
}

// Where the authority ("user@host:port") of a URL starts and ends; npos when not a URL.
struct Authority {
  size_t begin = std::string_view::npos;
  size_t end = std::string_view::npos;
};

Authority authority_of(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  size_t begin = scheme + 3;
  size_t end = url.find_first_of("/?#", begin);
  return {begin, end == std::string_view::npos ? url.size() : end};
}

// The path part (from the first '/' after the authority, up to '?' or '#').
std::string_view path_of(std::string_view url) {
  Authority a = authority_of(url);
  if (a.begin == std::string_view::npos || a.end >= url.size() || url[a.end] != '/') return "/";
  size_t stop = url.find_first_of("?#", a.end);
  return url.substr(a.end, (stop == std::string_view::npos ? url.size() : stop) - a.end);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]);
      int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// Keeps RFC 3986 unreserved characters, '/' and sub-delimiters that are safe in a path;
// encodes the rest (spaces, '?', '#', '%', non-ASCII bytes).
std::string percent_encode_path(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) ||
        std::string_view("-._~/!$&'()*+,;=:@").find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

bool is_remote_url(std::string_view path) noexcept {
  return starts_with_ci(path, "http://") || starts_with_ci(path, "https://");
}

std::string redact_url(std::string_view url) {
  Authority a = authority_of(url);
  if (a.begin == std::string_view::npos) return std::string(url);
  std::string_view authority = url.substr(a.begin, a.end - a.begin);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  std::string_view user_info = authority.substr(0, at);
  size_t colon = user_info.find(':');
  if (colon == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, a.begin + colon + 1)) + "***" +
         std::string(url.substr(a.begin + at));
}

std::string url_file_name(std::string_view url) {
  std::string_view path = path_of(url);
  size_t slash = path.rfind('/');
  return percent_decode(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string resolve_url(std::string_view base, std::string_view relative) {
  Authority a = authority_of(base);
  if (a.begin == std::string_view::npos) return std::string(relative);
  std::string_view path = path_of(base);
  std::string_view dir = path.substr(0, path.rfind('/') + 1);  // path always starts with '/'
  return std::string(base.substr(0, a.end)) + std::string(dir) + percent_encode_path(relative);
}

std::string url_origin(std::string_view url) {
  Authority a = authority_of(url);
  if (a.begin == std::string_view::npos) return lower(url);
  std::string scheme = lower(url.substr(0, a.begin - 3));
  std::string_view host_port = url.substr(a.begin, a.end - a.begin);
  size_t at = host_port.rfind('@');
  if (at != std::string_view::npos) host_port.remove_prefix(at + 1);
  std::string out = scheme + "://" + lower(host_port);
  // An explicit default port names the same origin as none.
  if (out.size() > 3 && scheme == "http" && out.ends_with(":80")) out.resize(out.size() - 3);
  if (out.size() > 4 && scheme == "https" && out.ends_with(":443")) out.resize(out.size() - 4);
  return out;
}

}  // namespace tensorio::detail
