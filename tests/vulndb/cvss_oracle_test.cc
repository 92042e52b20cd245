// Differential test of ScoreCvss against two npm implementations (tools/cvss-diff/
// cvss_reference.mjs: @pandatix/js-cvss decides validity, ae-cvss-calculator and js-cvss both
// score). Inputs:
//   * every vector of tests/vulndb/testdata/cvss-vectors.tsv, i.e. every vector in shared/data
//     (and, when ../shared/data is there, a fresh harvest of it, so a stale tsv is noticed);
//   * every base vector of each version: v2.0 729, v3.0 2,592, v3.1 2,592, v4.0 104,976 (a
//     third of them unless VIGIL_CVSS_ORACLE_FULL is set);
//   * seeded random vectors with temporal/threat, environmental and supplemental metrics;
//   * seeded mutations of the data vectors (dropped, repeated, reordered parts, bad values,
//     junk), mostly invalid.
// A disagreement fails the test unless it has one of the documented explanations (docs/CVSS.md):
//   lenient   vigil accepts NVD's "(...)" around a v2 vector, which js-cvss refuses; vigil's
//             canonical form of it is then checked against both references instead;
//   ae-parse  ae-cvss-calculator refuses (or cannot score) a vector js-cvss accepts: only
//             js-cvss's score is compared;
//   pj-v3     js-cvss returns an unrounded v3 base score (3 base vectors, e.g. 7.46 for 7.5);
//   pj-v4     js-cvss rounds down a v4.0 score whose unrounded value is a tie x.x5 (vigil's
//             unrounded score is within 1e-6 of it): FIRST's calculator before its 2024-11 fix
//             did so for values a few ULPs below the tie, and js-cvss's own arithmetic lands
//             below some exact ties.
// ae-cvss-calculator, which follows FIRST's current calculator, must agree exactly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../test_util.h"
#include "vulndb/cvss.h"
#include "vulndb/internal/cvss_internal.h"

namespace vigil::vulndb {
namespace {

namespace fs = std::filesystem;

struct Metric {
  std::string name;
  std::vector<std::string> values;
};

// The grammars again, written from the specifications' tables (not shared with cvss.cc, so that
// a mistake there cannot hide here).
const std::vector<Metric> kV2Base = {{"AV", {"L", "A", "N"}}, {"AC", {"H", "M", "L"}}, {"Au", {"M", "S", "N"}},
                                     {"C", {"N", "P", "C"}},  {"I", {"N", "P", "C"}},  {"A", {"N", "P", "C"}}};
const std::vector<Metric> kV2Other = {{"E", {"U", "POC", "F", "H", "ND"}}, {"RL", {"OF", "TF", "W", "U", "ND"}},
                                      {"RC", {"UC", "UR", "C", "ND"}},     {"CDP", {"N", "L", "LM", "MH", "H", "ND"}},
                                      {"TD", {"N", "L", "M", "H", "ND"}},  {"CR", {"L", "M", "H", "ND"}},
                                      {"IR", {"L", "M", "H", "ND"}},       {"AR", {"L", "M", "H", "ND"}}};
const std::vector<Metric> kV3Base = {{"AV", {"N", "A", "L", "P"}}, {"AC", {"L", "H"}},    {"PR", {"N", "L", "H"}},
                                     {"UI", {"N", "R"}},           {"S", {"U", "C"}},     {"C", {"H", "L", "N"}},
                                     {"I", {"H", "L", "N"}},       {"A", {"H", "L", "N"}}};
const std::vector<Metric> kV3Other = {
    {"E", {"X", "U", "P", "F", "H"}},   {"RL", {"X", "O", "T", "W", "U"}}, {"RC", {"X", "U", "R", "C"}},
    {"CR", {"X", "L", "M", "H"}},       {"IR", {"X", "L", "M", "H"}},      {"AR", {"X", "L", "M", "H"}},
    {"MAV", {"X", "N", "A", "L", "P"}}, {"MAC", {"X", "L", "H"}},          {"MPR", {"X", "N", "L", "H"}},
    {"MUI", {"X", "N", "R"}},           {"MS", {"X", "U", "C"}},           {"MC", {"X", "N", "L", "H"}},
    {"MI", {"X", "N", "L", "H"}},       {"MA", {"X", "N", "L", "H"}}};
const std::vector<Metric> kV4Base = {{"AV", {"N", "A", "L", "P"}}, {"AC", {"L", "H"}},      {"AT", {"N", "P"}},
                                     {"PR", {"N", "L", "H"}},      {"UI", {"N", "P", "A"}}, {"VC", {"H", "L", "N"}},
                                     {"VI", {"H", "L", "N"}},      {"VA", {"H", "L", "N"}}, {"SC", {"H", "L", "N"}},
                                     {"SI", {"H", "L", "N"}},      {"SA", {"H", "L", "N"}}};
const std::vector<Metric> kV4Other = {{"E", {"X", "A", "P", "U"}},
                                      {"CR", {"X", "H", "M", "L"}},
                                      {"IR", {"X", "H", "M", "L"}},
                                      {"AR", {"X", "H", "M", "L"}},
                                      {"MAV", {"X", "N", "A", "L", "P"}},
                                      {"MAC", {"X", "L", "H"}},
                                      {"MAT", {"X", "N", "P"}},
                                      {"MPR", {"X", "N", "L", "H"}},
                                      {"MUI", {"X", "N", "P", "A"}},
                                      {"MVC", {"X", "H", "L", "N"}},
                                      {"MVI", {"X", "H", "L", "N"}},
                                      {"MVA", {"X", "H", "L", "N"}},
                                      {"MSC", {"X", "H", "L", "N"}},
                                      {"MSI", {"X", "S", "H", "L", "N"}},
                                      {"MSA", {"X", "S", "H", "L", "N"}},
                                      {"S", {"X", "N", "P"}},
                                      {"AU", {"X", "N", "Y"}},
                                      {"R", {"X", "A", "U", "I"}},
                                      {"V", {"X", "D", "C"}},
                                      {"RE", {"X", "L", "M", "H"}},
                                      {"U", {"X", "Clear", "Green", "Amber", "Red"}}};

std::string Join(const std::vector<std::string>& parts, const std::string& prefix) {
  std::string out = prefix;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + parts[i];
  return out;
}

// Every combination of the base metrics' values (every `stride`-th one).
void AddBaseSpace(const std::vector<Metric>& base, const std::string& prefix, std::vector<std::string>& out,
                  size_t stride = 1) {
  std::vector<size_t> idx(base.size(), 0);
  for (size_t n = 0;; ++n) {
    std::vector<std::string> parts;
    for (size_t i = 0; i < base.size(); ++i) parts.push_back(base[i].name + ":" + base[i].values[idx[i]]);
    if (n % stride == 0) out.push_back(Join(parts, prefix));
    size_t i = base.size();
    while (i > 0 && ++idx[i - 1] == base[i - 1].values.size()) idx[--i] = 0;
    if (i == 0) return;
  }
}

// Random base values and, each with probability 1/2, each other metric (any value, X included).
// `shuffle`: also shuffle the order of the parts in a quarter of the vectors.
void AddRandom(const std::vector<Metric>& base, const std::vector<Metric>& other, const std::string& prefix, size_t n,
               bool shuffle, std::mt19937& rng, std::vector<std::string>& out) {
  auto pick = [&rng](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  for (size_t k = 0; k < n; ++k) {
    std::vector<std::string> parts;
    for (const Metric& m : base) parts.push_back(m.name + ":" + pick(m.values));
    for (const Metric& m : other) {
      if (rng() % 2) parts.push_back(m.name + ":" + pick(m.values));
    }
    if (shuffle && rng() % 4 == 0) std::shuffle(parts.begin(), parts.end(), rng);
    out.push_back(Join(parts, prefix));
  }
}

// v2: random base values, then the temporal group and the environmental group, each whole (ND
// allowed) with probability 1/2, in the guide's order; one in ten inside parentheses.
void AddRandomV2(size_t n, std::mt19937& rng, std::vector<std::string>& out) {
  auto pick = [&rng](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  for (size_t k = 0; k < n; ++k) {
    std::vector<std::string> parts;
    for (const Metric& m : kV2Base) parts.push_back(m.name + ":" + pick(m.values));
    bool temporal = rng() % 2;
    bool environmental = rng() % 2;
    for (size_t i = 0; i < kV2Other.size(); ++i) {
      if (i < 3 ? temporal : environmental) parts.push_back(kV2Other[i].name + ":" + pick(kV2Other[i].values));
    }
    std::string v = Join(parts, "");
    out.push_back(rng() % 10 == 0 ? "(" + v + ")" : v);  // NVD's form now and then
  }
}

// Small corruptions of a valid vector.
std::string Mutate(const std::string& v, std::mt19937& rng) {
  std::string prefix;
  std::string body = v;
  if (v.starts_with("CVSS:")) {
    prefix = v.substr(0, v.find('/') + 1);
    body = v.substr(prefix.size());
  }
  std::vector<std::string> parts;
  std::stringstream ss(body);
  for (std::string p; std::getline(ss, p, '/');) parts.push_back(p);
  size_t i = rng() % parts.size();
  static const char* kJunk[] = {"", "Q", "x", "HH", "X", "ND", "N ", "-", "Clear", "S"};
  switch (rng() % 12) {
    case 0:
      parts.erase(parts.begin() + i);
      break;  // drop a metric
    case 1:
      parts.push_back(parts[i]);
      break;  // repeat one
    case 2:
      std::swap(parts[i], parts[rng() % parts.size()]);
      break;  // reorder
    case 3:
      parts[i] = parts[i].substr(0, parts[i].find(':') + 1) + kJunk[rng() % std::size(kJunk)];
      break;
    case 4:
      std::transform(parts[i].begin(), parts[i].end(), parts[i].begin(), ::tolower);
      break;
    case 5:
      return v + "/";
    case 6:
      return "/" + v;
    case 7:
      return v + "/" + parts[i].substr(0, parts[i].find(':')) + "X:N";
    case 8:
      return prefix.empty() ? "CVSS:3.1/" + v : "CVSS:3.2/" + body;
    case 9:
      return prefix.empty() ? "(" + v + ")" : body;  // v2 in parentheses; v3/v4 without prefix
    case 10:
      parts[i] = parts[i].substr(0, parts[i].find(':'));
      break;  // no value
    default: {
      std::string out = v;
      out[rng() % out.size()] = "/:AXN(). "[rng() % 9];
      return out;
    }
  }
  return Join(parts, prefix);
}

// Runs cvss_reference.mjs over `vectors`; its output rows keyed by vector.
std::map<std::string, std::vector<std::string>> RunReference(const std::vector<std::string>& vectors) {
  fs::path dir = fs::temp_directory_path() / ("vigil-cvss-oracle-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream in(dir / "in.txt");
    for (const std::string& v : vectors) in << v << "\n";
  }
  std::string cmd = "node " + testing::SourceDir() + "/tools/cvss-diff/cvss_reference.mjs < " +
                    (dir / "in.txt").string() + " > " + (dir / "out.txt").string();
  int rc = std::system(cmd.c_str());
  std::map<std::string, std::vector<std::string>> rows;
  if (rc != 0) {
    ADD_FAILURE() << "the reference failed (" << rc << "): " << cmd
                  << "\nIt needs node and tests/tools/node_modules (scripts/setup.sh --test).";
    fs::remove_all(dir);
    return rows;
  }
  std::ifstream out(dir / "out.txt");
  for (std::string line; std::getline(out, line);) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string field; std::getline(ss, field, '\t');) f.push_back(field);
    if (f.size() == 7) rows[f[0]] = f;
  }
  fs::remove_all(dir);
  EXPECT_EQ(rows.size(), std::set<std::string>(vectors.begin(), vectors.end()).size())
      << "the reference did not answer every vector";
  return rows;
}

bool OneDecimal(double x) { return std::round(x * 10) / 10 == x; }

// The '/'-separated parts of `v` without prefix and parentheses, minus "Not Defined" optional
// values, sorted: equal for a vector and its canonical form iff they differ only in order.
std::vector<std::string> PartSet(std::string v) {
  if (v.starts_with("CVSS:")) v = v.substr(v.find('/') + 1);
  if (v.starts_with("(") && v.ends_with(")")) v = v.substr(1, v.size() - 2);
  std::vector<std::string> parts;
  std::stringstream ss(v);
  for (std::string p; std::getline(ss, p, '/');) {
    if (!p.ends_with(":X") && !p.ends_with(":ND")) parts.push_back(p);
  }
  std::sort(parts.begin(), parts.end());
  return parts;
}

struct Tally {
  std::map<std::string, std::map<std::string, int>> by_version;  // version -> outcome -> count
  std::vector<std::string> failures;
  void Add(const std::string& version, const std::string& outcome) { ++by_version[version][outcome]; }
  void Fail(const std::string& version, const std::string& what) {
    Add(version, "DISAGREEMENT");
    failures.push_back(what);
  }
};

std::string VersionOf(const std::string& v) {
  for (const char* p : {"4.0", "3.1", "3.0"}) {
    if (v.starts_with(std::string("CVSS:") + p + "/")) return p;
  }
  return v.starts_with("CVSS:") ? "other" : "2.0";
}

// Compares vigil's scores of `input` with the references' row for `ref_vector` (the input
// itself, or its canonical form for a lenient acceptance).
void CompareScores(const std::string& input, const CvssScore& s, const std::vector<std::string>& ref,
                   const std::string& kind, Tally& t) {
  const std::string version(CvssVersionName(s.version));
  const bool v4 = s.version == CvssVersion::kV40;
  std::ostringstream vigil;
  vigil << s.base_score << "/" << s.score << (v4 ? "/" + s.nomenclature : "");
  // ae-cvss-calculator: must agree exactly whenever it scores the vector.
  if (ref[4] == "invalid") {
    t.Add(version, "ae-parse");
  } else {
    bool same = std::stod(ref[4]) == s.base_score && std::stod(ref[5]) == s.score && (!v4 || ref[6] == s.nomenclature);
    if (!same) {
      t.Fail(version,
             input + ": ae-cvss-calculator " + ref[4] + "/" + ref[5] + "/" + ref[6] + ", vigil " + vigil.str());
      return;
    }
  }
  // @pandatix/js-cvss: equal, or one of the explained differences.
  const double pj_base = std::stod(ref[1]);
  const double pj_score = std::stod(ref[2]);
  if (pj_base == s.base_score && pj_score == s.score && (!v4 || ref[3] == s.nomenclature)) {
    t.Add(version, kind);
    return;
  }
  if (!v4) {
    if (pj_base == pj_score && !OneDecimal(pj_base) && std::abs(pj_base - s.base_score) < 0.1) {
      t.Add(version, "pj-v3: js-cvss returns the base score unrounded");
      return;
    }
  } else if (ref[3] == s.nomenclature) {
    Result<internal::UnroundedCvssV4> raw = internal::UnroundedCvssV4Scores(input);
    // js-cvss rounds down a score whose unrounded value is (within 1e-6) a tie x.x5: FIRST's
    // calculator before its 2024-11 fix did the same for values a few ULPs below the tie, and
    // js-cvss's own arithmetic (integer severity steps) lands below some exact ties.
    auto explain = [](double pj, double vigil, double unrounded) -> std::string {
      if (pj == vigil) return "";
      const double tenths = unrounded * 10;
      const double below = std::floor(tenths + 1e-5);
      const bool tie = std::abs(tenths - (below + 0.5)) < 1e-5;
      if (tie && std::round(pj * 10) == below && std::round(vigil * 10) == below + 1) {
        return "pj-v4: js-cvss rounds a tie at x.x5 down";
      }
      return "?";
    };
    if (raw.ok()) {
      std::string why_base = explain(pj_base, s.base_score, raw->base);
      std::string why_score = explain(pj_score, s.score, raw->score);
      if (why_base != "?" && why_score != "?") {
        t.Add(version, why_base.empty() ? why_score : why_base);
        return;
      }
    }
  }
  t.Fail(version, input + ": js-cvss " + ref[1] + "/" + ref[2] + "/" + ref[3] + ", vigil " + vigil.str());
}

TEST(CvssOracleTest, AgreesWithTheNpmReferences) {
  std::vector<std::string> inputs;
  std::vector<std::string> data;
  {
    std::ifstream in(testing::TestData("vulndb", "cvss-vectors.tsv"));
    ASSERT_TRUE(in);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line[0] != '#') data.push_back(line.substr(0, line.find('\t')));
    }
  }
  // A fresh harvest of shared/data, where it is beside the repository, must find nothing that the
  // committed tsv lacks.
  fs::path shared = fs::path(testing::SourceDir()).parent_path() / "shared" / "data";
  if (fs::is_directory(shared)) {
    fs::path out = fs::temp_directory_path() / ("vigil-cvss-harvest-" + std::to_string(::getpid()));
    std::string cmd =
        "python3 " + testing::SourceDir() + "/tools/cvss-diff/harvest.py " + shared.string() + " > " + out.string();
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream in(out);
    std::set<std::string> known(data.begin(), data.end());
    int stale = 0;
    for (std::string v; std::getline(in, v);) {
      if (!known.count(v)) {
        ++stale;
        data.push_back(v);
        ADD_FAILURE() << "in shared/data but not in cvss-vectors.tsv (regenerate it, see its header): " << v;
      }
    }
    fs::remove(out);
    std::printf("harvest of %s: %s\n", shared.c_str(), stale ? "the tsv is stale" : "the tsv is up to date");
  }
  // The references take about 1 ms per v4.0 vector, so by default a third of the v4.0 base space
  // and fewer random vectors are checked (about two minutes on two cores);
  // VIGIL_CVSS_ORACLE_FULL=1 checks all of it (docs/CVSS.md records that run).
  const bool full = std::getenv("VIGIL_CVSS_ORACLE_FULL") != nullptr;
  inputs = data;
  AddBaseSpace(kV2Base, "", inputs);
  AddBaseSpace(kV3Base, "CVSS:3.0/", inputs);
  AddBaseSpace(kV3Base, "CVSS:3.1/", inputs);
  AddBaseSpace(kV4Base, "CVSS:4.0/", inputs, full ? 1 : 3);
  std::mt19937 rng(20240401);
  AddRandomV2(3000, rng, inputs);
  AddRandom(kV2Base, kV2Other, "", 500, true, rng, inputs);  // partial groups, shuffled: invalid
  AddRandom(kV3Base, kV3Other, "CVSS:3.0/", 5000, true, rng, inputs);
  AddRandom(kV3Base, kV3Other, "CVSS:3.1/", 5000, true, rng, inputs);
  AddRandom(kV4Base, kV4Other, "CVSS:4.0/", full ? 50000 : 10000, false, rng, inputs);
  AddRandom(kV4Base, kV4Other, "CVSS:4.0/", 1000, true, rng, inputs);  // a quarter shuffled: invalid
  std::vector<std::string> valid_data;
  for (const std::string& v : data) {
    if (ScoreCvss(v).ok()) valid_data.push_back(v);
  }
  for (int k = 0; k < 10000; ++k) inputs.push_back(Mutate(valid_data[rng() % valid_data.size()], rng));
  std::sort(inputs.begin(), inputs.end());
  inputs.erase(std::unique(inputs.begin(), inputs.end()), inputs.end());

  auto refs = RunReference(inputs);
  ASSERT_FALSE(refs.empty());

  Tally t;
  std::vector<std::pair<std::string, CvssScore>> lenient;  // input, vigil's scores
  for (const std::string& v : inputs) {
    auto it = refs.find(v);
    if (it == refs.end()) {
      t.Fail(VersionOf(v), v + ": no answer from the reference");
      continue;
    }
    const std::vector<std::string>& ref = it->second;
    Result<CvssScore> s = ScoreCvss(v);
    const bool pj_valid = ref[1] != "invalid";
    if (!pj_valid && !s.ok()) {
      t.Add(VersionOf(v), "invalid, both");
      continue;
    }
    if (pj_valid && !s.ok()) {
      t.Fail(VersionOf(v), v + ": js-cvss scores it " + ref[1] + ", vigil refuses it: " + s.error().message());
      continue;
    }
    if (!pj_valid) {
      // The one documented leniency: NVD's parentheses around a v2 vector.
      if (v.starts_with("(") && PartSet(v) == PartSet(s->vector)) {
        lenient.emplace_back(v, *s);
      } else {
        t.Fail(VersionOf(v), v + ": js-cvss refuses it (" + ref[3] + "), vigil scores it " + std::to_string(s->score) +
                                 " as " + s->vector);
      }
      continue;
    }
    CompareScores(v, *s, ref, "valid, equal", t);
  }
  if (!lenient.empty()) {
    std::vector<std::string> canonical;
    for (const auto& [v, s] : lenient) canonical.push_back(s.vector);
    auto crefs = RunReference(canonical);
    for (const auto& [v, s] : lenient) {
      auto it = crefs.find(s.vector);
      if (it == crefs.end() || it->second[1] == "invalid") {
        t.Fail(VersionOf(v), v + ": js-cvss refuses even its canonical form " + s.vector);
        continue;
      }
      CompareScores(v, s, it->second, "lenient: v2 in parentheses, the canonical form scores equal", t);
    }
  }

  for (const auto& [version, outcomes] : t.by_version) {
    int total = 0;
    for (const auto& [outcome, n] : outcomes) total += n;
    std::printf("CVSS %s: %d vectors\n", version.c_str(), total);
    for (const auto& [outcome, n] : outcomes) std::printf("  %7d  %s\n", n, outcome.c_str());
  }
  for (size_t i = 0; i < t.failures.size() && i < 50; ++i) ADD_FAILURE() << t.failures[i];
  EXPECT_EQ(t.failures.size(), 0u) << "disagreements (first 50 above)";
}

}  // namespace
}  // namespace vigil::vulndb
