#include "vulndb/cvss.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

#include "vulndb/internal/cvss_internal.h"

namespace vigil::vulndb {
namespace {

// ---------------------------------------------------------------------------------------------
// Grammar: one table per version, in the order of the specification's vector-string table
// (v2 guide table 13, v3.x table 15, v4.0 table 23). Value lists are in the order the
// specification lists them; scoring code below relies on these positions.

// Metric groups. v4.0's threat group takes the place of v2/v3's temporal group.
enum Group { kBase, kTemporal, kEnvironmental, kSupplemental };

struct MetricSpec {
  std::string_view name;
  std::array<std::string_view, 6> values;  // unused slots are empty
  Group group;                             // kBase metrics are mandatory
};

constexpr size_t kMaxMetrics = 32;  // v4.0 has 32 metrics, the most
// Per metric of a grammar: the index of its value in MetricSpec::values, -1 when absent.
using MetricValues = std::array<int8_t, kMaxMetrics>;

constexpr MetricSpec kV2Metrics[] = {
    {"AV", {"L", "A", "N"}, kBase},
    {"AC", {"H", "M", "L"}, kBase},
    {"Au", {"M", "S", "N"}, kBase},
    {"C", {"N", "P", "C"}, kBase},
    {"I", {"N", "P", "C"}, kBase},
    {"A", {"N", "P", "C"}, kBase},
    {"E", {"U", "POC", "F", "H", "ND"}, kTemporal},
    {"RL", {"OF", "TF", "W", "U", "ND"}, kTemporal},
    {"RC", {"UC", "UR", "C", "ND"}, kTemporal},
    {"CDP", {"N", "L", "LM", "MH", "H", "ND"}, kEnvironmental},
    {"TD", {"N", "L", "M", "H", "ND"}, kEnvironmental},
    {"CR", {"L", "M", "H", "ND"}, kEnvironmental},
    {"IR", {"L", "M", "H", "ND"}, kEnvironmental},
    {"AR", {"L", "M", "H", "ND"}, kEnvironmental},
};
enum V2 { kV2AV, kV2AC, kV2Au, kV2C, kV2I, kV2A };

constexpr MetricSpec kV3Metrics[] = {
    {"AV", {"N", "A", "L", "P"}, kBase},
    {"AC", {"L", "H"}, kBase},
    {"PR", {"N", "L", "H"}, kBase},
    {"UI", {"N", "R"}, kBase},
    {"S", {"U", "C"}, kBase},
    {"C", {"H", "L", "N"}, kBase},
    {"I", {"H", "L", "N"}, kBase},
    {"A", {"H", "L", "N"}, kBase},
    {"E", {"X", "U", "P", "F", "H"}, kTemporal},
    {"RL", {"X", "O", "T", "W", "U"}, kTemporal},
    {"RC", {"X", "U", "R", "C"}, kTemporal},
    {"CR", {"X", "L", "M", "H"}, kEnvironmental},
    {"IR", {"X", "L", "M", "H"}, kEnvironmental},
    {"AR", {"X", "L", "M", "H"}, kEnvironmental},
    {"MAV", {"X", "N", "A", "L", "P"}, kEnvironmental},
    {"MAC", {"X", "L", "H"}, kEnvironmental},
    {"MPR", {"X", "N", "L", "H"}, kEnvironmental},
    {"MUI", {"X", "N", "R"}, kEnvironmental},
    {"MS", {"X", "U", "C"}, kEnvironmental},
    {"MC", {"X", "N", "L", "H"}, kEnvironmental},
    {"MI", {"X", "N", "L", "H"}, kEnvironmental},
    {"MA", {"X", "N", "L", "H"}, kEnvironmental},
};
enum V3 { kV3AV, kV3AC, kV3PR, kV3UI, kV3S, kV3C, kV3I, kV3A };

constexpr MetricSpec kV4Metrics[] = {
    // Base
    {"AV", {"N", "A", "L", "P"}, kBase},
    {"AC", {"L", "H"}, kBase},
    {"AT", {"N", "P"}, kBase},
    {"PR", {"N", "L", "H"}, kBase},
    {"UI", {"N", "P", "A"}, kBase},
    {"VC", {"H", "L", "N"}, kBase},
    {"VI", {"H", "L", "N"}, kBase},
    {"VA", {"H", "L", "N"}, kBase},
    {"SC", {"H", "L", "N"}, kBase},
    {"SI", {"H", "L", "N"}, kBase},
    {"SA", {"H", "L", "N"}, kBase},
    // Threat
    {"E", {"X", "A", "P", "U"}, kTemporal},
    // Environmental
    {"CR", {"X", "H", "M", "L"}, kEnvironmental},
    {"IR", {"X", "H", "M", "L"}, kEnvironmental},
    {"AR", {"X", "H", "M", "L"}, kEnvironmental},
    {"MAV", {"X", "N", "A", "L", "P"}, kEnvironmental},
    {"MAC", {"X", "L", "H"}, kEnvironmental},
    {"MAT", {"X", "N", "P"}, kEnvironmental},
    {"MPR", {"X", "N", "L", "H"}, kEnvironmental},
    {"MUI", {"X", "N", "P", "A"}, kEnvironmental},
    {"MVC", {"X", "H", "L", "N"}, kEnvironmental},
    {"MVI", {"X", "H", "L", "N"}, kEnvironmental},
    {"MVA", {"X", "H", "L", "N"}, kEnvironmental},
    {"MSC", {"X", "H", "L", "N"}, kEnvironmental},
    {"MSI", {"X", "S", "H", "L", "N"}, kEnvironmental},
    {"MSA", {"X", "S", "H", "L", "N"}, kEnvironmental},
    // Supplemental (validated, never scored)
    {"S", {"X", "N", "P"}, kSupplemental},
    {"AU", {"X", "N", "Y"}, kSupplemental},
    {"R", {"X", "A", "U", "I"}, kSupplemental},
    {"V", {"X", "D", "C"}, kSupplemental},
    {"RE", {"X", "L", "M", "H"}, kSupplemental},
    {"U", {"X", "Clear", "Green", "Amber", "Red"}, kSupplemental},
};
// clang-format off
enum V4 {
  kV4AV, kV4AC, kV4AT, kV4PR, kV4UI, kV4VC, kV4VI, kV4VA, kV4SC, kV4SI, kV4SA,  // base
  kV4E,                                                                          // threat
  kV4CR, kV4IR, kV4AR,                                                           // environmental
  kV4MAV, kV4MAC, kV4MAT, kV4MPR, kV4MUI, kV4MVC, kV4MVI, kV4MVA, kV4MSC, kV4MSI, kV4MSA,
};
// clang-format on

struct Grammar {
  CvssVersion version;
  std::string_view label;   // "v3.1", for messages
  std::string_view prefix;  // "CVSS:3.1/"; "" for v2
  std::span<const MetricSpec> metrics;
  std::string_view not_defined;  // the "Not Defined" value: "X", v2 "ND"
  // Metrics must come in the table's order. v2 guide section 2.4: "a predetermined order";
  // v4.0 specification section 7: "every other ordering is invalid". v3.x section 6: "Programs
  // reading CVSS v3.1 vector strings must accept metrics in any order".
  bool ordered;
  // v2: a temporal or environmental group is given whole or not at all ("If a temporal or
  // environmental metric is not to be used, it is given a value of ND"); v3/v4 metrics are
  // optional one by one.
  bool whole_groups;
};

constexpr Grammar kV2{CvssVersion::kV2, "v2", "", kV2Metrics, "ND", true, true};
constexpr Grammar kV30{CvssVersion::kV30, "v3.0", "CVSS:3.0/", kV3Metrics, "X", false, false};
constexpr Grammar kV31{CvssVersion::kV31, "v3.1", "CVSS:3.1/", kV3Metrics, "X", false, false};
constexpr Grammar kV40{CvssVersion::kV40, "v4.0", "CVSS:4.0/", kV4Metrics, "X", true, false};

// ---------------------------------------------------------------------------------------------
// Parsing

// `text` quoted for a message; long parts are cut so that one bad part cannot flood a log.
std::string Quote(std::string_view text) {
  constexpr size_t kMax = 40;
  if (text.size() <= kMax) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, kMax)) + "...'";
}

Error Invalid(std::string_view label, const std::string& what) {
  std::string message = "invalid CVSS ";
  if (!label.empty()) message += std::string(label) + " ";
  return InvalidArgument(message + "vector: " + what);
}

std::string ValueList(const MetricSpec& spec) {
  std::string out;
  for (std::string_view v : spec.values) {
    if (v.empty()) break;
    if (!out.empty()) out += ", ";
    out += v;
  }
  return out;
}

// Parses the "/"-separated NAME:VALUE parts of `text`, which starts at byte `offset` of the
// caller's input (offsets in messages are into that input).
Result<MetricValues> ParseMetrics(const Grammar& g, std::string_view text, size_t offset) {
  MetricValues values;
  values.fill(-1);
  std::array<size_t, kMaxMetrics> seen_at{};
  int last = -1;  // the metric before, for the order check
  size_t pos = 0;
  while (true) {
    size_t slash = text.find('/', pos);
    std::string_view part = text.substr(pos, slash == std::string_view::npos ? slash : slash - pos);
    size_t at = offset + pos;
    std::string where = " at offset " + std::to_string(at);
    if (part.empty()) {
      bool at_end = slash == std::string_view::npos;
      return Invalid(g.label, std::string(at_end ? "nothing after the '/'" : "empty metric") + where);
    }
    size_t colon = part.find(':');
    if (colon == std::string_view::npos) {
      return Invalid(g.label, Quote(part) + where + " is not a metric (NAME:VALUE)");
    }
    std::string_view name = part.substr(0, colon);
    std::string_view value = part.substr(colon + 1);
    size_t i = 0;
    while (i < g.metrics.size() && g.metrics[i].name != name) ++i;
    if (i == g.metrics.size()) return Invalid(g.label, "unknown metric " + Quote(name) + where);
    const MetricSpec& spec = g.metrics[i];
    if (values[i] >= 0) {
      return Invalid(g.label,
                     "metric " + Quote(name) + where + " repeats the one at offset " + std::to_string(seen_at[i]));
    }
    if (g.ordered && last >= 0 && static_cast<int>(i) < last) {
      return Invalid(g.label, "metric " + Quote(name) + where + " is out of order: the " + std::string(g.label) +
                                  " order puts it before " + Quote(g.metrics[last].name) + " (at offset " +
                                  std::to_string(seen_at[last]) + ")");
    }
    last = static_cast<int>(i);
    size_t j = 0;
    while (j < spec.values.size() && !spec.values[j].empty() && spec.values[j] != value) ++j;
    if (j == spec.values.size() || spec.values[j].empty()) {
      return Invalid(g.label, Quote(value) + " is not a value of metric " + Quote(name) + where + " (expected one of " +
                                  ValueList(spec) + ")");
    }
    values[i] = static_cast<int8_t>(j);
    seen_at[i] = at;
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  for (Group group : {kBase, kTemporal, kEnvironmental}) {
    std::string missing;
    int n_given = 0;
    int n_missing = 0;
    for (size_t i = 0; i < g.metrics.size(); ++i) {
      if (g.metrics[i].group != group) continue;
      if (values[i] >= 0) {
        ++n_given;
      } else {
        missing += (n_missing++ ? ", " : "") + Quote(g.metrics[i].name);
      }
    }
    if (n_missing == 0 || (group != kBase && (!g.whole_groups || n_given == 0))) continue;
    if (group == kBase) {
      return Invalid(g.label, std::string(n_missing == 1 ? "missing base metric " : "missing base metrics ") + missing);
    }
    return Invalid(g.label, std::string(group == kTemporal ? "temporal" : "environmental") +
                                " metrics come as a whole group (ND where not defined); missing " + missing);
  }
  return values;
}

std::string Canonical(const Grammar& g, const MetricValues& values) {
  std::string out(g.prefix);
  bool first = true;
  for (size_t i = 0; i < g.metrics.size(); ++i) {
    if (values[i] < 0) continue;
    std::string_view value = g.metrics[i].values[values[i]];
    // v2 keeps its NDs: its groups are given whole.
    if (g.metrics[i].group != kBase && !g.whole_groups && value == g.not_defined) continue;
    if (!first) out += '/';
    first = false;
    out += g.metrics[i].name;
    out += ':';
    out += value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// v2.0: the base equation of the CVSS v2 guide, section 3.2.1.

double ScoreV2(const MetricValues& m) {
  static constexpr double kAccessVector[] = {0.395, 0.646, 1.0};     // L, A, N
  static constexpr double kAccessComplexity[] = {0.35, 0.61, 0.71};  // H, M, L
  static constexpr double kAuthentication[] = {0.45, 0.56, 0.704};   // M, S, N
  static constexpr double kImpact[] = {0.0, 0.275, 0.660};           // N, P, C
  double impact = 10.41 * (1 - (1 - kImpact[m[kV2C]]) * (1 - kImpact[m[kV2I]]) * (1 - kImpact[m[kV2A]]));
  double exploitability = 20 * kAccessVector[m[kV2AV]] * kAccessComplexity[m[kV2AC]] * kAuthentication[m[kV2Au]];
  // f(Impact) = 0 makes the product 0 (or -0, which must not reach the caller).
  if (impact == 0) return 0.0;
  double base = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * 1.176;
  return std::round(base * 10) / 10;
}

// ---------------------------------------------------------------------------------------------
// v3.0 and v3.1: the base equations of the specification documents (v3.1 section 7.1). The
// products are evaluated in the order FIRST's calculators use, so that the doubles are equal.

// v3.1 Roundup (specification appendix A): work on an integer number of 1/100000 so that a
// value like 4.000000000000001 (a floating-point artefact of 4.0) is not rounded up to 4.1.
double RoundupV31(double x) {
  auto scaled = static_cast<int64_t>(std::round(x * 100000));
  if (scaled % 10000 == 0) return static_cast<double>(scaled) / 100000.0;
  return static_cast<double>(scaled / 10000 + 1) / 10.0;
}

// v3.0 Roundup: "the smallest number, specified to one decimal place, that is equal to or higher
// than its input". Over the base metrics it never differs from RoundupV31 in double arithmetic
// (all 2,592 base vectors checked), and both npm references use the v3.1 function for 3.0.
double RoundupV30(double x) { return std::ceil(x * 10) / 10; }

double ScoreV3(const MetricValues& m, bool v31) {
  static constexpr double kAttackVector[] = {0.85, 0.62, 0.55, 0.2};    // N, A, L, P
  static constexpr double kAttackComplexity[] = {0.77, 0.44};           // L, H
  static constexpr double kPrivilegesUnchanged[] = {0.85, 0.62, 0.27};  // N, L, H
  static constexpr double kPrivilegesChanged[] = {0.85, 0.68, 0.5};
  static constexpr double kUserInteraction[] = {0.85, 0.62};  // N, R
  static constexpr double kCia[] = {0.56, 0.22, 0.0};         // H, L, N
  bool changed = m[kV3S] == 1;
  double iss = 1 - ((1 - kCia[m[kV3C]]) * (1 - kCia[m[kV3I]]) * (1 - kCia[m[kV3A]]));
  double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  double privileges = (changed ? kPrivilegesChanged : kPrivilegesUnchanged)[m[kV3PR]];
  double exploitability =
      8.22 * kAttackVector[m[kV3AV]] * kAttackComplexity[m[kV3AC]] * privileges * kUserInteraction[m[kV3UI]];
  if (impact <= 0) return 0.0;
  double sum = changed ? std::min((exploitability + impact) * 1.08, 10.0) : std::min(exploitability + impact, 10.0);
  return v31 ? RoundupV31(sum) : RoundupV30(sum);
}

// ---------------------------------------------------------------------------------------------
// v4.0: the MacroVector method of the specification (section 8) as FIRST's calculator
// implements it: the vector's MacroVector (EQ1..EQ6) gives the score of its highest-severity
// vectors (table below); the score is lowered by the mean, over the EQs that have a lower
// MacroVector, of (score drop to that MacroVector) x (the vector's severity distance from the
// highest-severity vector / the depth of the EQ).

// Macrovector scores, in tenths, keyed by the digits EQ1..EQ6. The numbers are data transcribed
// from FIRST's CVSS v4.0 calculator (cvss_lookup.js, github.com/FIRSTdotorg/cvss-v4-calculator),
// which the v4.0 specification document refers to for them; 270 MacroVectors exist.
struct MacroScore {
  char key[7];
  int8_t tenths;
};
// clang-format off
constexpr MacroScore kMacroScores[] = {
    {"000000", 100}, {"000001", 99}, {"000010", 98}, {"000011", 95}, {"000020", 95}, {"000021", 92},
    {"000100", 100}, {"000101", 96}, {"000110", 93}, {"000111", 87}, {"000120", 91}, {"000121", 81},
    {"000200", 93}, {"000201", 90}, {"000210", 89}, {"000211", 80}, {"000220", 81}, {"000221", 68},
    {"001000", 98}, {"001001", 95}, {"001010", 95}, {"001011", 92}, {"001020", 90}, {"001021", 84},
    {"001100", 93}, {"001101", 92}, {"001110", 89}, {"001111", 81}, {"001120", 81}, {"001121", 65},
    {"001200", 88}, {"001201", 80}, {"001210", 78}, {"001211", 70}, {"001220", 69}, {"001221", 48},
    {"002001", 92}, {"002011", 82}, {"002021", 72}, {"002101", 79}, {"002111", 69}, {"002121", 50},
    {"002201", 69}, {"002211", 55}, {"002221", 27}, {"010000", 99}, {"010001", 97}, {"010010", 95},
    {"010011", 92}, {"010020", 92}, {"010021", 85}, {"010100", 95}, {"010101", 91}, {"010110", 90},
    {"010111", 83}, {"010120", 84}, {"010121", 71}, {"010200", 92}, {"010201", 81}, {"010210", 82},
    {"010211", 71}, {"010220", 72}, {"010221", 53}, {"011000", 95}, {"011001", 93}, {"011010", 92},
    {"011011", 85}, {"011020", 85}, {"011021", 73}, {"011100", 92}, {"011101", 82}, {"011110", 80},
    {"011111", 72}, {"011120", 70}, {"011121", 59}, {"011200", 84}, {"011201", 70}, {"011210", 71},
    {"011211", 52}, {"011220", 50}, {"011221", 30}, {"012001", 86}, {"012011", 75}, {"012021", 52},
    {"012101", 71}, {"012111", 52}, {"012121", 29}, {"012201", 63}, {"012211", 29}, {"012221", 17},
    {"100000", 98}, {"100001", 95}, {"100010", 94}, {"100011", 87}, {"100020", 91}, {"100021", 81},
    {"100100", 94}, {"100101", 89}, {"100110", 86}, {"100111", 74}, {"100120", 77}, {"100121", 64},
    {"100200", 87}, {"100201", 75}, {"100210", 74}, {"100211", 63}, {"100220", 63}, {"100221", 49},
    {"101000", 94}, {"101001", 89}, {"101010", 88}, {"101011", 77}, {"101020", 76}, {"101021", 67},
    {"101100", 86}, {"101101", 76}, {"101110", 74}, {"101111", 58}, {"101120", 59}, {"101121", 50},
    {"101200", 72}, {"101201", 57}, {"101210", 57}, {"101211", 52}, {"101220", 52}, {"101221", 25},
    {"102001", 83}, {"102011", 70}, {"102021", 54}, {"102101", 65}, {"102111", 58}, {"102121", 26},
    {"102201", 53}, {"102211", 21}, {"102221", 13}, {"110000", 95}, {"110001", 90}, {"110010", 88},
    {"110011", 76}, {"110020", 76}, {"110021", 70}, {"110100", 90}, {"110101", 77}, {"110110", 75},
    {"110111", 62}, {"110120", 61}, {"110121", 53}, {"110200", 77}, {"110201", 66}, {"110210", 68},
    {"110211", 59}, {"110220", 52}, {"110221", 30}, {"111000", 89}, {"111001", 78}, {"111010", 76},
    {"111011", 67}, {"111020", 62}, {"111021", 58}, {"111100", 74}, {"111101", 59}, {"111110", 57},
    {"111111", 57}, {"111120", 47}, {"111121", 23}, {"111200", 61}, {"111201", 52}, {"111210", 57},
    {"111211", 29}, {"111220", 24}, {"111221", 16}, {"112001", 71}, {"112011", 59}, {"112021", 30},
    {"112101", 58}, {"112111", 26}, {"112121", 15}, {"112201", 23}, {"112211", 13}, {"112221", 6},
    {"200000", 93}, {"200001", 87}, {"200010", 86}, {"200011", 72}, {"200020", 75}, {"200021", 58},
    {"200100", 86}, {"200101", 74}, {"200110", 74}, {"200111", 61}, {"200120", 56}, {"200121", 34},
    {"200200", 70}, {"200201", 54}, {"200210", 52}, {"200211", 40}, {"200220", 40}, {"200221", 22},
    {"201000", 85}, {"201001", 75}, {"201010", 74}, {"201011", 55}, {"201020", 62}, {"201021", 51},
    {"201100", 72}, {"201101", 57}, {"201110", 55}, {"201111", 41}, {"201120", 46}, {"201121", 19},
    {"201200", 53}, {"201201", 36}, {"201210", 34}, {"201211", 19}, {"201220", 19}, {"201221", 8},
    {"202001", 64}, {"202011", 51}, {"202021", 20}, {"202101", 47}, {"202111", 21}, {"202121", 11},
    {"202201", 24}, {"202211", 9}, {"202221", 4}, {"210000", 88}, {"210001", 75}, {"210010", 73},
    {"210011", 53}, {"210020", 60}, {"210021", 50}, {"210100", 73}, {"210101", 55}, {"210110", 59},
    {"210111", 40}, {"210120", 41}, {"210121", 20}, {"210200", 54}, {"210201", 43}, {"210210", 45},
    {"210211", 22}, {"210220", 20}, {"210221", 11}, {"211000", 75}, {"211001", 55}, {"211010", 58},
    {"211011", 45}, {"211020", 40}, {"211021", 21}, {"211100", 61}, {"211101", 51}, {"211110", 48},
    {"211111", 18}, {"211120", 20}, {"211121", 9}, {"211200", 46}, {"211201", 18}, {"211210", 17},
    {"211211", 7}, {"211220", 8}, {"211221", 2}, {"212001", 53}, {"212011", 24}, {"212021", 14},
    {"212101", 24}, {"212111", 12}, {"212121", 5}, {"212201", 10}, {"212211", 3}, {"212221", 1},
};
// clang-format on
static_assert(std::size(kMacroScores) == 270);

// EQ1, EQ2, EQ3, EQ4, EQ5, EQ6 of a MacroVector.
using Macro = std::array<int, 6>;
constexpr std::array<int, 6> kEqLevels = {3, 2, 3, 3, 3, 2};

constexpr int MacroIndex(const Macro& eq) {
  int index = 0;
  for (int i = 0; i < 6; ++i) index = index * kEqLevels[i] + eq[i];
  return index;
}

constexpr auto kMacroTable = [] {
  std::array<int8_t, 3 * 2 * 3 * 3 * 3 * 2> table{};
  table.fill(-1);
  for (const MacroScore& m : kMacroScores) {
    Macro eq{};
    for (int i = 0; i < 6; ++i) eq[i] = m.key[i] - '0';
    table[MacroIndex(eq)] = m.tenths;
  }
  return table;
}();

// The score of a MacroVector, or NaN where none exists (also past the last level of an EQ), as
// FIRST's calculator gets from its lookup of a missing key.
double MacroScoreOf(const Macro& eq) {
  for (int i = 0; i < 6; ++i) {
    if (eq[i] < 0 || eq[i] >= kEqLevels[i]) return std::nan("");
  }
  int8_t tenths = kMacroTable[MacroIndex(eq)];
  return tenths < 0 ? std::nan("") : tenths / 10.0;
}

// The metric values that scoring sees (after environmental overrides and defaults), as
// one-letter values, indexed by EffectiveMetric.
enum EffectiveMetric { kAV, kPR, kUI, kAC, kAT, kVC, kVI, kVA, kSC, kSI, kSA, kCR, kIR, kAR, kE, kEffectiveCount };
using V4Effective = std::array<char, kEffectiveCount>;

// Severity level of a value: its position in `order` (most severe first) times 0.1, written as
// the literals the calculator uses (0.3 is not 3 * 0.1 in binary). SC starts at 0.1: the ' '
// stands for the "S" that only SI and SA have.
constexpr double kLevelSteps[] = {0.0, 0.1, 0.2, 0.3};
double Level(std::string_view order, char value) { return kLevelSteps[order.find(value)]; }

// The severity distances of the vector from one highest-severity vector, per EffectiveMetric.
using Distances = std::array<double, kEffectiveCount>;
constexpr std::string_view kLevelOrders[kEffectiveCount] = {
    "NALP", "NLH", "NPA", "LH", "NP", "HLN", "HLN", "HLN", " HLN", "SHLN", "SHLN", "HML", "HML", "HML", "APU",
};

Distances DistancesFrom(const V4Effective& v, const V4Effective& max) {
  Distances d{};
  for (int i = 0; i < kEffectiveCount; ++i) d[i] = Level(kLevelOrders[i], v[i]) - Level(kLevelOrders[i], max[i]);
  return d;
}

// The highest-severity vectors of each EQ level (FIRST calculator's max_composed.js), written as
// the values of the EQ's metrics: EQ1 "AV PR UI", EQ2 "AC AT", EQ3 with EQ6 "VC VI VA CR IR AR",
// EQ4 "SC SI SA", EQ5 "E". An empty string ends a list.
using MaxList = std::array<std::string_view, 5>;
constexpr MaxList kEq1Max[3] = {{"NNN"}, {"ANN", "NLN", "NNP"}, {"PNN", "ALP"}};
constexpr MaxList kEq2Max[2] = {{"LN"}, {"HN", "LP"}};
constexpr MaxList kEq3Eq6Max[3][2] = {
    {{"HHHHHH"}, {"HHLMMH", "HHHMMM"}},
    {{"LHHHHH", "HLHHHH"}, {"LHLHMH", "LHHHMM", "HLHMHM", "HLLMHH", "LLHHHM"}},
    {{}, {"LLLHHH"}},
};
constexpr MaxList kEq4Max[3] = {{"HSS"}, {"HHH"}, {"LLL"}};
constexpr MaxList kEq5Max[3] = {{"A"}, {"P"}, {"U"}};

// Depth of each EQ level in severity-distance steps (FIRST calculator's max_severity, "+1").
constexpr int kEq1Depth[3] = {1, 4, 5};
constexpr int kEq2Depth[2] = {1, 2};
constexpr int kEq3Eq6Depth[3][2] = {{7, 6}, {8, 8}, {0, 10}};
constexpr int kEq4Depth[3] = {6, 5, 4};

Macro MacroVectorOf(const V4Effective& v) {
  Macro eq{};
  if (v[kAV] == 'N' && v[kPR] == 'N' && v[kUI] == 'N') {
    eq[0] = 0;
  } else if ((v[kAV] == 'N' || v[kPR] == 'N' || v[kUI] == 'N') && v[kAV] != 'P') {
    eq[0] = 1;
  } else {
    eq[0] = 2;
  }
  eq[1] = (v[kAC] == 'L' && v[kAT] == 'N') ? 0 : 1;
  if (v[kVC] == 'H' && v[kVI] == 'H') {
    eq[2] = 0;
  } else if (v[kVC] == 'H' || v[kVI] == 'H' || v[kVA] == 'H') {
    eq[2] = 1;
  } else {
    eq[2] = 2;
  }
  if (v[kSI] == 'S' || v[kSA] == 'S') {
    eq[3] = 0;
  } else if (v[kSC] == 'H' || v[kSI] == 'H' || v[kSA] == 'H') {
    eq[3] = 1;
  } else {
    eq[3] = 2;
  }
  eq[4] = v[kE] == 'A' ? 0 : (v[kE] == 'P' ? 1 : 2);
  eq[5] = ((v[kCR] == 'H' && v[kVC] == 'H') || (v[kIR] == 'H' && v[kVI] == 'H') || (v[kAR] == 'H' && v[kVA] == 'H'))
              ? 0
              : 1;
  return eq;
}

// The calculator rounds half up after lifting the value by 1e-6, so that an interpolation that
// lands one ULP below x.x5 (8.549999999999999 for 8.55) still rounds up; FIRST's calculator has
// done so since 2024-11 (cvss-v4-calculator PR 67).
double RoundV4(double x) { return std::round((x + 1e-6) * 10) / 10; }

// The score before rounding, clamped to 0-10.
double UnroundedScoreV4(const V4Effective& v) {
  if (std::all_of(&v[kVC], &v[kSA] + 1, [](char c) { return c == 'N'; })) return 0.0;
  const Macro eq = MacroVectorOf(v);
  const double value = MacroScoreOf(eq);

  auto lower = [&eq](int i, int j = -1) {
    Macro m = eq;
    ++m[i];
    if (j >= 0) ++m[j];
    return MacroScoreOf(m);
  };
  double lower_eq1 = lower(0);
  double lower_eq2 = lower(1);
  // EQ3 and EQ6 move together: 00 has two lower neighbours (01 and 10; the higher score counts),
  // 01 -> 11, 10 -> 11, 11 -> 21, and 21 has none.
  double lower_eq3eq6;
  if (eq[2] == 0 && eq[5] == 0) {
    lower_eq3eq6 = std::max(lower(5), lower(2));
  } else if (eq[2] == 1 && eq[5] == 0) {
    lower_eq3eq6 = lower(5);
  } else if (eq[2] == 2) {
    lower_eq3eq6 = lower(2, 5);
  } else {
    lower_eq3eq6 = lower(2);
  }
  double lower_eq4 = lower(3);
  double lower_eq5 = lower(4);

  // The first highest-severity vector (in the calculator's order) that is at least as severe
  // as `v` in every metric.
  Distances d{};
  for (std::string_view m1 : kEq1Max[eq[0]]) {
    for (std::string_view m2 : kEq2Max[eq[1]]) {
      for (std::string_view m36 : kEq3Eq6Max[eq[2]][eq[5]]) {
        for (std::string_view m4 : kEq4Max[eq[3]]) {
          for (std::string_view m5 : kEq5Max[eq[4]]) {
            if (m1.empty() || m2.empty() || m36.empty() || m4.empty() || m5.empty()) continue;
            const V4Effective max{m1[0], m1[1], m1[2], m2[0],  m2[1],  m36[0], m36[1], m36[2],
                                  m4[0], m4[1], m4[2], m36[3], m36[4], m36[5], m5[0]};
            d = DistancesFrom(v, max);
            if (std::all_of(d.begin(), d.end(), [](double x) { return x >= 0; })) goto found;
          }
        }
      }
    }
  }
found:
  // Sums in the calculator's order (floating-point addition is not associative).
  const double dist_eq1 = d[kAV] + d[kPR] + d[kUI];
  const double dist_eq2 = d[kAC] + d[kAT];
  const double dist_eq3eq6 = d[kVC] + d[kVI] + d[kVA] + d[kCR] + d[kIR] + d[kAR];
  const double dist_eq4 = d[kSC] + d[kSI] + d[kSA];

  constexpr double kStep = 0.1;
  const double depth_eq1 = kEq1Depth[eq[0]] * kStep;
  const double depth_eq2 = kEq2Depth[eq[1]] * kStep;
  const double depth_eq3eq6 = kEq3Eq6Depth[eq[2]][eq[5]] * kStep;
  const double depth_eq4 = kEq4Depth[eq[3]] * kStep;

  int n_lower = 0;
  double part_eq1 = 0, part_eq2 = 0, part_eq3eq6 = 0, part_eq4 = 0, part_eq5 = 0;
  if (!std::isnan(value - lower_eq1)) {
    ++n_lower;
    part_eq1 = (value - lower_eq1) * (dist_eq1 / depth_eq1);
  }
  if (!std::isnan(value - lower_eq2)) {
    ++n_lower;
    part_eq2 = (value - lower_eq2) * (dist_eq2 / depth_eq2);
  }
  if (!std::isnan(value - lower_eq3eq6)) {
    ++n_lower;
    part_eq3eq6 = (value - lower_eq3eq6) * (dist_eq3eq6 / depth_eq3eq6);
  }
  if (!std::isnan(value - lower_eq4)) {
    ++n_lower;
    part_eq4 = (value - lower_eq4) * (dist_eq4 / depth_eq4);
  }
  if (!std::isnan(value - lower_eq5)) {
    // EQ5 has a single vector per level: its proportion is always 0, but it still counts.
    ++n_lower;
    part_eq5 = (value - lower_eq5) * 0;
  }
  const double mean = n_lower == 0 ? 0 : (part_eq1 + part_eq2 + part_eq3eq6 + part_eq4 + part_eq5) / n_lower;
  return std::clamp(value - mean, 0.0, 10.0);
}

double ScoreV4(const V4Effective& v) { return RoundV4(UnroundedScoreV4(v)); }

// The one-letter value of v4.0 metric `i`, or `fallback` when it is absent or X.
char V4Value(const MetricValues& m, int i, char fallback) {
  if (m[i] < 0) return fallback;
  std::string_view value = kV4Metrics[i].values[m[i]];
  return value == "X" ? fallback : value[0];
}

// `with_environment`: apply E, CR/IR/AR and the modified base metrics; otherwise CVSS-B.
V4Effective EffectiveV4(const MetricValues& m, bool with_environment) {
  auto base = [&](int i) { return V4Value(m, i, '?'); };
  auto modified = [&](int base_metric, int modified_metric) {
    return with_environment ? V4Value(m, modified_metric, base(base_metric)) : base(base_metric);
  };
  V4Effective v{};
  v[kAV] = modified(kV4AV, kV4MAV);
  v[kPR] = modified(kV4PR, kV4MPR);
  v[kUI] = modified(kV4UI, kV4MUI);
  v[kAC] = modified(kV4AC, kV4MAC);
  v[kAT] = modified(kV4AT, kV4MAT);
  v[kVC] = modified(kV4VC, kV4MVC);
  v[kVI] = modified(kV4VI, kV4MVI);
  v[kVA] = modified(kV4VA, kV4MVA);
  v[kSC] = modified(kV4SC, kV4MSC);
  v[kSI] = modified(kV4SI, kV4MSI);
  v[kSA] = modified(kV4SA, kV4MSA);
  // Not defined means the worst case: E:A (attacked), CR/IR/AR:H.
  v[kCR] = with_environment ? V4Value(m, kV4CR, 'H') : 'H';
  v[kIR] = with_environment ? V4Value(m, kV4IR, 'H') : 'H';
  v[kAR] = with_environment ? V4Value(m, kV4AR, 'H') : 'H';
  v[kE] = with_environment ? V4Value(m, kV4E, 'A') : 'A';
  return v;
}

std::string_view NomenclatureV4(const MetricValues& m) {
  bool threat = false;
  bool environmental = false;
  for (size_t i = 0; i < std::size(kV4Metrics); ++i) {
    if (V4Value(m, static_cast<int>(i), 'X') == 'X') continue;
    threat = threat || kV4Metrics[i].group == kTemporal;
    environmental = environmental || kV4Metrics[i].group == kEnvironmental;
  }
  if (threat && environmental) return "CVSS-BTE";
  if (threat) return "CVSS-BT";
  if (environmental) return "CVSS-BE";
  return "CVSS-B";
}

// A hint for a string that failed as v2 but looks like something else.
std::string V2Hint(std::string_view text) {
  if (text.size() >= 4 && std::isdigit(static_cast<unsigned char>(text[0])) && text[1] == '.' &&
      std::isdigit(static_cast<unsigned char>(text[2])) && text[3] == '/') {
    return " ('CVSS:' missing before the version?)";
  }
  if (text.find("PR:") != std::string_view::npos || text.find("VC:") != std::string_view::npos) {
    return " (a v3 or v4 vector without its 'CVSS:3.x/' or 'CVSS:4.0/' prefix?)";
  }
  return "";
}

}  // namespace

std::string_view CvssVersionName(CvssVersion version) {
  switch (version) {
    case CvssVersion::kV2:
      return "2.0";
    case CvssVersion::kV30:
      return "3.0";
    case CvssVersion::kV31:
      return "3.1";
    case CvssVersion::kV40:
      return "4.0";
  }
  return "";
}

std::string_view SeverityFromScore(CvssVersion version, double score) {
  if (!(score >= 0.0 && score <= 10.0)) return "";
  if (version == CvssVersion::kV2) {
    if (score < 4.0) return "LOW";
    if (score < 7.0) return "MEDIUM";
    return "HIGH";
  }
  if (score == 0.0) return "NONE";
  if (score < 4.0) return "LOW";
  if (score < 7.0) return "MEDIUM";
  if (score < 9.0) return "HIGH";
  return "CRITICAL";
}

namespace {

struct Parsed {
  const Grammar* grammar;
  MetricValues values;
};

Result<Parsed> Parse(std::string_view vector) {
  if (vector.empty()) return Invalid("", "empty");
  if (vector.size() > kMaxCvssVectorLength) {
    return Invalid("", std::to_string(vector.size()) + " bytes, more than the " + std::to_string(kMaxCvssVectorLength) +
                           " accepted");
  }
  for (size_t i = 0; i < vector.size(); ++i) {
    auto c = static_cast<unsigned char>(vector[i]);
    if (c <= ' ' || c >= 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", c);
      return Invalid("", std::string(c == ' ' ? "a space" : "character ") + (c == ' ' ? "" : hex) + " at offset " +
                             std::to_string(i));
    }
  }

  if (vector.size() >= 5 && !vector.starts_with("CVSS:") &&
      std::equal(vector.begin(), vector.begin() + 5,
                 "cvss:", [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; })) {
    return Invalid("", "the prefix is written 'CVSS:', in capitals");
  }
  const Grammar* g = &kV2;
  std::string_view body = vector;
  size_t offset = 0;
  if (vector.starts_with("CVSS:")) {
    size_t slash = vector.find('/');
    std::string_view label = vector.substr(0, slash);
    if (label == "CVSS:3.0") {
      g = &kV30;
    } else if (label == "CVSS:3.1") {
      g = &kV31;
    } else if (label == "CVSS:4.0") {
      g = &kV40;
    } else {
      return Invalid("", "unknown version " + Quote(label) +
                             " (vigil reads CVSS:3.0, CVSS:3.1, CVSS:4.0 "
                             "and v2 vectors, which have no prefix)");
    }
    if (slash == std::string_view::npos) return Invalid(g->label, "no metrics after " + Quote(label));
    offset = slash + 1;
    body = vector.substr(offset);
  } else if (vector.front() == '(' || vector.back() == ')') {
    // NVD prints v2 vectors in parentheses.
    if (vector.front() != '(' || vector.back() != ')' || vector.size() < 2) {
      return Invalid("v2", "unbalanced parentheses");
    }
    offset = 1;
    body = vector.substr(1, vector.size() - 2);
    if (body.empty()) return Invalid("v2", "nothing inside the parentheses");
  }

  Result<MetricValues> parsed = ParseMetrics(*g, body, offset);
  if (!parsed.ok()) {
    if (g == &kV2) return InvalidArgument(parsed.error().message() + V2Hint(body));
    return parsed.error();
  }
  return Parsed{g, *parsed};
}

}  // namespace

Result<CvssScore> ScoreCvss(std::string_view vector) {
  VIGIL_ASSIGN_OR_RETURN(Parsed parsed, Parse(vector));
  const Grammar* g = parsed.grammar;
  const MetricValues& m = parsed.values;
  CvssScore s;
  s.version = g->version;
  s.vector = Canonical(*g, m);
  switch (g->version) {
    case CvssVersion::kV2:
      s.base_score = s.score = ScoreV2(m);
      break;
    case CvssVersion::kV30:
    case CvssVersion::kV31:
      s.base_score = s.score = ScoreV3(m, g->version == CvssVersion::kV31);
      break;
    case CvssVersion::kV40:
      s.base_score = ScoreV4(EffectiveV4(m, /*with_environment=*/false));
      s.score = ScoreV4(EffectiveV4(m, /*with_environment=*/true));
      s.nomenclature = NomenclatureV4(m);
      break;
  }
  s.severity = SeverityFromScore(s.version, s.base_score);
  s.score_severity = SeverityFromScore(s.version, s.score);
  return s;
}

namespace internal {

Result<UnroundedCvssV4> UnroundedCvssV4Scores(std::string_view vector) {
  VIGIL_ASSIGN_OR_RETURN(Parsed parsed, Parse(vector));
  if (parsed.grammar->version != CvssVersion::kV40) return InvalidArgument("not a CVSS v4.0 vector");
  return UnroundedCvssV4{UnroundedScoreV4(EffectiveV4(parsed.values, false)),
                         UnroundedScoreV4(EffectiveV4(parsed.values, true))};
}

}  // namespace internal

}  // namespace vigil::vulndb
