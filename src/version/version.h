// Version schemes: parse a version string of one ecosystem into a compact pre-parsed form, and
// order two pre-parsed versions exactly as that ecosystem's reference implementation does.
//
//   const Scheme* dpkg = FindScheme("Debian:12");          // or "dpkg"
//   Result<Version> a = dpkg->Parse("1:2.30-1");           // kInvalidArgument if not valid dpkg
//   Result<Version> b = dpkg->Parse("2.31-1");
//   int c = dpkg->Compare(*a, *b);                          // > 0: the epoch wins
//
// Parsing allocates; comparing never does. A Version remembers its scheme and is immutable.
// Adding a scheme: docs/howto/add-a-version-scheme.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace vigil::version {

class Scheme;

// Versions longer than this many bytes are refused by every scheme (no real ecosystem publishes
// one; refusing them bounds the work and the memory an attacker-supplied version can cost).
inline constexpr size_t kMaxVersionLength = 1024;

// One piece of a pre-parsed version. What `kind` and `flags` mean, and whether `number` or the
// text slice [offset, offset + length) is used, is up to the scheme that made it; see the
// helpers in version/scheme_util.h for the common "numeric token" representation.
struct Token {
  uint64_t number = 0;  // a numeric value, or a scheme-defined rank
  uint16_t offset = 0;  // start of the token's text in Version::text()
  uint16_t length = 0;  // its length in bytes
  uint8_t kind = 0;     // scheme-defined class of token
  uint8_t flags = 0;    // scheme-defined
};
static_assert(sizeof(Token) == 16, "Token is meant to stay two words");

// A version string pre-parsed by one Scheme: the original text plus a short vector of tokens.
// Cheap to move; copying costs two small allocations. A default-constructed Version has no
// scheme and must not be compared (scheme() == nullptr).
class Version {
 public:
  Version() = default;

  // The text exactly as given to Scheme::Parse.
  const std::string& text() const { return text_; }
  // The scheme that parsed this version; nullptr for a default-constructed Version.
  const Scheme* scheme() const { return scheme_; }
  // The scheme's tokens (for scheme implementations and debugging).
  const std::vector<Token>& tokens() const { return tokens_; }
  // The text of `t`, which must be one of tokens().
  std::string_view TokenText(const Token& t) const { return std::string_view(text_).substr(t.offset, t.length); }

  // scheme()->Compare(*this, other): < 0, 0 or > 0. Both must come from the same scheme.
  int Compare(const Version& other) const;

 private:
  friend class Scheme;
  Version(const Scheme* scheme, std::string text, std::vector<Token> tokens)
      : text_(std::move(text)), tokens_(std::move(tokens)), scheme_(scheme) {}

  std::string text_;
  std::vector<Token> tokens_;
  const Scheme* scheme_ = nullptr;
};

// A version scheme (dpkg, rpm, semver, ...). Implementations are stateless singletons obtained
// from FindScheme / LookupScheme; they are safe to use from any number of threads.
class Scheme {
 public:
  virtual ~Scheme() = default;

  // The scheme's short name: "dpkg", "rpm", "apk", "semver", "go", "pep440", ...
  virtual std::string_view name() const = 0;

  // Parses `text` (not trimmed, unless the scheme's reference trims it). On failure returns a
  // kInvalidArgument error whose message is "invalid <name> version '<text>': <reason>" with
  // the text clipped and escaped (see InvalidVersion below). Empty text, text longer than
  // kMaxVersionLength and, unless the scheme says otherwise, non-ASCII text are invalid.
  virtual Result<Version> Parse(std::string_view text) const = 0;

  // Orders two versions this scheme parsed: < 0 if a sorts before b, 0 if the scheme holds them
  // equal (which need not mean the texts are equal: dpkg "0:1.0" = "1.0"), > 0 otherwise.
  // Never allocates. Passing a version from another scheme is a programmer error (asserted).
  virtual int Compare(const Version& a, const Version& b) const = 0;

  // What the ecosystem's reference implementation warns about in `v`, a version it still accepts
  // and orders: dpkg's "version number does not start with digit" and "invalid character in
  // version number" / "... revision number" (dpkg's parseversion() warns, then compares). ""
  // when there is nothing to say, which is the default for every other scheme.
  virtual std::string Warning(const Version& v) const {
    (void)v;
    return {};
  }

  // A canonical text for `v`: Parse(Format(v)) succeeds and compares equal to v, and equal
  // versions have the same Format wherever the scheme defines a normal form (Go, semver). The
  // default returns v.text(), which is right for schemes without a normal form (dpkg, rpm, apk).
  // One exception: semver's canonical form of a 256-character loose version written without the
  // '-' before its pre-release is 257 characters, which npm's length limit (and so Parse) refuses.
  virtual std::string Format(const Version& v) const { return v.text(); }

  // Parses both texts and compares them; the first parse error is returned.
  Result<int> CompareText(std::string_view a, std::string_view b) const;

 protected:
  // For implementations: a Version of this scheme over `text` with `tokens`.
  Version MakeVersion(std::string_view text, std::vector<Token> tokens) const {
    return Version(this, std::string(text), std::move(tokens));
  }
};

// The error every scheme returns for a string it does not accept: kInvalidArgument with the
// message "invalid <scheme> version '<text>': <reason>". The text is clipped to 80 bytes and
// bytes outside printable ASCII are shown as \xNN, so the message is safe to print.
Error InvalidVersion(std::string_view scheme, std::string_view text, std::string_view reason);

// `v` (parsed by `scheme`) when scheme.Warning(v) is empty; otherwise kInvalidArgument
// "invalid <scheme> version '<text>': <warning> (the reference accepts it with a warning; ...)".
// For advisory bounds: an installed version dpkg warns about is still ordered as dpkg orders it,
// but a "fixed" version such as "code-not-present" (found in advisories) is no version at all.
Result<Version> RefuseWarned(const Scheme& scheme, Version v);

// Finds a scheme by scheme name ("dpkg", "rpm", "apk", "semver", "go", "pep440", "maven",
// "gem", "nuget", "composer") or by OSV ecosystem name ("Debian", "Ubuntu:22.04:LTS",
// "Alpine:v3.19", "Red Hat", "npm", "crates.io", "PyPI", "Go", ...; anything after the first
// ':' is the release and is ignored; case is ignored). Returns nullptr if the name is unknown
// or its scheme is not implemented yet; LookupScheme says which.
const Scheme* FindScheme(std::string_view name);

// As FindScheme, but explains a miss: kUnsupported "version scheme 'pep440' (for 'PyPI') is
// not implemented yet" for a known name whose scheme is missing, kInvalidArgument "unknown
// version scheme or ecosystem 'x'" (listing the known scheme names) for anything else.
Result<const Scheme*> LookupScheme(std::string_view name);

// The names of the implemented schemes, in registry order.
std::vector<std::string_view> SchemeNames();

}  // namespace vigil::version
