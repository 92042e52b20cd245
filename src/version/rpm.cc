// rpm versions (Red Hat, AlmaLinux, Rocky Linux, SUSE, ...): "[E:]V[-R]" strings, ordered as
// rpm's python binding rpm.labelCompare((E, V, R), ...) orders them: epochs (missing = 0), then
// versions with rpmvercmp, then releases with rpmvercmp where a missing release sorts before any
// release. Semantics from rpm's docs (docs/manual/dependencies.md, "Version comparison") and its
// tests (tests/rpmvercmp.at).
#include <cassert>

#include "version/internal/scheme_util.h"
#include "version/internal/schemes.h"

namespace vigil::version {
namespace {

using internal::IsAlnum;
using internal::IsDigit;

// Token kinds. Separators (anything not alphanumeric, '~' or '^') never matter to rpmvercmp
// beyond splitting segments, so they are not stored.
enum : uint8_t { kHeader = 0, kEpoch = 1, kNumber = 2, kAlpha = 3, kTilde = 4, kCaret = 5 };
// tokens[0] is the header: offset = index of the first release token, flags = kHasRelease.
// tokens[1] is the epoch (a number; zero when absent).
constexpr uint8_t kHasRelease = 1;

// Characters rpmbuild allows in Version and Release besides letters and digits (rpm's
// ALLOWED_CHARS_VERREL, without the macro characters '%', '{' and '}', which cannot survive
// into a built package).
bool IsAllowedPunct(char c) { return c == '.' || c == '_' || c == '+' || c == '~' || c == '^'; }

// rpmvercmp's segments of text[begin, end): digit runs, letter runs, and '~' and '^' alone.
void Tokenize(std::string_view text, size_t begin, size_t end, std::vector<Token>& out) {
  internal::AppendDigitAlphaRuns(
      text, begin, end, kNumber, kAlpha,
      [](char c) -> uint8_t {
        if (c == '~') return kTilde;
        if (c == '^') return kCaret;
        return internal::kSeparatorByte;
      },
      out);
}

// rpmvercmp over the segment tokens [a, a_end) and [b, b_end).
int VerCmp(const Version& va, const Token* a, const Token* a_end, const Version& vb, const Token* b,
           const Token* b_end) {
  for (;;) {
    bool a_done = a == a_end, b_done = b == b_end;
    uint8_t ak = a_done ? 0 : a->kind;
    uint8_t bk = b_done ? 0 : b->kind;
    // '~' sorts before everything, even the end of the string.
    if (ak == kTilde || bk == kTilde) {
      if (ak != kTilde) return 1;
      if (bk != kTilde) return -1;
      ++a, ++b;
      continue;
    }
    // '^' sorts after the end of the string but before anything else.
    if (ak == kCaret || bk == kCaret) {
      if (a_done) return -1;
      if (b_done) return 1;
      if (ak != kCaret) return 1;
      if (bk != kCaret) return -1;
      ++a, ++b;
      continue;
    }
    if (a_done || b_done) return a_done == b_done ? 0 : (a_done ? -1 : 1);
    // A numeric segment is newer than an alphabetic one.
    if (ak != bk) return ak == kNumber ? 1 : -1;
    if (ak == kNumber) {
      if (a->length != b->length) return a->length < b->length ? -1 : 1;
      if (a->number != b->number) return a->number < b->number ? -1 : 1;
      if (a->length > internal::kMaxExactDigits) {
        if (int c = internal::CompareNumber(va, *a, vb, *b); c != 0) return c;
      }
    } else {
      if (a->number != b->number) return a->number < b->number ? -1 : 1;
      if (((a->flags | b->flags) & internal::kLongText) != 0) {
        if (int c = internal::CompareBytes(va, *a, vb, *b); c != 0) return c;
      }
    }
    ++a, ++b;
  }
}

class RpmSchemeImpl final : public Scheme {
 public:
  std::string_view name() const override { return "rpm"; }

  Result<Version> Parse(std::string_view text) const override {
    if (auto p = internal::CommonProblem(text); !p.empty()) return Invalid(text, p);
    if (size_t bad = internal::FindNonPrintable(text); bad != std::string_view::npos) {
      // rpmvercmp treats non-ASCII bytes as separators, so "1.α" == "1.β" (rpm's own tests
      // document this); refusing them is the only way not to answer a silent "equal".
      return Invalid(text, text[bad] == ' ' ? "contains white space" : "contains a byte outside printable ASCII");
    }
    // Like rpm's parseEVR: an epoch is the leading digits when a ':' follows them; the release is
    // what follows the last '-'.
    size_t i = 0;
    while (i < text.size() && IsDigit(text[i])) ++i;
    Token epoch;
    epoch.kind = kEpoch;
    size_t v_begin = 0;
    if (i < text.size() && text[i] == ':') {
      if (i == 0) return Invalid(text, "epoch is empty");
      internal::SetNumber(epoch, text, 0, i);
      v_begin = i + 1;
    }
    size_t hyphen = text.rfind('-');
    size_t v_end = text.size();
    bool has_release = false;
    if (hyphen != std::string_view::npos) {
      if (hyphen < v_begin) return Invalid(text, "'-' before the epoch separator");
      v_end = hyphen;
      has_release = true;
    }
    if (v_begin == v_end) return Invalid(text, "version is empty");
    if (has_release && hyphen + 1 == text.size()) return Invalid(text, "release is empty");
    if (auto p = CheckPart(text, v_begin, v_end, "version"); !p.empty()) return Invalid(text, p);
    if (has_release) {
      if (auto p = CheckPart(text, hyphen + 1, text.size(), "release"); !p.empty()) {
        return Invalid(text, p);
      }
    }

    std::vector<Token> tokens;
    tokens.reserve(2 + (text.size() + 1) / 2);
    Token header;
    header.kind = kHeader;
    header.flags = has_release ? kHasRelease : 0;
    tokens.push_back(header);
    tokens.push_back(epoch);
    Tokenize(text, v_begin, v_end, tokens);
    tokens[0].offset = static_cast<uint16_t>(tokens.size());
    if (has_release) Tokenize(text, hyphen + 1, text.size(), tokens);
    return MakeVersion(text, std::move(tokens));
  }

  int Compare(const Version& a, const Version& b) const override {
    assert(a.scheme() == this && b.scheme() == this);
    const Token* ta = a.tokens().data();
    const Token* tb = b.tokens().data();
    if (int c = internal::CompareNumber(a, ta[1], b, tb[1]); c != 0) return c;
    const Token* a_rel = ta + ta[0].offset;
    const Token* b_rel = tb + tb[0].offset;
    if (int c = VerCmp(a, ta + 2, a_rel, b, tb + 2, b_rel); c != 0) return c;
    bool ar = (ta[0].flags & kHasRelease) != 0, br = (tb[0].flags & kHasRelease) != 0;
    if (!ar || !br) return ar == br ? 0 : (ar ? 1 : -1);
    return VerCmp(a, a_rel, ta + a.tokens().size(), b, b_rel, tb + b.tokens().size());
  }

 private:
  Error Invalid(std::string_view text, std::string_view reason) const { return InvalidVersion(name(), text, reason); }

  // Why text[begin, end) is not a valid Version or Release field, or an empty view.
  static std::string_view CheckPart(std::string_view text, size_t begin, size_t end, std::string_view what) {
    bool has_segment = false;
    for (size_t i = begin; i < end; ++i) {
      char c = text[i];
      if (c == '-') return what == "version" ? "more than one '-'" : "'-' in the release";
      if (c == ':') return "':' is only allowed after a numeric epoch";
      if (!IsAlnum(c) && !IsAllowedPunct(c)) return "invalid character (rpm allows letters, digits and ._+~^)";
      if (IsAlnum(c) || c == '~' || c == '^') has_segment = true;
    }
    // Without one, every separator-only string would compare equal to every other.
    if (!has_segment)
      return what == "version" ? "version has no letters or digits" : "release has no letters or digits";
    return {};
  }
};

}  // namespace

const Scheme* RpmScheme() {
  static const RpmSchemeImpl kScheme;
  return &kScheme;
}

}  // namespace vigil::version
