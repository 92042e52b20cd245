// Tests for license/license.h: the SPDX list, expressions, normalisation, categories, the phrase
// classifier and Debian copyright files (real files from Debian 12 packages, testdata/SOURCES.md).
#include "license/license.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace vigil::license {
namespace {

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(VIGIL_LICENSE_TESTDATA) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(SpdxList, FindsIdsCaseInsensitively) {
  ASSERT_NE(FindLicense("mit"), nullptr);
  EXPECT_EQ(FindLicense("mit")->id, "MIT");
  ASSERT_NE(FindLicense("GPL-2.0-or-later"), nullptr);
  EXPECT_TRUE(FindLicense("GPL-2.0-or-later")->osi_approved);
  ASSERT_NE(FindLicense("GPL-2.0"), nullptr);
  EXPECT_TRUE(FindLicense("GPL-2.0")->deprecated);
  EXPECT_EQ(FindLicense("Not-A-License"), nullptr);
  EXPECT_EQ(FindLicense(""), nullptr);
  std::string canonical;
  EXPECT_TRUE(IsException("classpath-exception-2.0", &canonical));
  EXPECT_EQ(canonical, "Classpath-exception-2.0");
}

TEST(Expression, ParsesAndFormatsWithPrecedence) {
  struct Case {
    const char* text;
    const char* formatted;
  } cases[] = {
      {"MIT", "MIT"},
      {"mit", "MIT"},
      {"MIT OR Apache-2.0", "MIT OR Apache-2.0"},
      {"mit or apache-2.0", "MIT OR Apache-2.0"},
      {"MIT AND Apache-2.0 OR BSD-3-Clause", "(MIT AND Apache-2.0) OR BSD-3-Clause"},
      {"MIT AND (Apache-2.0 OR BSD-3-Clause)", "MIT AND (Apache-2.0 OR BSD-3-Clause)"},
      {"((MIT))", "MIT"},
      {"GPL-2.0+", "GPL-2.0-or-later"},
      {"GPL-2.0", "GPL-2.0-only"},
      {"LGPL-2.1+", "LGPL-2.1-or-later"},
      {"Apache-1.0+", "Apache-1.0+"},
      {"GPL-2.0-only WITH Classpath-exception-2.0", "GPL-2.0-only WITH Classpath-exception-2.0"},
      {"LicenseRef-acme-1", "LicenseRef-acme-1"},
      {"DocumentRef-x:LicenseRef-y", "DocumentRef-x:LicenseRef-y"},
  };
  for (const auto& c : cases) {
    auto e = ParseExpression(c.text);
    ASSERT_TRUE(e.ok()) << c.text << ": " << e.error().ToString();
    EXPECT_EQ(Format(*e), c.formatted) << c.text;
    // Formatting is stable: what Format writes parses to the same text.
    auto again = ParseExpression(Format(*e));
    ASSERT_TRUE(again.ok()) << c.text;
    EXPECT_EQ(Format(*again), c.formatted) << c.text;
  }
}

TEST(Expression, BadInputSaysWhatAndWhere) {
  struct Case {
    std::string text;
    const char* says;
  } cases[] = {
      {"", "expected a license at offset 0"},
      {"MIT OR", "expected a license at offset 6"},
      {"MIT Apache-2.0", "unexpected 'A'"},
      {"(MIT", "expected ')'"},
      {"MIT)", "unexpected ')'"},
      {"Foo-1.0", "unknown license id 'Foo-1.0'"},
      {"MIT WITH Nothing-exception", "unknown license exception"},
      {"(MIT OR BSD-3-Clause) WITH Classpath-exception-2.0", "WITH must follow a single license"},
      {"AND MIT", "found operator 'AND'"},
      {"MIT & Apache-2.0", "unexpected '&'"},
      {"DocumentRef-x", "DocumentRef- without :LicenseRef-"},
      {std::string(100, '(') + "MIT" + std::string(100, ')'), "nested deeper than 64"},
      {"MIT \x01\xff", "unexpected"},
  };
  for (const auto& c : cases) {
    auto e = ParseExpression(c.text);
    ASSERT_FALSE(e.ok()) << c.text;
    EXPECT_EQ(e.error().code(), ErrorCode::kCorrupt) << c.text;
    EXPECT_NE(e.error().message().find(c.says), std::string::npos) << c.text << ": " << e.error().message();
  }
  auto big = ParseExpression(std::string(5000, 'M'));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code(), ErrorCode::kLimitExceeded);
}

TEST(Normalize, DeclaredTextsBecomeSpdxExpressions) {
  struct Case {
    const char* declared;
    const char* spdx;
  } cases[] = {
      // npm, PyPI, gems, composer, Maven, NuGet, Cargo metadata.
      {"MIT", "MIT"},
      {"MIT License", "MIT"},
      {"The MIT License", "MIT"},
      {"Apache License, Version 2.0", "Apache-2.0"},
      {"Apache 2.0", "Apache-2.0"},
      {"Apache-2", "Apache-2.0"},
      {"Apache Software License", "Apache-2.0"},
      {"https://www.apache.org/licenses/LICENSE-2.0.txt", "Apache-2.0"},
      {"http://opensource.org/licenses/MIT", "MIT"},
      {"https://spdx.org/licenses/BSD-3-Clause.html", "BSD-3-Clause"},
      {"BSD", "LicenseRef-BSD"},
      {"BSD License", "LicenseRef-BSD-License"},
      {"License :: OSI Approved :: MIT License", "MIT"},
      {"License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)", "GPL-2.0-or-later"},
      {"GPLv2+", "GPL-2.0-or-later"},
      {"GPLv3", "GPL-3.0-only"},
      {"LGPLv2.1+", "LGPL-2.1-or-later"},
      {"(MIT OR Apache-2.0)", "MIT OR Apache-2.0"},
      {"MIT/Apache-2.0", "LicenseRef-MIT-Apache-2.0"},
      {"MIT / Apache-2.0", "MIT OR Apache-2.0"},
      {"ISC License (ISCL)", "ISC"},
      {"Python Software Foundation License", "PSF-2.0"},
      {"zlib/libpng", "Zlib"},
      {"CC0 1.0 Universal", "CC0-1.0"},
      // rpm headers and apk L:.
      {"GPLv2+ and LGPLv2+", "GPL-2.0-or-later AND LGPL-2.0-or-later"},
      {"GPL-2.0-or-later AND MIT", "GPL-2.0-or-later AND MIT"},
      {"MIT AND BSD-2-Clause", "MIT AND BSD-2-Clause"},
      // Debian copyright short names (DEP-5).
      {"Expat", "MIT"},
      {"GPL-2+", "GPL-2.0-or-later"},
      {"GPL-2", "GPL-2.0-only"},
      {"LGPL-2.1+", "LGPL-2.1-or-later"},
      {"BSD-3-clause", "BSD-3-Clause"},
      {"GPL-2+ or Artistic", "GPL-2.0-or-later OR Artistic-1.0-Perl"},
      {"Artistic or GPL-1+", "Artistic-1.0-Perl OR GPL-1.0-or-later"},
      {"GPL-3+ with Bison exception", "GPL-3.0-or-later WITH Bison-exception-2.2"},
      {"public-domain", "LicenseRef-public-domain"},
      {"GPL-2 or later", "GPL-2.0-or-later"},
      {"Perl", "Artistic-1.0-Perl OR GPL-1.0-or-later"},
      // Unknown text keeps its words as a LicenseRef.
      {"Custom: see LICENSE.txt", "LicenseRef-Custom-see-LICENSE.txt"},
      {"permissive", "LicenseRef-permissive"},
      {"  ", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(NormalizeOne(c.declared), c.spdx) << c.declared;
  EXPECT_EQ(Normalize({"MIT", "Apache-2.0"}), "MIT AND Apache-2.0");
  EXPECT_EQ(Normalize({"MIT", "MIT License"}), "MIT");
  EXPECT_EQ(Normalize({"MIT OR Apache-2.0", "BSD-3-Clause"}), "(MIT OR Apache-2.0) AND BSD-3-Clause");
  EXPECT_EQ(Normalize({}), "");
  // Whatever comes in, the result is a valid expression (or empty).
  for (std::string odd : {std::string("\xff\xfe"), std::string(10000, 'x'), std::string("(((("),
                          std::string("or or and"), std::string("MIT (and) GPL"), std::string("a\0b", 3)}) {
    std::string n = NormalizeOne(odd);
    if (!n.empty()) {
      EXPECT_TRUE(ParseExpression(n).ok()) << n;
    }
  }
}

TEST(LicenseRef, OnlyIdCharactersAndBounded) {
  EXPECT_EQ(LicenseRefFor("Foo Bar/2"), "LicenseRef-Foo-Bar-2");
  EXPECT_EQ(LicenseRefFor("!!!"), "LicenseRef-unnamed");
  EXPECT_LE(LicenseRefFor(std::string(500, 'a')).size(), 11u + 64u);
}

TEST(Category, OfCommonLicenses) {
  struct Case {
    const char* id;
    Category category;
  } cases[] = {
      {"MIT", Category::kPermissive},
      {"Apache-2.0", Category::kPermissive},
      {"BSD-3-Clause", Category::kPermissive},
      {"GPL-2.0-only", Category::kStrongCopyleft},
      {"GPL-3.0-or-later", Category::kStrongCopyleft},
      {"LGPL-2.1-or-later", Category::kWeakCopyleft},
      {"MPL-2.0", Category::kWeakCopyleft},
      {"AGPL-3.0-only", Category::kNetworkCopyleft},
      {"SSPL-1.0", Category::kNetworkCopyleft},
      {"CC0-1.0", Category::kPublicDomain},
      {"LicenseRef-public-domain", Category::kPublicDomain},
      {"LicenseRef-foo", Category::kUnknown},
      {"CC-BY-NC-4.0", Category::kOther},
      {"Nope", Category::kUnknown},
  };
  for (const auto& c : cases) EXPECT_EQ(CategoryOf(c.id), c.category) << c.id;
  for (const char* name :
       {"permissive", "weak-copyleft", "strong-copyleft", "network-copyleft", "public-domain", "other", "unknown"}) {
    auto c = ParseCategory(name);
    ASSERT_TRUE(c.has_value()) << name;
    EXPECT_EQ(CategoryName(*c), name);
  }
  EXPECT_FALSE(ParseCategory("copyleft").has_value());
}

TEST(ClassifyText, PhrasesOfTheCommonTexts) {
  struct Case {
    const char* text;
    std::vector<std::string> ids;
  } cases[] = {
      {"This program is free software; you can redistribute it and/or modify it under the terms of the GNU\n"
       "General Public License as published by the Free Software Foundation; either version 2 of the License,\n"
       " or (at your option) any later version.",
       {"GPL-2.0-or-later"}},
      {"On Debian systems the full text of the GNU General Public License version 3 can be found in\n"
       "/usr/share/common-licenses/GPL-3.",
       {"GPL-3.0-only"}},
      {"see /usr/share/common-licenses/LGPL-2.1", {"LGPL-2.1-only"}},
      {"Licensed under the Apache License, Version 2.0 (the \"License\");", {"Apache-2.0"}},
      {"Permission is hereby granted, free of charge, to any person obtaining a copy of this software", {"MIT"}},
      {"Redistribution and use in source and binary forms, with or without modification ... Neither the name of\n"
       "the University nor the names of its contributors may be used to endorse or promote products derived from\n"
       "this software without specific prior written permission.",
       {"BSD-3-Clause"}},
      {"Redistribution and use in source and binary forms, with or without modification, are permitted.",
       {"BSD-2-Clause"}},
      {"This file is in the public domain.", {"LicenseRef-public-domain"}},
      {"You may distribute under the same terms as Perl itself.", {"Artistic-1.0-Perl OR GPL-1.0-or-later"}},
      {"Nothing to see here.", {}},
      {"", {}},
  };
  for (const auto& c : cases) EXPECT_EQ(ClassifyText(c.text), c.ids) << c.text;
}

TEST(DebianCopyright, MachineReadableFilesGiveTheirShortNames) {
  // tzdata 2025b-0+deb12u2: one Files paragraph, public-domain.
  auto tz = ReadDebianCopyright(ReadTestdata("tzdata.copyright"));
  EXPECT_TRUE(tz.machine_readable);
  EXPECT_EQ(tz.declared, std::vector<std::string>({"public-domain"}));
  EXPECT_EQ(tz.expression, "LicenseRef-public-domain");
  // zlib1g 1:1.2.13.dfsg-1: every paragraph Zlib.
  auto z = ReadDebianCopyright(ReadTestdata("zlib1g.copyright"));
  EXPECT_TRUE(z.machine_readable);
  EXPECT_EQ(z.expression, "Zlib");
  // libssl3 3.0.19-1~deb12u2: Apache-2.0, plus Artistic/GPL-1+ for the Perl parts.
  auto ssl = ReadDebianCopyright(ReadTestdata("libssl3.copyright"));
  EXPECT_TRUE(ssl.machine_readable);
  EXPECT_EQ(ssl.declared.front(), "Apache-2.0");
  EXPECT_NE(ssl.expression.find("Apache-2.0"), std::string::npos) << ssl.expression;
  EXPECT_TRUE(ParseExpression(ssl.expression).ok()) << ssl.expression;
  // bash 5.2.15-2+b8: GPL-3+ first, and a LicenseRef for its "permissive" paragraph.
  auto bash = ReadDebianCopyright(ReadTestdata("bash.copyright"));
  EXPECT_TRUE(bash.machine_readable);
  EXPECT_EQ(bash.declared.front(), "GPL-3+");
  EXPECT_NE(bash.expression.find("GPL-3.0-or-later"), std::string::npos) << bash.expression;
  EXPECT_TRUE(ParseExpression(bash.expression).ok()) << bash.expression;
}

TEST(DebianCopyright, FreeFormFilesAreClassified) {
  // libc6 2.36-9+deb12u14: LGPL-2.1+ for the library, plus the GPL and BSD-style parts it names.
  auto libc = ReadDebianCopyright(ReadTestdata("libc6.copyright"));
  EXPECT_FALSE(libc.machine_readable);
  ASSERT_FALSE(libc.declared.empty());
  EXPECT_EQ(libc.declared.front(), "LGPL-2.1-or-later") << libc.expression;
  // base-files 12.4+deb12u11: GPL (any version) by reference to common-licenses/GPL.
  auto base = ReadDebianCopyright(ReadTestdata("base-files.copyright"));
  EXPECT_FALSE(base.machine_readable);
  EXPECT_NE(base.expression.find("GPL"), std::string::npos) << base.expression;
  // libgcc-s1 12.2.0-14+deb12u1: GPL-3+ with the GCC runtime exception among others.
  auto gcc = ReadDebianCopyright(ReadTestdata("libgcc-s1.copyright"));
  EXPECT_NE(gcc.expression.find("GPL-3.0-or-later"), std::string::npos) << gcc.expression;
  // Nothing recognisable: nothing claimed.
  auto none = ReadDebianCopyright("Copyright 2020 Someone.\nAll rights reserved.\n");
  EXPECT_TRUE(none.declared.empty());
  EXPECT_EQ(none.expression, "");
}

TEST(DebianCopyright, HostileInputNeverBreaks) {
  for (std::string text : {std::string(), std::string("Format: copyright-format/1.0\n\nFiles: *\nLicense:\n"),
                           std::string("Format: dep5\nFiles *\nLicense GPL\n"), std::string(3 << 20, '\n'),
                           std::string("Format: copyright-format/1.0\n\n") + std::string(100000, ' ') + "\n",
                           std::string("\0\0\0License: MIT\n", 16)}) {
    auto c = ReadDebianCopyright(text);
    if (!c.expression.empty()) {
      EXPECT_TRUE(ParseExpression(c.expression).ok()) << c.expression;
    }
  }
}

}  // namespace
}  // namespace vigil::license
