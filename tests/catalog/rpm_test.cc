#include "catalog/catalogers/rpm.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <random>

#include "../test_util.h"
#include "common/file.h"
#include "common/strings.h"

namespace vigil::catalog {
namespace {

// ---------------------------------------------------------------------------------------------
// Fixtures and the expected listings beside them.

std::string Fixture(const std::string& rel) {
  auto r = ReadFile(testing::TestData("catalog", "rpm/" + rel));
  EXPECT_TRUE(r.ok()) << rel << ": " << (r.ok() ? "" : r.error().message());
  return r.ok() ? *r : "";
}

// One row of expected-rpm-qa.tsv / expected-go-rpmdb.tsv. rpm prints "(none)" for an absent tag;
// go-rpmdb prints "" for an absent modularity label. Both become "" here.
struct Expected {
  std::string epoch, name, version, release, arch, sourcerpm, size, license, vendor, modularity, summary, sigmd5;
};

std::vector<Expected> LoadExpected(const std::string& rel) {
  std::vector<Expected> out;
  ForEachLine(Fixture(rel), [&](std::string_view line) {
    if (line.empty() || line[0] == '#') return;
    auto f = Split(line, '\t');
    EXPECT_EQ(f.size(), 12u) << line;
    if (f.size() != 12) return;
    std::vector<std::string> v;
    for (auto s : f) v.emplace_back(s == "(none)" ? "" : s);
    out.push_back({v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]});
  });
  return out;
}

// expected-files.tsv: "name<TAB>/abs/path" per file, in rpm's order.
std::map<std::string, std::vector<std::string>> LoadExpectedFiles(const std::string& rel) {
  std::map<std::string, std::vector<std::string>> out;
  ForEachLine(Fixture(rel), [&](std::string_view line) {
    if (line.empty() || line[0] == '#') return;
    size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string_view::npos) << line;
    std::string_view path = line.substr(tab + 1);
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    if (!path.empty()) out[std::string(line.substr(0, tab))].emplace_back(path);
  });
  return out;
}

std::vector<RpmHeader> Headers(std::string_view db) {
  std::vector<RpmHeader> out;
  Status st = ForEachRpmHeaderBlob(db, [&](uint32_t instance, std::string_view blob) {
    auto h = ParseRpmHeader(blob);
    EXPECT_TRUE(h.ok()) << "instance " << instance << ": " << h.error().message();
    if (h.ok()) out.push_back(std::move(*h));
  });
  EXPECT_TRUE(st.ok()) << st.error().message();
  return out;
}

std::string Opt(const std::optional<uint64_t>& v) { return v ? std::to_string(*v) : ""; }
std::string Opt(const std::optional<uint32_t>& v) { return v ? std::to_string(*v) : ""; }

// Compares every header of `db` with every row of the expected listing, all twelve columns,
// and the packages ParseRpmDb makes from them. Returns the number of packages checked.
size_t CheckAgainstListing(const std::string& dir, const std::string& db_name, const std::string& listing,
                           RpmDbFormat format) {
  std::string db = Fixture(dir + "/" + db_name);
  EXPECT_EQ(DetectRpmDbFormat(db), format);
  std::vector<Expected> want = LoadExpected(dir + "/" + listing);
  std::vector<RpmHeader> got = Headers(db);
  EXPECT_EQ(got.size(), want.size()) << dir;

  // Headers, keyed by name-version-release.arch (unique in these databases).
  std::map<std::string, const RpmHeader*> by_nevra;
  for (const auto& h : got) {
    std::string k = h.name + "-" + h.version + "-" + h.release + "." + h.arch;
    EXPECT_TRUE(by_nevra.emplace(k, &h).second) << "duplicate " << k;
  }
  for (const auto& e : want) {
    std::string k = e.name + "-" + e.version + "-" + e.release + "." + e.arch;
    auto it = by_nevra.find(k);
    if (it == by_nevra.end()) {
      ADD_FAILURE() << dir << ": expected package " << k << " not found";
      continue;
    }
    const RpmHeader& h = *it->second;
    EXPECT_EQ(Opt(h.epoch), e.epoch) << k;
    EXPECT_EQ(h.source_rpm, e.sourcerpm) << k;
    EXPECT_EQ(Opt(h.size), e.size) << k;
    EXPECT_EQ(h.license, e.license) << k;
    EXPECT_EQ(h.vendor, e.vendor) << k;
    EXPECT_EQ(h.modularity_label, e.modularity) << k;
    EXPECT_EQ(h.summary, e.summary) << k;
    EXPECT_EQ(h.sigmd5, e.sigmd5) << k;
  }

  // Packages: same rows, in the listing's order (install order for all of these files).
  std::vector<Package> pkgs;
  Status st = ParseRpmDb(db, pkgs);
  EXPECT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(pkgs.size(), want.size()) << dir;
  for (size_t i = 0; i < std::min(pkgs.size(), want.size()); ++i) {
    const Package& p = pkgs[i];
    const Expected& e = want[i];
    EXPECT_EQ(p.type, "rpm");
    EXPECT_EQ(p.name, e.name) << "row " << i;
    EXPECT_EQ(p.epoch, e.epoch) << e.name;
    EXPECT_EQ(p.version, e.version + "-" + e.release) << e.name;
    EXPECT_EQ(p.arch, e.arch) << e.name;
    EXPECT_EQ(p.source_name + "-" + p.source_version + ".src.rpm", e.sourcerpm) << e.name;
    EXPECT_FALSE(p.source_name.empty()) << e.name;
    EXPECT_NE(p.source_version.find('-'), std::string::npos) << e.name;
    EXPECT_EQ(p.licenses, e.license.empty() ? std::vector<std::string>{} : std::vector<std::string>{e.license})
        << e.name;
    auto prop = [&](const char* key) {
      auto it = p.properties.find(key);
      return it == p.properties.end() ? std::string() : it->second;
    };
    EXPECT_EQ(prop("rpm:vendor"), e.vendor) << e.name;
    EXPECT_EQ(prop("rpm:modularitylabel"), e.modularity) << e.name;
    EXPECT_EQ(p.properties.count("rpm:vendor"), e.vendor.empty() ? 0u : 1u) << e.name;
  }
  return pkgs.size();
}

void CheckFiles(const std::string& dir, const std::string& db_name) {
  auto want = LoadExpectedFiles(dir + "/expected-files.tsv");
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseRpmDb(Fixture(dir + "/" + db_name), pkgs).ok());
  size_t total = 0;
  for (const auto& p : pkgs) {
    EXPECT_EQ(p.files, want[p.name]) << dir << ": " << p.name;
    total += p.files.size();
  }
  size_t want_total = 0;
  for (const auto& [name, files] : want) want_total += files.size();
  EXPECT_EQ(total, want_total) << dir;
  EXPECT_GT(total, 0u);
}

TEST(RpmDb, BerkeleyDbMatchesRpmQa) {
  EXPECT_EQ(CheckAgainstListing("bdb-libuuid-rhel8", "Packages", "expected-rpm-qa.tsv", RpmDbFormat::kBerkeleyDb), 1u);
  EXPECT_EQ(CheckAgainstListing("bdb-scalibr-epoch", "Packages", "expected-rpm-qa.tsv", RpmDbFormat::kBerkeleyDb), 1u);
  EXPECT_EQ(CheckAgainstListing("bdb-syft-dive", "Packages", "expected-rpm-qa.tsv", RpmDbFormat::kBerkeleyDb), 1u);
}

TEST(RpmDb, BerkeleyDbFilesMatchRpm) {
  CheckFiles("bdb-libuuid-rhel8", "Packages");
  CheckFiles("bdb-scalibr-epoch", "Packages");
  CheckFiles("bdb-syft-dive", "Packages");
}

TEST(RpmDb, SqliteMatchesRpmQa) {
  EXPECT_EQ(CheckAgainstListing("sqlite-cbl-mariner-2.0", "rpmdb.sqlite", "expected-rpm-qa.tsv", RpmDbFormat::kSqlite),
            129u);
}

TEST(RpmDb, SqliteFilesMatchRpm) { CheckFiles("sqlite-cbl-mariner-2.0", "rpmdb.sqlite"); }

TEST(RpmDb, NdbMatchesGoRpmdb) {
  EXPECT_EQ(CheckAgainstListing("ndb-sle15-bci", "Packages.db", "expected-go-rpmdb.tsv", RpmDbFormat::kNdb), 35u);
}

TEST(RpmDb, NdbFiles) {
  // No NDB-capable rpm was at hand to list the files, so this checks known paths only.
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseRpmDb(Fixture("ndb-sle15-bci/Packages.db"), pkgs).ok());
  std::map<std::string, const Package*> by;
  for (const auto& p : pkgs) by[p.name] = &p;
  auto owns = [&](const std::string& pkg, const std::string& file) {
    const auto& f = by.at(pkg)->files;
    return std::find(f.begin(), f.end(), file) != f.end();
  };
  EXPECT_TRUE(owns("bash", "bin/bash"));
  EXPECT_TRUE(owns("coreutils", "usr/bin/ls"));
  EXPECT_TRUE(owns("glibc", "lib64/libc.so.6"));
  size_t total = 0;
  for (const auto& p : pkgs) {
    total += p.files.size();
    for (const auto& f : p.files) {
      EXPECT_FALSE(f.empty()) << p.name;
      EXPECT_NE(f[0], '/') << p.name;
    }
  }
  EXPECT_GT(total, 1000u);
}

TEST(RpmDb, EpochAndSourceSplit) {
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseRpmDb(Fixture("bdb-scalibr-epoch/Packages"), pkgs).ok());
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].epoch, "1");
  EXPECT_EQ(pkgs[0].version, "0.0.1-rls");
  EXPECT_EQ(pkgs[0].source_name, "hello");
  EXPECT_EQ(pkgs[0].source_version, "0.0.1-rls");

  pkgs.clear();
  ASSERT_TRUE(ParseRpmDb(Fixture("bdb-libuuid-rhel8/Packages"), pkgs).ok());
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].epoch, "");
  EXPECT_EQ(pkgs[0].source_name, "util-linux");
  EXPECT_EQ(pkgs[0].source_version, "2.32.1-42.el8_8");
  EXPECT_EQ(pkgs[0].properties.at("rpm:vendor"), "Red Hat, Inc.");
}

TEST(RpmDb, LeavesTheInputUnchanged) {
  // The SQLite fixture is in WAL mode; reading it must not change the bytes we were given.
  std::string db = Fixture("sqlite-cbl-mariner-2.0/rpmdb.sqlite");
  std::string before = db;
  std::vector<Package> pkgs;
  ASSERT_TRUE(ParseRpmDb(db, pkgs).ok());
  EXPECT_EQ(db, before);
}

TEST(RpmCataloger, WantsTheDatabaseFiles) {
  auto c = NewRpmCataloger();
  EXPECT_EQ(c->name(), "rpm");
  EXPECT_EQ(c->MaxSize(), 512u << 20);
  for (const char* p :
       {"var/lib/rpm/rpmdb.sqlite", "var/lib/rpm/Packages", "var/lib/rpm/Packages.db",
        "usr/lib/sysimage/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/Packages", "usr/lib/sysimage/rpm/Packages.db"}) {
    EXPECT_TRUE(c->Wants({p, 0644, 1000})) << p;
  }
  for (const char* p : {"var/lib/rpm/Name", "var/lib/rpm/rpmdb.sqlite-wal", "rpm/Packages", "var/lib/rpm/x/Packages",
                        "var/lib/dpkg/status", "Packages"}) {
    EXPECT_FALSE(c->Wants({p, 0644, 1000})) << p;
  }
  bool registered = false;
  for (const auto& d : DefaultCatalogers()) registered |= d->name() == "rpm";
  EXPECT_TRUE(registered);

  FileResult out;
  std::string db = Fixture("ndb-sle15-bci/Packages.db");
  ASSERT_TRUE(c->Parse({"usr/lib/sysimage/rpm/Packages.db", 0644, db.size()}, db, out).ok());
  EXPECT_EQ(out.packages.size(), 35u);
}

// ---------------------------------------------------------------------------------------------
// Building headers and databases by hand, for the edge cases real files do not show.

void PutBe32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>(v >> shift));
}
void PutLe32(std::string& s, uint32_t v) {
  for (int shift = 0; shift <= 24; shift += 8) s.push_back(static_cast<char>(v >> shift));
}
void SetLe32(std::string& s, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[off + i] = static_cast<char>(v >> (8 * i));
}
void SetLe16(std::string& s, size_t off, uint16_t v) {
  s[off] = static_cast<char>(v);
  s[off + 1] = static_cast<char>(v >> 8);
}
uint32_t GetLe32(const std::string& s, size_t off) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(s[off + i]);
  return v;
}
void SetBe32(std::string& s, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[off + i] = static_cast<char>(v >> (24 - 8 * i));
}

constexpr uint32_t kInt32 = 4, kString = 6, kStringArray = 8, kI18n = 9;

class HeaderBuilder {
 public:
  HeaderBuilder& Str(uint32_t tag, const std::string& s, uint32_t type = kString) {
    Add(tag, type, data_.size(), 1);
    data_ += s;
    data_.push_back('\0');
    return *this;
  }
  HeaderBuilder& Strs(uint32_t tag, const std::vector<std::string>& v) {
    Add(tag, kStringArray, data_.size(), v.size());
    for (const auto& s : v) {
      data_ += s;
      data_.push_back('\0');
    }
    return *this;
  }
  HeaderBuilder& Ints(uint32_t tag, const std::vector<uint32_t>& v) {
    while (data_.size() % 4) data_.push_back('\0');
    Add(tag, kInt32, data_.size(), v.size());
    for (uint32_t x : v) PutBe32(data_, x);
    return *this;
  }
  // An index entry with whatever fields the test wants and no data behind it.
  HeaderBuilder& Raw(uint32_t tag, uint32_t type, uint32_t offset, uint32_t count) {
    Add(tag, type, offset, count);
    return *this;
  }
  HeaderBuilder& Package(const std::string& name, const std::string& version = "1.0",
                         const std::string& release = "1") {
    return Str(1000, name).Str(1001, version).Str(1002, release).Str(1022, "x86_64");
  }
  std::string Build() const {
    std::string out;
    PutBe32(out, entries_.size() / 4);
    PutBe32(out, data_.size());
    for (uint32_t v : entries_) PutBe32(out, v);
    return out + data_;
  }

 private:
  void Add(uint32_t tag, uint32_t type, size_t offset, size_t count) {
    entries_.insert(entries_.end(), {tag, type, static_cast<uint32_t>(offset), static_cast<uint32_t>(count)});
  }
  std::vector<uint32_t> entries_;
  std::string data_;
};

uint32_t TestAdler32(std::string_view d) {
  uint32_t a = 1, b = 0;
  for (unsigned char c : d) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return b << 16 | a;
}

// A one-slot-page NDB file holding `blobs` (package index, header blob).
std::string BuildNdb(const std::vector<std::pair<uint32_t, std::string>>& blobs) {
  std::string f;
  f += "RpmP";
  PutLe32(f, 0);  // version
  PutLe32(f, 1);  // generation
  PutLe32(f, 1);  // slot pages
  PutLe32(f, 100);
  f.resize(32, '\0');
  std::string area;
  size_t next_block = 4096 / 16;
  for (const auto& [index, blob] : blobs) {
    size_t blocks = (16 + blob.size() + 12 + 15) / 16;
    f += "Slot";
    PutLe32(f, index);
    PutLe32(f, next_block);
    PutLe32(f, blocks);
    std::string b = "BlbS";
    PutLe32(b, index);
    PutLe32(b, 1);
    PutLe32(b, blob.size());
    b += blob;
    b.resize(blocks * 16 - 12, '\0');
    PutLe32(b, TestAdler32(b));
    PutLe32(b, blob.size());
    b += "BlbE";
    area += b;
    next_block += blocks;
  }
  while (f.size() < 4096) {
    f += "Slot";
    f.append(12, '\0');
  }
  return f + area;
}

Status Parse(std::string_view db, std::vector<Package>* out = nullptr) {
  std::vector<Package> local;
  return ParseRpmDb(db, out ? *out : local);
}

#define EXPECT_CORRUPT(status, needle)                                                       \
  do {                                                                                       \
    Status s_ = (status);                                                                    \
    ASSERT_FALSE(s_.ok()) << "expected an error mentioning '" << (needle) << "'";            \
    EXPECT_EQ(s_.error().code(), ErrorCode::kCorrupt) << s_.error().message();               \
    EXPECT_NE(s_.error().message().find(needle), std::string::npos) << s_.error().message(); \
  } while (0)

TEST(RpmHeader, ParsesBuiltHeader) {
  std::string blob = HeaderBuilder()
                         .Package("bash", "5.1.8", "6.el9")
                         .Ints(1003, {2})
                         .Str(1004, "The GNU Bourne Again shell", kI18n)
                         .Str(1044, "bash-5.1.8-6.el9.src.rpm")
                         .Str(1014, "GPLv3+")
                         .Str(5096, "bash:5:1:abc")
                         .Strs(1118, {"/usr/bin/", "/etc/", "/"})
                         .Strs(1117, {"bash", "bashrc", ""})
                         .Ints(1116, {0, 1, 2})
                         .Build();
  auto h = ParseRpmHeader(blob);
  ASSERT_TRUE(h.ok()) << h.error().message();
  EXPECT_EQ(h->epoch, 2u);
  EXPECT_EQ(h->summary, "The GNU Bourne Again shell");
  EXPECT_EQ(h->files, (std::vector<std::string>{"usr/bin/bash", "etc/bashrc"}));
  Package p = RpmHeaderToPackage(*h);
  EXPECT_EQ(p.version, "5.1.8-6.el9");
  EXPECT_EQ(p.epoch, "2");
  EXPECT_EQ(p.source_name, "bash");
  EXPECT_EQ(p.source_version, "5.1.8-6.el9");
  EXPECT_EQ(p.properties.at("rpm:modularitylabel"), "bash:5:1:abc");
  EXPECT_EQ(p.properties.count("rpm:vendor"), 0u);

  // The old flat file list.
  h = ParseRpmHeader(HeaderBuilder().Package("old").Strs(1027, {"/bin/sh", "/"}).Build());
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->files, std::vector<std::string>{"bin/sh"});
  // A later entry for the same tag wins, as rpm's dribble entries do.
  h = ParseRpmHeader(HeaderBuilder().Package("a").Str(1000, "b").Build());
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->name, "b");
}

TEST(RpmHeader, SourceRpmShapes) {
  auto pkg = [](const std::string& src) {
    auto h = ParseRpmHeader(HeaderBuilder().Package("x").Str(1044, src).Build());
    EXPECT_TRUE(h.ok());
    return RpmHeaderToPackage(*h);
  };
  EXPECT_EQ(pkg("python3-dateutil-2.8.2-1.fc36.src.rpm").source_name, "python3-dateutil");
  EXPECT_EQ(pkg("foo-1-2.nosrc.rpm").source_version, "1-2");
  for (const char* odd : {"foo.src.rpm", "foo-1.src.rpm", "-1-2.src.rpm", "foo-1-.src.rpm", "foo--2.src.rpm",
                          "foo-1-2.rpm", ".src.rpm", ""}) {
    Package p = pkg(odd);
    EXPECT_EQ(p.source_name, "") << odd;
    EXPECT_EQ(p.source_version, "") << odd;
  }
}

TEST(RpmHeader, RejectsDamagedHeaders) {
  std::string good = HeaderBuilder().Package("p").Build();
  ASSERT_TRUE(ParseRpmHeader(good).ok());

  EXPECT_CORRUPT(ParseRpmHeader("").status(), "shorter than its 8-byte preamble");
  EXPECT_CORRUPT(ParseRpmHeader(good.substr(0, 7)).status(), "preamble");
  // Truncated anywhere after the preamble: the sizes no longer add up.
  for (size_t n : {size_t{8}, size_t{20}, good.size() - 1}) {
    EXPECT_CORRUPT(ParseRpmHeader(good.substr(0, n)).status(), "bytes but its index count");
  }
  EXPECT_CORRUPT(ParseRpmHeader(good + "x").status(), "bytes but its index count");
  // An index count pointing far past the blob.
  std::string big_il = good;
  SetBe32(big_il, 0, 0x1000);
  EXPECT_CORRUPT(ParseRpmHeader(big_il).status(), "index count 4096");
  SetBe32(big_il, 0, 0x10000);
  EXPECT_CORRUPT(ParseRpmHeader(big_il).status(), "exceeds rpm's limit");
  std::string big_dl = good;
  SetBe32(big_dl, 4, 0x7fffffff);
  EXPECT_CORRUPT(ParseRpmHeader(big_dl).status(), "data size");
  std::string huge = good;
  SetBe32(huge, 0, 0xffffffff);
  SetBe32(huge, 4, 0xffffffff);
  EXPECT_CORRUPT(ParseRpmHeader(huge).status(), "exceeds rpm's limit");

  // Entries pointing outside the data store: past the end, negative, or too many values.
  EXPECT_CORRUPT(ParseRpmHeader(HeaderBuilder().Package("p").Raw(1009, kInt32, 4096, 1).Build()).status(),
                 "outside the");
  EXPECT_CORRUPT(ParseRpmHeader(HeaderBuilder().Package("p").Raw(1009, kInt32, 0xfffffff0, 1).Build()).status(),
                 "outside the");
  EXPECT_CORRUPT(ParseRpmHeader(HeaderBuilder().Package("p").Raw(1116, kInt32, 0, 0x40000000).Build()).status(),
                 "past the end");
  EXPECT_CORRUPT(ParseRpmHeader(HeaderBuilder().Package("p").Raw(1, 99, 0, 1).Build()).status(), "unknown type 99");
  // A string whose NUL is missing: NAME is the last thing in the store, then cut its NUL.
  std::string no_nul = HeaderBuilder().Str(1001, "1").Str(1000, "name").Build();
  no_nul.pop_back();
  SetBe32(no_nul, 4, static_cast<uint32_t>(no_nul.size() - 8 - 32));
  EXPECT_CORRUPT(ParseRpmHeader(no_nul).status(), "runs past the end");
  // A string array claiming more strings than bytes.
  EXPECT_CORRUPT(
      ParseRpmHeader(
          HeaderBuilder().Package("p").Strs(1118, {"/"}).Raw(1117, kStringArray, 0, 1000).Ints(1116, {0}).Build())
          .status(),
      "more than the data store can hold");
  // Wrong types and missing fields.
  EXPECT_CORRUPT(ParseRpmHeader(HeaderBuilder().Ints(1000, {1}).Str(1001, "1").Build()).status(), "tag NAME (1000");
  EXPECT_CORRUPT(ParseRpmHeader(HeaderBuilder().Package("p").Str(1003, "1").Build()).status(), "tag EPOCH");
  EXPECT_CORRUPT(ParseRpmHeader(HeaderBuilder().Str(1001, "1").Build()).status(), "no NAME");
  EXPECT_CORRUPT(ParseRpmHeader(HeaderBuilder().Str(1000, "n").Build()).status(), "no VERSION");
  // File lists that do not add up.
  EXPECT_CORRUPT(
      ParseRpmHeader(HeaderBuilder().Package("p").Strs(1118, {"/"}).Strs(1117, {"a", "b"}).Ints(1116, {0, 1}).Build())
          .status(),
      "there are 1 directory names");
  EXPECT_CORRUPT(
      ParseRpmHeader(
          HeaderBuilder().Package("p").Strs(1118, {"/"}).Strs(1117, {"a", "b"}).Ints(1116, {0, 0xffffffff}).Build())
          .status(),
      "is -1");
  EXPECT_CORRUPT(
      ParseRpmHeader(HeaderBuilder().Package("p").Strs(1118, {"/"}).Strs(1117, {"a", "b"}).Ints(1116, {0}).Build())
          .status(),
      "has 1 entries");
  EXPECT_CORRUPT(ParseRpmHeader(HeaderBuilder().Package("p").Strs(1117, {"a"}).Build()).status(), "no DIRNAMES");
}

TEST(RpmHeader, CapsRebuiltPaths) {
  // 4096 files all in one 16 KiB directory name: a 100 KiB header describing 64 MiB of paths.
  std::vector<std::string> names(4096, "f");
  std::string blob = HeaderBuilder()
                         .Package("p")
                         .Strs(1118, {"/" + std::string(16384, 'd') + "/"})
                         .Strs(1117, names)
                         .Ints(1116, std::vector<uint32_t>(4096, 0))
                         .Build();
  auto h = ParseRpmHeader(blob, 1u << 20);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().code(), ErrorCode::kLimitExceeded) << h.error().message();
  h = ParseRpmHeader(blob, 0);  // files not read
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->files.empty());
  h = ParseRpmHeader(blob, 128u << 20);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->files.size(), 4096u);
}

TEST(RpmDb, BuiltNdbOrderGpgPubkeyAndPartialDamage) {
  std::vector<Package> pkgs;
  std::string key = HeaderBuilder().Package("gpg-pubkey", "fd431d51", "4ae0493b").Build();
  std::string db = BuildNdb({{7, HeaderBuilder().Package("zeta").Build()},
                             {3, key},
                             {2, HeaderBuilder().Package("alpha").Build()},
                             {5, HeaderBuilder().Str(1001, "1").Build()}});  // no NAME
  Status st = Parse(db, &pkgs);
  EXPECT_CORRUPT(st, "instance 5");
  ASSERT_EQ(pkgs.size(), 2u);
  EXPECT_EQ(pkgs[0].name, "alpha");  // instance order
  EXPECT_EQ(pkgs[1].name, "zeta");
}

// ---------------------------------------------------------------------------------------------
// Damaged containers. Every case must end with an error, never a crash or a hang.

TEST(RpmDb, EmptyRandomAndUnknownInput) {
  EXPECT_CORRUPT(Parse(""), "empty file");
  EXPECT_CORRUPT(Parse("hello, world"), "not an rpm database");
  std::mt19937 rng(42);
  for (size_t size : {1u, 15u, 16u, 100u, 511u, 4096u, 65536u}) {
    for (int round = 0; round < 20; ++round) {
      std::string bytes(size, '\0');
      for (char& c : bytes) c = static_cast<char>(rng());
      EXPECT_FALSE(Parse(bytes).ok()) << size;
      // The same noise behind each magic, to get past format detection.
      std::string sqlite = bytes, ndb = bytes, bdb = bytes;
      sqlite.replace(0, std::min<size_t>(16, size), std::string("SQLite format 3\0", 16), 0,
                     std::min<size_t>(16, size));
      EXPECT_FALSE(Parse(sqlite).ok()) << size;
      ndb.replace(0, std::min<size_t>(4, size), "RpmP", std::min<size_t>(4, size));
      EXPECT_FALSE(Parse(ndb).ok()) << size;
      if (size >= 16) {
        SetLe32(bdb, 12, 0x061561);
        EXPECT_FALSE(Parse(bdb).ok()) << size;
      }
    }
  }
}

TEST(RpmDb, TruncatedFilesAreErrors) {
  struct Case {
    const char* path;
    std::vector<size_t> sizes;
  };
  for (const auto& c :
       std::vector<Case>{{"bdb-libuuid-rhel8/Packages", {10, 100, 511, 4096, 4097, 20000, 94208 - 4096, 94207}},
                         {"ndb-sle15-bci/Packages.db", {10, 31, 32, 4095, 5000, 700000, 1374144 - 1}},
                         {"sqlite-cbl-mariner-2.0/rpmdb.sqlite", {10, 99, 100, 4096, 1000000, 3604480 - 4096}}}) {
    std::string db = Fixture(c.path);
    for (size_t n : c.sizes) {
      Status st = Parse(db.substr(0, n));
      ASSERT_FALSE(st.ok()) << c.path << " cut to " << n;
      EXPECT_TRUE(st.error().code() == ErrorCode::kCorrupt) << st.error().message();
    }
  }
}

// Page p of a BDB fixture starts at p * 4096.
constexpr size_t kPage = 4096;

TEST(RpmDb, BerkeleyDbLoopsAndBadChains) {
  const std::string orig = Fixture("bdb-libuuid-rhel8/Packages");
  // Layout of this fixture (4 KiB pages): page 1 is bucket 0's hash page (the instance-counter
  // record), page 2 is bucket 1's, holding key 1 and an off-page item at offset 4079 (first page
  // 3, 80880 bytes); the header fills overflow pages 3..22, chained in order.
  {
    std::string db = orig;
    SetLe32(db, 10 * kPage + 16, 5);  // page 10 -> page 5: a loop
    EXPECT_CORRUPT(Parse(db), "reaches page 5 a second time");
  }
  {
    std::string db = orig;
    SetLe32(db, 3 * kPage + 16, 3);  // page 3 -> itself
    EXPECT_CORRUPT(Parse(db), "reaches page 3 a second time");
  }
  {
    std::string db = orig;
    SetLe32(db, 2 * kPage + 16, 2);  // the bucket's hash page chains to itself
    EXPECT_CORRUPT(Parse(db), "hash bucket 1 reaches page 2 a second time");
  }
  {
    std::string db = orig;
    SetLe32(db, 2 * kPage + 16, 1);  // bucket 1's chain runs into bucket 0's page
    EXPECT_CORRUPT(Parse(db), "a second time");
  }
  {
    std::string db = orig;
    SetLe32(db, 12 * kPage + 16, 0);  // the chain stops early
    EXPECT_CORRUPT(Parse(db), "overflow chain ends at page 0");
  }
  {
    std::string db = orig;
    SetLe32(db, 12 * kPage + 16, 999999);  // and points outside the file
    EXPECT_CORRUPT(Parse(db), "leads outside the file");
  }
  {
    std::string db = orig;
    SetLe32(db, 22 * kPage + 16, 4);  // the chain continues past the value's length
    EXPECT_CORRUPT(Parse(db), "after all 80880 bytes");
  }
  {
    std::string db = orig;
    SetLe16(db, 7 * kPage + 22, 5000);  // an overflow page claims more than a page
    EXPECT_CORRUPT(Parse(db), "overflow page 7 says it holds 5000");
  }
  {
    std::string db = orig;
    db[7 * kPage + 25] = 13;  // not an overflow page
    EXPECT_CORRUPT(Parse(db), "not an overflow page");
  }
  {
    std::string db = orig;
    size_t item = 2 * kPage + 4079;  // the off-page item on page 2
    SetLe32(db, item + 8, 0xfffffff0);
    EXPECT_CORRUPT(Parse(db), "larger than the whole file");
  }
  {
    std::string db = orig;
    SetLe16(db, 2 * kPage + 26 + 2, 10);  // item offset inside the offset array
    EXPECT_CORRUPT(Parse(db), "lies outside the item area");
  }
  {
    std::string db = orig;
    SetLe16(db, 2 * kPage + 20, 30000);  // more item offsets than fit
    EXPECT_CORRUPT(Parse(db), "do not fit in the page");
  }
  {
    std::string db = orig;
    db[2 * kPage + 4079] = 2;  // a duplicate-key item
    EXPECT_CORRUPT(Parse(db), "duplicate-key item");
  }
  {
    std::string db = orig;
    SetLe32(db, 2 * kPage + 8, 7);  // page 2 says it is page 7
    EXPECT_CORRUPT(Parse(db), "wrong page size");
  }
  {
    std::string db = orig;
    SetLe32(db, 72, 1000);  // more buckets than pages
    EXPECT_CORRUPT(Parse(db), "hash buckets");
  }
  {
    std::string db = orig;
    SetLe32(db, 96 + 4, 500);  // bucket 1 mapped outside the file
    EXPECT_CORRUPT(Parse(db), "hash bucket 1 maps to page 501");
  }
  {
    std::string db = orig;
    db[24] = 1;
    Status st = Parse(db);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), ErrorCode::kUnsupported);
  }
  {
    std::string db = orig;
    SetLe32(db, 16, 3);
    Status st = Parse(db);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), ErrorCode::kUnsupported);
  }
}

// Rewrites a little-endian Berkeley DB fixture as a big-endian machine would have written it:
// metadata, page headers, item offsets, off-page references and the instance keys.
std::string SwapBdbByteOrder(std::string db, size_t page_size) {
  auto swap32 = [&](size_t off) { std::reverse(db.begin() + off, db.begin() + off + 4); };
  auto swap16 = [&](size_t off) { std::swap(db[off], db[off + 1]); };
  auto le16 = [&](size_t off) {
    return static_cast<size_t>(static_cast<unsigned char>(db[off]) | static_cast<unsigned char>(db[off + 1]) << 8);
  };
  for (size_t off : {8, 12, 16, 20, 28, 32, 36, 40, 44, 48}) swap32(off);
  for (size_t off = 72; off < 96 + 4 * 32; off += 4) swap32(off);
  for (size_t base = page_size; base < db.size(); base += page_size) {
    char type = db[base + 25];
    if (type == 13 || type == 2) {
      size_t entries = le16(base + 20);
      for (size_t i = 0; i < entries; ++i) {
        size_t item = base + le16(base + 26 + 2 * i);
        if (i % 2 == 0 && db[item] == 1) swap32(item + 1);  // the instance key
        if (db[item] == 3) {
          swap32(item + 4);
          swap32(item + 8);
        }
        swap16(base + 26 + 2 * i);
      }
    }
    for (size_t off : {8, 12, 16}) swap32(base + off);
    swap16(base + 20);
    swap16(base + 22);
  }
  return db;
}

TEST(RpmDb, BerkeleyDbFromBigEndianMachine) {
  for (const char* path : {"bdb-libuuid-rhel8/Packages", "bdb-scalibr-epoch/Packages"}) {
    const std::string le = Fixture(path);
    const std::string be = SwapBdbByteOrder(le, 4096);
    ASSERT_NE(le, be);
    EXPECT_EQ(DetectRpmDbFormat(be), RpmDbFormat::kBerkeleyDb);
    std::vector<Package> from_le, from_be;
    ASSERT_TRUE(ParseRpmDb(le, from_le).ok());
    Status st = ParseRpmDb(be, from_be);
    ASSERT_TRUE(st.ok()) << st.error().message();
    ASSERT_EQ(from_be.size(), 1u);
    EXPECT_EQ(from_be[0].Key(), from_le[0].Key());
    EXPECT_EQ(from_be[0].files, from_le[0].files);
  }
}

TEST(RpmDb, BerkeleyDbWrongPageSizes) {
  const std::string orig = Fixture("bdb-syft-dive/Packages");  // 4 pages of 4096
  for (uint32_t size : {0u, 1u, 1000u, 4095u, 4097u, 100000u, 0x80000000u}) {
    std::string db = orig;
    SetLe32(db, 20, size);
    EXPECT_CORRUPT(Parse(db), "page size " + std::to_string(size));
  }
  {
    std::string db = orig;
    SetLe32(db, 20, 8192);  // 2 pages, but the metadata names page 3 as the last
    EXPECT_CORRUPT(Parse(db), "the file holds 2 pages");
  }
  {
    std::string db = orig;
    SetLe32(db, 20, 65536);
    EXPECT_CORRUPT(Parse(db), "not a multiple of the page size");
  }
  for (uint32_t size : {512u, 1024u, 2048u}) {  // the pages land inside page 0 or in the middle
    std::string db = orig;
    SetLe32(db, 20, size);
    EXPECT_CORRUPT(Parse(db), "wrong page size");
  }
}

TEST(RpmDb, NdbDamage) {
  const std::string orig = Fixture("ndb-sle15-bci/Packages.db");
  auto slot = [](size_t i) { return 32 + 16 * i; };
  size_t blob0 = GetLe32(orig, slot(0) + 8) * 16;
  {
    std::string db = orig;
    db[slot(3)] = 'X';
    std::vector<Package> pkgs;
    EXPECT_CORRUPT(Parse(db, &pkgs), "slot 3 (offset 0x50): bad slot magic");
    EXPECT_EQ(pkgs.size(), 34u);  // the others are still read
  }
  {
    std::string db = orig;
    db[blob0 + 100] ^= 1;  // a flipped bit inside the first header
    std::vector<Package> pkgs;
    EXPECT_CORRUPT(Parse(db, &pkgs), "checksum");
    EXPECT_EQ(pkgs.size(), 34u);
  }
  {
    std::string db = orig;
    SetLe32(db, slot(0) + 8, 0x7fffffff);  // blob past the end of the file
    EXPECT_CORRUPT(Parse(db), "do not lie between");
  }
  {
    std::string db = orig;
    SetLe32(db, slot(0) + 8, 2);  // blob inside the slot pages
    EXPECT_CORRUPT(Parse(db), "do not lie between");
  }
  {
    std::string db = orig;  // slot 1 points at slot 0's blob: overlap
    SetLe32(db, slot(1) + 8, GetLe32(orig, slot(0) + 8));
    SetLe32(db, slot(1) + 12, GetLe32(orig, slot(0) + 12));
    EXPECT_CORRUPT(Parse(db), "do not lie between");
  }
  {
    std::string db = orig;  // slot 1 claims package 1 too
    SetLe32(db, slot(1) + 4, 1);
    EXPECT_CORRUPT(Parse(db), "no blob header for this package");
  }
  {
    std::string db = orig;
    SetLe32(db, blob0 + 12, 0x7ffffff0);  // header length beyond the blob
    EXPECT_CORRUPT(Parse(db), "does not fit the blob");
  }
  {
    std::string db = orig;
    SetLe32(db, 12, 0x100000);  // more slot pages than the file holds
    EXPECT_CORRUPT(Parse(db), "slot pages");
  }
  {
    std::string db = orig;
    SetLe32(db, 4, 1);
    Status st = Parse(db);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code(), ErrorCode::kUnsupported);
  }
  // A well-formed container whose header blob is damaged: the header error names the instance.
  std::string bad_header = HeaderBuilder().Package("p").Build();
  SetBe32(bad_header, 8 + 8, 0x7fff);  // NAME's offset
  EXPECT_CORRUPT(Parse(BuildNdb({{9, bad_header}})), "instance 9: header index entry 0");
}

// Builds an SQLite database in memory with `sql` and returns its bytes.
std::string SqliteImage(const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_free(err);
  sqlite3_int64 size = 0;
  unsigned char* bytes = sqlite3_serialize(db, "main", &size, 0);
  std::string out(reinterpret_cast<char*>(bytes), static_cast<size_t>(size));
  sqlite3_free(bytes);
  sqlite3_close(db);
  return out;
}

std::string SqlBlob(const std::string& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "x'";
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out + "'";
}

TEST(RpmDb, SqliteDamage) {
  EXPECT_CORRUPT(Parse(SqliteImage("CREATE TABLE Other(x);")), "Packages");
  EXPECT_CORRUPT(Parse(SqliteImage("CREATE TABLE Packages(x);")), "Packages");
  // A view that would never finish: views are switched off, so this is an error, not a hang.
  EXPECT_CORRUPT(Parse(SqliteImage("CREATE VIEW Packages AS WITH RECURSIVE c(hnum, blob) AS "
                                   "(SELECT 1, x'' UNION ALL SELECT hnum + 1, blob FROM c) "
                                   "SELECT hnum, blob FROM c;")),
                 "Packages");
  std::vector<Package> pkgs;
  std::string good = SqlBlob(HeaderBuilder().Package("good").Build());
  EXPECT_CORRUPT(Parse(SqliteImage("CREATE TABLE Packages(hnum INTEGER PRIMARY KEY, blob BLOB);"
                                   "INSERT INTO Packages VALUES(1, " +
                                   good +
                                   ");"
                                   "INSERT INTO Packages VALUES(2, 'text');"
                                   "INSERT INTO Packages VALUES(3, NULL);"
                                   "INSERT INTO Packages VALUES(-4, " +
                                   good +
                                   ");"
                                   "INSERT INTO Packages VALUES(5, x'0000');"),
                       &pkgs),
                 // Rows come in rowid order, so -4 is the first error, then 2, 3 and 5.
                 "hnum=-4: hnum is not a header number (1 to 2^32-1) (and 3 more errors)");
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].name, "good");

  // Garbage in the middle of the real database.
  std::string db = Fixture("sqlite-cbl-mariner-2.0/rpmdb.sqlite");
  for (size_t off = 4096; off < 40000; off += 4096) {
    for (size_t i = 0; i < 64; ++i) db[off + 8 + i] = static_cast<char>(0xA5 ^ i);
  }
  Status st = Parse(db);
  EXPECT_FALSE(st.ok());
}

// Random damage to the real files: whatever happens, it must return.
TEST(RpmDb, RandomMutationsTerminate) {
  std::mt19937 rng(7);
  for (const char* path : {"bdb-libuuid-rhel8/Packages", "bdb-scalibr-epoch/Packages", "ndb-sle15-bci/Packages.db",
                           "sqlite-cbl-mariner-2.0/rpmdb.sqlite"}) {
    const std::string orig = Fixture(path);
    int rounds = orig.size() > (1u << 20) ? 20 : 200;
    for (int round = 0; round < rounds; ++round) {
      std::string db = orig;
      int flips = 1 + static_cast<int>(rng() % 16);
      for (int i = 0; i < flips; ++i) db[rng() % db.size()] = static_cast<char>(rng());
      std::vector<Package> pkgs;
      (void)ParseRpmDb(db, pkgs);
    }
  }
}

}  // namespace
}  // namespace vigil::catalog
