#include "version/version.h"

#include <cassert>

namespace vigil::version {

int Version::Compare(const Version& other) const {
  assert(scheme_ != nullptr && scheme_ == other.scheme_);
  return scheme_->Compare(*this, other);
}

Result<int> Scheme::CompareText(std::string_view a, std::string_view b) const {
  VIGIL_ASSIGN_OR_RETURN(Version va, Parse(a));
  VIGIL_ASSIGN_OR_RETURN(Version vb, Parse(b));
  return Compare(va, vb);
}

Result<Version> RefuseWarned(const Scheme& scheme, Version v) {
  std::string warning = scheme.Warning(v);
  if (warning.empty()) return v;
  return InvalidVersion(scheme.name(), v.text(),
                        warning + " (the reference accepts it with a warning; a bound must be a valid version)");
}

Error InvalidVersion(std::string_view scheme, std::string_view text, std::string_view reason) {
  // Versions come from images and feeds, i.e. from strangers: escape them before they reach a
  // terminal or a log, and clip them so a 10 kB version does not become a 10 kB message.
  constexpr size_t kClip = 80;
  std::string shown;
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < text.size() && i < kClip; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'') {
      shown += '\\';
      if (c == '\\' || c == '\'') {
        shown += static_cast<char>(c);
      } else {
        shown += 'x';
        shown += kHex[c >> 4];
        shown += kHex[c & 15];
      }
    } else {
      shown += static_cast<char>(c);
    }
  }
  if (text.size() > kClip) shown += "... (" + std::to_string(text.size()) + " bytes)";
  std::string m = "invalid ";
  m += scheme;
  m += " version '";
  m += shown;
  m += "': ";
  m += reason;
  return InvalidArgument(std::move(m));
}

}  // namespace vigil::version
