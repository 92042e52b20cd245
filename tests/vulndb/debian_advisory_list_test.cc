#include "vulndb/internal/debian_advisory_list.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "../test_util.h"
#include "common/file.h"
#include "feed_test_util.h"

namespace vigil::vulndb {
namespace {

using test::Find;
using test::Problems;

constexpr const char* kWhen = "2023-04-01T00:00:00Z";

std::string Data(const std::string& name) { return test::FeedData("debian", name); }

std::string Fixed(const Affected& af) {
  if (af.spec.ranges.size() != 1 || af.spec.ranges[0].events.size() != 2) return "";
  return af.spec.ranges[0].events[1].version;
}

TEST(DebianAdvisoryList, DsaExcerpt) {
  auto r = ParseDebianAdvisoryList(Data("DSA-list-excerpt"), "DSA/list", kWhen);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->advisories.size(), 15u);
  // The one real data error of the 2023 list: a package name where the version belongs.
  ASSERT_EQ(r->problems.total(), 1u) << Problems(*r);
  EXPECT_EQ(r->problems.list()[0].where, "DSA/list: line 40");
  EXPECT_NE(r->problems.list()[0].reason.find("invalid dpkg version 'kernel-image-2.4.17-ia64'"), std::string::npos);

  const Advisory* a = Find(*r, "DSA-5380-1");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->aliases, std::vector<std::string>{"CVE-2023-1393"});
  EXPECT_EQ(a->summary, "xorg-server - security update");
  EXPECT_EQ(a->published, "2023-03-29T00:00:00Z");
  EXPECT_EQ(a->modified, kWhen);
  ASSERT_EQ(a->references.size(), 1u);
  EXPECT_EQ(a->references[0].type, "ADVISORY");
  EXPECT_EQ(a->references[0].url, "https://security-tracker.debian.org/tracker/DSA-5380-1");
  ASSERT_EQ(a->affected.size(), 1u);
  EXPECT_EQ(a->affected[0].ecosystem.text, "Debian:11");
  EXPECT_EQ(a->affected[0].name, "xorg-server");
  EXPECT_EQ(a->affected[0].status, FixStatus::kFixed);
  EXPECT_EQ(Fixed(a->affected[0]), "2:1.20.11-1+deb11u6");

  const Advisory* xen = Find(*r, "DSA-5378-1");
  ASSERT_NE(xen, nullptr);
  EXPECT_EQ(xen->aliases.size(), 5u);

  const Advisory* oo = Find(*r, "DSA-2275-1");
  ASSERT_NE(oo, nullptr);
  ASSERT_EQ(oo->affected.size(), 2u);
  EXPECT_EQ(oo->affected[0].ecosystem.text, "Debian:6.0");
  EXPECT_EQ(oo->affected[0].status, FixStatus::kFixed);
  EXPECT_EQ(oo->affected[1].ecosystem.text, "Debian:5.0");
  EXPECT_EQ(oo->affected[1].status, FixStatus::kNotAffected);
  EXPECT_TRUE(oo->affected[1].spec.ranges.empty());
  EXPECT_EQ(oo->affected[1].status_note, "Vulnerable code not present");

  const Advisory* vbox = Find(*r, "DSA-3699-1");
  ASSERT_NE(vbox, nullptr);
  EXPECT_TRUE(vbox->aliases.empty());
  ASSERT_EQ(vbox->affected.size(), 1u);
  EXPECT_EQ(vbox->affected[0].status, FixStatus::kEndOfLife);
  EXPECT_EQ(vbox->affected[0].spec.ranges.size(), 1u);

  const Advisory* old = Find(*r, "DSA-827-1");
  ASSERT_NE(old, nullptr);
  EXPECT_EQ(old->affected[0].ecosystem.text, "Debian:3.1");
  EXPECT_EQ(old->affected[0].status_note, "medium");
  EXPECT_EQ(Fixed(old->affected[0]), "0.5-3sarge1");

  const Advisory* png = Find(*r, "DSA-140");
  ASSERT_NE(png, nullptr);
  EXPECT_EQ(png->published, "2002-08-05T00:00:00Z");
  ASSERT_EQ(png->affected.size(), 2u);
  EXPECT_EQ(png->affected[1].name, "libpng3");
  EXPECT_EQ(png->affected[1].ecosystem.text, "Debian:3.0");

  const Advisory* notice = Find(*r, "DSA-3281-1");
  ASSERT_NE(notice, nullptr);
  EXPECT_TRUE(notice->affected.empty());
  EXPECT_EQ(notice->summary, "Debian Security Team PGP/GPG key change notice");

  EXPECT_TRUE(std::is_sorted(r->advisories.begin(), r->advisories.end(),
                             [](const Advisory& x, const Advisory& y) { return x.id < y.id; }));
}

TEST(DebianAdvisoryList, VunnelExcerptAndDla) {
  auto v = ParseDebianAdvisoryList(Data("DSA-list-excerpt-vunnel"), "DSA", kWhen);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->problems.empty()) << Problems(*v);
  EXPECT_EQ(v->advisories.size(), 10u);
  const Advisory* sope = Find(*v, "DSA-5970-1");
  ASSERT_NE(sope, nullptr);
  EXPECT_EQ(sope->affected[0].ecosystem.text, "Debian:12");
  EXPECT_EQ(Fixed(sope->affected[0]), "5.8.0-1+deb12u1");

  auto d = ParseDebianAdvisoryList(Data("DLA-list-excerpt"), "DLA/list", kWhen);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->problems.empty()) << Problems(*d);
  const Advisory* fw = Find(*d, "DLA-3380-1");
  ASSERT_NE(fw, nullptr);
  EXPECT_EQ(fw->aliases.size(), 11u);
  EXPECT_EQ(fw->affected[0].ecosystem.text, "Debian:10");
  EXPECT_EQ(Fixed(fw->affected[0]), "20190114+really20220913-0+deb10u1");
}

TEST(DebianAdvisoryList, FullLists) {
  auto dsa = ReadFile(testing::TestData("vulndb", "debian/DSA-list"));
  auto dla = ReadFile(testing::TestData("vulndb", "debian/DLA-list"));
  ASSERT_TRUE(dsa.ok()) << dsa.error().ToString();
  ASSERT_TRUE(dla.ok()) << dla.error().ToString();
  auto r = ParseDebianAdvisoryList(*dsa, "DSA/list", kWhen);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->advisories.size(), 5406u);
  EXPECT_EQ(r->problems.total(), 1u) << Problems(*r);  // DSA-423, see DsaExcerpt
  auto l = ParseDebianAdvisoryList(*dla, "DLA/list", kWhen);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->advisories.size(), 3534u);
  EXPECT_TRUE(l->problems.empty()) << Problems(*l);
}

TEST(DebianAdvisoryList, BadLines) {
  const std::string text =
      "[01 Foo 2020] DSA-1-1 a - b\n"          // 1: bad month: header skipped
      "\t[buster] - a 1.0\n"                   // 2: belongs to the bad header: skipped silently
      "DSA-2-1 b - c\n"                        // 3: no date
      "[01 Jan 2020] USN-1-1 c - d\n"          // 4: not a Debian list id
      "[01 Jan 2020] DSA-3-1 d - e\n"          // 5: good
      "\t{CVE-2020-0001 DSA-2-1 VU#123456\n"   // 6: no closing brace
      "\t{CVE-2020-0001 DSA-2-1 VU#123456}\n"  // 7
      "\t[hamm] - d 1.0\n"                     // 8: unknown release
      "\t[buster] - d <removed>\n"             // 9: unknown tag
      "\t[buster] - d\n"                       // 10: no version
      "\t[buster] d 1.0\n"                     // 11: no dash
      "\t[buster - d 1.0\n"                    // 12: no bracket
      "\tsomething else\n"                     // 13
      "\t[buster] - d 1.0-1\n"                 // 14: good
      "\t[bullseye] - d <unfixed>\n"           // 15: good
      "[02 Jan 2020] DSA-3-1 again\n"          // 16: duplicate id
      "\t[buster] - d 9.9\n";                  // 17: belongs to the duplicate: skipped
  auto r = ParseDebianAdvisoryList(text, "list", kWhen);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->advisories.size(), 1u);
  const Advisory& a = r->advisories[0];
  EXPECT_EQ(a.id, "DSA-3-1");
  EXPECT_EQ(a.aliases, std::vector<std::string>{"CVE-2020-0001"});
  EXPECT_EQ(a.related, (std::vector<std::string>{"DSA-2-1", "VU#123456"}));
  ASSERT_EQ(a.affected.size(), 2u);
  EXPECT_EQ(Fixed(a.affected[0]), "1.0-1");
  EXPECT_EQ(a.affected[1].status, FixStatus::kNotFixed);
  std::vector<std::string> where;
  for (const FeedProblem& p : r->problems.list()) where.push_back(p.where);
  EXPECT_EQ(where, (std::vector<std::string>{"list: line 1", "list: line 3", "list: line 4", "list: line 6",
                                             "list: line 8", "list: line 9", "list: line 10", "list: line 11",
                                             "list: line 12", "list: line 13", "list: line 16"}))
      << Problems(*r);
}

TEST(DebianAdvisoryList, EmptyAndHostileInput) {
  auto e = ParseDebianAdvisoryList("", "list", kWhen);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->advisories.empty());
  std::string huge = "[01 Jan 2020] DSA-1-1 " + std::string(1 << 20, 'x') + "\n\t{" + std::string(1 << 20, '{') +
                     "}\n\t[" + std::string(1 << 16, '[') + "\n";
  auto h = ParseDebianAdvisoryList(huge, "list", kWhen);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->advisories.size(), 1u);
  EXPECT_FALSE(ParseDebianAdvisoryList("", "list", "2023-04-01").ok());
  std::string binary("\0\x01\xff[\n\t]\n", 8);
  EXPECT_TRUE(ParseDebianAdvisoryList(binary, "list", kWhen).ok());
}

}  // namespace
}  // namespace vigil::vulndb
