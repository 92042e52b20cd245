// The phrase classifier for free-form license texts and the reader of Debian copyright files.
//
// Why phrases and not full-text matching: the texts vigil meets in images are Debian's free-form
// copyright files, which mostly *refer* to a license ("see /usr/share/common-licenses/GPL-2",
// "licensed under the Apache License, Version 2.0") or quote one of a few short permissive texts;
// a full-text matcher (as Google's licenseclassifier) finds none of the references. Each rule
// below is a phrase that only that license's text or reference contains; the GNU families read
// their version and "or (at your option) any later version" from the sentence around the name.
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "license/license.h"

namespace vigil::license {
namespace {

constexpr size_t kMaxText = 1u << 20;

// Lower case with every run of white space (and comment marks at line starts) as one space, so
// phrases match across line breaks and DEP-5 continuation lines (" ." lines included).
std::string Flatten(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = true;
  for (char ch : text.substr(0, std::min(text.size(), kMaxText))) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isspace(c) || c == '*' || c == '#') {
      if (!space) out += ' ';
      space = true;
      continue;
    }
    out += static_cast<char>(std::tolower(c));
    space = false;
  }
  return out;
}

struct Found {
  size_t at;
  std::string id;
  std::string family;        // "GPL", "LGPL", ... for the GNU licenses
  bool unversioned = false;  // a GNU license named without a version
};

// The version a GNU license is named with in `window` (the text after its name): "version 2",
// "v2.1", "-2.0", "2 of the license"; "" when none is stated.
std::string GnuVersion(std::string_view window) {
  static constexpr std::string_view kVersions[] = {"2.1", "3.0", "2.0", "1.0", "3", "2", "1"};
  for (std::string_view marker : {"version ", "v", "-", " "}) {
    size_t at = 0;
    while ((at = window.find(marker, at)) != std::string_view::npos) {
      std::string_view rest = window.substr(at + marker.size());
      for (std::string_view v : kVersions) {
        if (rest.substr(0, v.size()) == v &&
            (rest.size() == v.size() || !std::isdigit(static_cast<unsigned char>(rest[v.size()])))) {
          // "3.0" -> "3", "2.0" -> "2" for the id table below.
          if (v == "3.0") return "3";
          if (v == "2.0") return "2";
          if (v == "1.0") return "1";
          return std::string(v);
        }
      }
      at += marker.size();
    }
  }
  return {};
}

bool LaterVersion(std::string_view window) {
  return window.find("any later version") != std::string_view::npos ||
         window.find("or later") != std::string_view::npos || window.find("or newer") != std::string_view::npos ||
         window.find("or any later") != std::string_view::npos ||
         window.find("later version") != std::string_view::npos;
}

std::string GnuId(std::string_view family, const std::string& version, bool later) {
  // family: "GPL", "LGPL", "AGPL", "GFDL".
  std::string v = version;
  if (v.empty()) {
    if (family == "LGPL")
      v = "2";
    else if (family == "AGPL")
      v = "3";
    else if (family == "GFDL")
      v = "1.1";
    else
      v = "1";
    later = true;  // no version named: any version may be chosen (GPL section 9/14)
  }
  if (family == "GFDL") {
    if (v == "1" || v == "2" || v == "3") v += ".0";  // no such GFDL versions; fall back below
    if (v != "1.1" && v != "1.2" && v != "1.3") v = "1.1";
  } else if (v == "2.1") {
    if (family != "LGPL") v = "2";
  } else {
    v += ".0";
  }
  if (family == "LGPL" && v == "1.0") v = "2.0";
  if (family == "AGPL" && v != "3.0" && v != "1.0") v = "3.0";
  return std::string(family) + "-" + v + (later ? "-or-later" : "-only");
}

void Add(std::vector<Found>& found, size_t at, std::string id, std::string_view family = {}, bool unversioned = false) {
  for (auto& f : found) {
    if (f.id == id) {
      f.at = std::min(f.at, at);
      f.unversioned = f.unversioned && unversioned;
      return;
    }
  }
  found.push_back({at, std::move(id), std::string(family), unversioned});
}

// Each occurrence of a GNU license name, with its version from the words that follow.
void FindGnu(const std::string& t, std::string_view name, std::string_view family, std::vector<Found>& found) {
  size_t at = 0;
  while ((at = t.find(name, at)) != std::string::npos) {
    std::string_view window = std::string_view(t).substr(at + name.size(), 260);
    // The version may also come before the name: "version 2 of the GNU General Public License".
    size_t back = at >= 40 ? at - 40 : 0;
    std::string_view before = std::string_view(t).substr(back, at - back);
    std::string version = GnuVersion(window.substr(0, 120));
    if (version.empty() && before.find("version ") != std::string_view::npos) {
      version = GnuVersion(before.substr(before.find("version ")));
    }
    Add(found, at, GnuId(family, version, LaterVersion(window)), family, version.empty());
    at += name.size();
  }
}

void FindCommonLicenses(const std::string& t, std::vector<Found>& found) {
  // Debian's /usr/share/common-licenses: the file names, and what each one is.
  static constexpr std::pair<std::string_view, std::string_view> kFiles[] = {
      {"apache-2.0", "Apache-2.0"},
      {"artistic", "Artistic-1.0-Perl"},
      {"bsd", "BSD-3-Clause"},
      {"cc0-1.0", "CC0-1.0"},
      {"gfdl-1.2", "GFDL-1.2"},
      {"gfdl-1.3", "GFDL-1.3"},
      {"gfdl", "GFDL"},
      {"gpl-1", "GPL-1"},
      {"gpl-2", "GPL-2"},
      {"gpl-3", "GPL-3"},
      {"gpl", "GPL"},
      {"lgpl-2.1", "LGPL-2.1"},
      {"lgpl-2", "LGPL-2"},
      {"lgpl-3", "LGPL-3"},
      {"lgpl", "LGPL"},
      {"mpl-1.1", "MPL-1.1"},
      {"mpl-2.0", "MPL-2.0"},
  };
  const std::string marker = "common-licenses/";
  size_t at = 0;
  while ((at = t.find(marker, at)) != std::string::npos) {
    std::string_view rest = std::string_view(t).substr(at + marker.size());
    for (const auto& [file, what] : kFiles) {
      if (rest.substr(0, file.size()) != file) continue;
      char next = rest.size() > file.size() ? rest[file.size()] : ' ';
      if (std::isalnum(static_cast<unsigned char>(next)) || next == '-' ||
          (next == '.' && rest.size() > file.size() + 1 &&
           std::isdigit(static_cast<unsigned char>(rest[file.size() + 1])))) {
        continue;
      }
      std::string_view family = what.substr(0, what.find('-'));
      if (family == "GPL" || family == "LGPL" || family == "GFDL") {
        std::string version =
            what.find('-') == std::string_view::npos ? "" : std::string(what.substr(what.find('-') + 1));
        // The sentence before the reference says whether later versions apply.
        size_t back = at >= 400 ? at - 400 : 0;
        bool later = LaterVersion(std::string_view(t).substr(back, at - back));
        Add(found, at, GnuId(family, version, later || version.empty()), family, version.empty());
      } else {
        Add(found, at, std::string(what));
      }
      break;
    }
    at += marker.size();
  }
}

}  // namespace

std::vector<std::string> ClassifyText(std::string_view text) {
  std::string t = Flatten(text);
  std::vector<Found> found;
  // The GNU family; the Affero and Lesser names before the plain one, which they contain.
  FindGnu(t, "gnu affero general public license", "AGPL", found);
  FindGnu(t, "gnu lesser general public license", "LGPL", found);
  FindGnu(t, "gnu library general public license", "LGPL", found);
  FindGnu(t, "gnu free documentation license", "GFDL", found);
  FindGnu(t, "gnu general public license", "GPL", found);
  FindCommonLicenses(t, found);

  struct Phrase {
    std::string_view phrase;
    std::string_view id;
  };
  static constexpr Phrase kPhrases[] = {
      {"apache license, version 2.0", "Apache-2.0"},
      {"apache license version 2.0", "Apache-2.0"},
      {"www.apache.org/licenses/license-2.0", "Apache-2.0"},
      {"permission is hereby granted, free of charge, to any person obtaining a copy", "MIT"},
      {"permission to use, copy, modify, and/or distribute this software for any purpose with or without fee is "
       "hereby granted",
       "ISC"},
      {"altered source versions must be plainly marked as such", "Zlib"},
      {"mozilla public license, v. 2.0", "MPL-2.0"},
      {"mozilla public license version 2.0", "MPL-2.0"},
      {"mozilla public license version 1.1", "MPL-1.1"},
      {"this is free and unencumbered software released into the public domain", "Unlicense"},
      {"creative commons legal code cc0 1.0 universal", "CC0-1.0"},
      {"cc0 1.0 universal", "CC0-1.0"},
      {"publicdomain/zero/1.0", "CC0-1.0"},
      {"same terms as perl itself", "Artistic-1.0-Perl OR GPL-1.0-or-later"},
      {"the \"artistic license\"", "Artistic-1.0"},
      {"artistic license 2.0", "Artistic-2.0"},
      {"python software foundation license", "PSF-2.0"},
      {"boost software license - version 1.0", "BSL-1.0"},
      {"boost software license, version 1.0", "BSL-1.0"},
      {"eclipse public license - v 2.0", "EPL-2.0"},
      {"eclipse public license v2.0", "EPL-2.0"},
      {"eclipse public license - v 1.0", "EPL-1.0"},
      {"eclipse public license v1.0", "EPL-1.0"},
      {"this product includes software developed by the openssl project", "OpenSSL"},
      {"common development and distribution license", "CDDL-1.0"},
      {"do what the fuck you want to public license", "WTFPL"},
  };
  for (const auto& p : kPhrases) {
    if (size_t at = t.find(p.phrase); at != std::string::npos) Add(found, at, std::string(p.id));
  }
  // The BSD family by its clauses.
  const std::string bsd = "redistribution and use in source and binary forms";
  if (size_t at = t.find(bsd); at != std::string::npos) {
    std::string id = "BSD-2-Clause";
    if (t.find("all advertising materials mentioning features or use of this software") != std::string::npos) {
      id = "BSD-4-Clause";
    } else if (t.find("may be used to endorse or promote products derived from this software") != std::string::npos) {
      id = "BSD-3-Clause";
    }
    Add(found, at, id);
  }
  if (found.empty()) {
    for (std::string_view pd :
         {"is in the public domain", "placed in the public domain", "released into the public domain",
          "dedicated to the public domain", "public domain dedication"}) {
      if (size_t at = t.find(pd); at != std::string::npos) {
        Add(found, at, "LicenseRef-public-domain");
        break;
      }
    }
  }
  // "See the GNU General Public License for more details" names no version; when the text names
  // one elsewhere for the same license, that is the license, not "any version".
  found.erase(std::remove_if(found.begin(), found.end(),
                             [&](const Found& f) {
                               if (!f.unversioned) return false;
                               return std::any_of(found.begin(), found.end(), [&](const Found& g) {
                                 return !g.unversioned && g.family == f.family;
                               });
                             }),
              found.end());
  // A text that names "GPL-2.0" and, elsewhere, "version 2 or any later version" grants the
  // latter: drop the -only form when the -or-later form of the same license was found.
  found.erase(std::remove_if(found.begin(), found.end(),
                             [&](const Found& f) {
                               constexpr std::string_view kOnly = "-only";
                               if (f.id.size() <= kOnly.size() ||
                                   f.id.compare(f.id.size() - kOnly.size(), kOnly.size(), kOnly) != 0) {
                                 return false;
                               }
                               std::string later = f.id.substr(0, f.id.size() - kOnly.size()) + "-or-later";
                               return std::any_of(found.begin(), found.end(),
                                                  [&](const Found& g) { return g.id == later; });
                             }),
              found.end());
  std::stable_sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.at < b.at; });
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(std::move(f.id));
  return out;
}

DebianCopyright ReadDebianCopyright(std::string_view text_in) {
  DebianCopyright out;
  std::string_view text = text_in.substr(0, std::min(text_in.size(), kMaxText));
  // DEP-5: paragraphs separated by blank lines; fields "Name: value" with continuation lines
  // starting with white space. The header paragraph carries Format:.
  struct Field {
    std::string name, value;
  };
  std::vector<std::vector<Field>> paragraphs(1);
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool blank = line.find_first_not_of(" \t") == std::string_view::npos;
    if (blank) {
      if (!paragraphs.back().empty()) paragraphs.emplace_back();
    } else if (line[0] == ' ' || line[0] == '\t') {
      if (!paragraphs.back().empty()) {
        paragraphs.back().back().value += "\n";
        paragraphs.back().back().value += line;
      }
    } else if (size_t colon = line.find(':'); colon != std::string_view::npos && line[0] != '#') {
      std::string name(line.substr(0, colon));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      paragraphs.back().push_back({name, std::string(value)});
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  auto get = [](const std::vector<Field>& p, std::string_view name) -> const std::string* {
    for (const auto& f : p) {
      if (f.name.size() == name.size() && std::equal(f.name.begin(), f.name.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
          })) {
        return &f.value;
      }
    }
    return nullptr;
  };
  const std::string* format = paragraphs.empty() ? nullptr : get(paragraphs.front(), "Format");
  if (format == nullptr) format = paragraphs.empty() ? nullptr : get(paragraphs.front(), "Format-Specification");
  if (format != nullptr && (format->find("copyright-format") != std::string::npos ||
                            format->find("dep5") != std::string::npos || format->find("DEP-5") != std::string::npos)) {
    out.machine_readable = true;
    for (const auto& p : paragraphs) {
      if (get(p, "Files") == nullptr) continue;
      const std::string* lic = get(p, "License");
      if (lic == nullptr) continue;
      // The first line is the short name (expression); the rest is the text.
      std::string first = lic->substr(0, lic->find('\n'));
      while (!first.empty() && std::isspace(static_cast<unsigned char>(first.back()))) first.pop_back();
      if (first.empty()) {
        // A License field with only text: classify the text.
        for (auto& id : ClassifyText(*lic)) {
          if (std::find(out.declared.begin(), out.declared.end(), id) == out.declared.end()) out.declared.push_back(id);
        }
        continue;
      }
      if (std::find(out.declared.begin(), out.declared.end(), first) == out.declared.end()) {
        out.declared.push_back(first);
      }
      if (out.declared.size() >= 64) break;
    }
    // A DEP-5 file whose Files paragraphs name nothing (or only "other", "custom"): fall back on
    // what the License texts say.
  }
  if (out.declared.empty()) out.declared = ClassifyText(text);
  out.expression = Normalize(out.declared);
  return out;
}

}  // namespace vigil::license
