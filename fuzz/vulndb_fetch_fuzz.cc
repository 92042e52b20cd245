// libFuzzer target for the parser of the download layer (src/vulndb/fetch.h): osv.dev's
// ecosystems.txt, and the URLs and paths built from the names it yields.
//
// The input is the list's text. Whatever it is, ParseEcosystemsList either fails with a message
// that names the line (or the count limit), or returns names that are safe as one path
// component: non-empty, at most 200 bytes, no '/', '\\' or control character, not "." or "..",
// trimmed, unique. For each name, OsvArchiveUrl must give one percent-encoded segment that
// decodes back to the name (URL base) and the name verbatim as one folder (local base).
// Any violation aborts. Seeds: fuzz/corpus/vulndb_fetch/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "vulndb/fetch.h"

namespace {

[[noreturn]] void Fail(std::string_view what, std::string_view name) {
  std::fprintf(stderr, "vulndb_fetch_fuzz: %.*s: '%.*s'\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(name.size()), name.data());
  std::abort();
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // OsvArchiveUrl writes upper-case hex only
}

bool Unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::vulndb;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto list = ParseEcosystemsList(text);
  if (!list.ok()) {
    const std::string& m = list.error().message();
    if (m.rfind("line ", 0) != 0 && m.rfind("more than ", 0) != 0) Fail("error names no line", m);
    return 0;
  }
  std::set<std::string> seen;
  for (const std::string& name : *list) {
    if (name.empty() || name.size() > 200) Fail("bad length", name);
    if (name == "." || name == "..") Fail("dot name", name);
    if (name.front() == ' ' || name.front() == '\t' || name.back() == ' ' || name.back() == '\t') {
      Fail("not trimmed", name);
    }
    for (unsigned char c : name) {
      if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') Fail("unsafe byte", name);
    }
    if (!seen.insert(name).second) Fail("duplicate", name);

    const std::string base = "https://mirror.example/osv";
    std::string url = OsvArchiveUrl(base + "/", name);
    const std::string suffix = "/all.zip";
    if (url.rfind(base + "/", 0) != 0 || url.size() < base.size() + 1 + suffix.size() ||
        url.compare(url.size() - suffix.size(), suffix.size(), suffix) != 0) {
      Fail("URL shape", url);
    }
    std::string_view segment(url);
    segment = segment.substr(base.size() + 1, url.size() - base.size() - 1 - suffix.size());
    std::string decoded;
    for (size_t i = 0; i < segment.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(segment[i]);
      if (c == '%') {
        if (i + 2 >= segment.size()) Fail("short escape", url);
        int hi = Hex(segment[i + 1]), lo = Hex(segment[i + 2]);
        if (hi < 0 || lo < 0) Fail("bad escape", url);
        decoded += static_cast<char>(hi * 16 + lo);
        i += 2;
      } else if (Unreserved(c)) {
        decoded += static_cast<char>(c);
      } else {
        Fail("unencoded byte in URL", url);
      }
    }
    if (decoded != name) Fail("URL segment does not decode to the name", url);
    if (OsvArchiveUrl("/srv/osv", name) != "/srv/osv/" + name + suffix) Fail("local path", name);
  }
  return 0;
}
