// Helpers shared by the version scheme tests: parsing and comparing texts with one scheme,
// failing the test (with the scheme's message) where a text that should parse does not.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "version/version.h"

namespace vigil::version::testing {

// -1, 0 or 1 as c is negative, zero or positive.
inline int Sign(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

// `text` parsed by `scheme`. When it does not parse: a failed expectation naming the text and
// the scheme's message, and a default-constructed Version (scheme() == nullptr).
inline Version MustParse(const Scheme& scheme, std::string_view text) {
  Result<Version> v = scheme.Parse(text);
  EXPECT_TRUE(v.ok()) << text << ": " << (v.ok() ? "" : v.error().message());
  return v.ok() ? std::move(*v) : Version();
}

// The sign (-1, 0, 1) of scheme.CompareText(a, b). When either text does not parse: a failed
// expectation naming both texts and the scheme's message, and 99 (which no expected value is).
inline int CompareSign(const Scheme& scheme, std::string_view a, std::string_view b) {
  Result<int> c = scheme.CompareText(a, b);
  EXPECT_TRUE(c.ok()) << a << " vs " << b << ": " << (c.ok() ? "" : c.error().message());
  return c.ok() ? Sign(*c) : 99;
}

// scheme.Format of `text` parsed (its canonical form). When it does not parse: the failed
// expectation of MustParse, and "<invalid>".
inline std::string Normalize(const Scheme& scheme, std::string_view text) {
  Version v = MustParse(scheme, text);
  return v.scheme() == nullptr ? "<invalid>" : scheme.Format(v);
}

// The tab-separated fields of one line of a transcribed vector file ("a\tb" -> {"a", "b"};
// empty fields are kept).
inline std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out;
  size_t b = 0;
  for (size_t e; (e = line.find('\t', b)) != std::string::npos; b = e + 1) out.push_back(line.substr(b, e - b));
  out.push_back(line.substr(b));
  return out;
}

}  // namespace vigil::version::testing
