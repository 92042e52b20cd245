#include "vulndb/internal/debian_advisory_list.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <utility>

#include "common/strings.h"
#include "version/names.h"
#include "version/version.h"
#include "vulndb/internal/debian_tracker.h"

namespace vigil::vulndb {
namespace {

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "29 Mar 2023" -> "2023-03-29T00:00:00Z"; "" when it is not such a date.
std::string ListDate(std::string_view d) {
  static constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::vector<std::string_view> parts = SplitWhitespace(d);
  if (parts.size() != 3 || parts[0].size() > 2 || !IsDigits(parts[0]) || parts[2].size() != 4 || !IsDigits(parts[2])) {
    return {};
  }
  auto month = std::find(kMonths.begin(), kMonths.end(), parts[1]);
  if (month == kMonths.end()) return {};
  int day = std::stoi(std::string(parts[0]));
  if (day < 1 || day > 31) return {};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s-%02d-%02dT00:00:00Z", std::string(parts[2]).c_str(),
                static_cast<int>(month - kMonths.begin()) + 1, day);
  return buf;
}

// "DSA-5380-1", "DSA-140", "DLA-3380-1", "DTSA-12-1".
bool IsListId(std::string_view s) {
  size_t dash = s.find('-');
  if (dash == std::string_view::npos) return false;
  std::string_view prefix = s.substr(0, dash);
  if (prefix != "DSA" && prefix != "DLA" && prefix != "DTSA") return false;
  std::string_view rest = s.substr(dash + 1);
  size_t second = rest.find('-');
  if (second == std::string_view::npos) return IsDigits(rest) && rest.size() <= 9;
  return IsDigits(rest.substr(0, second)) && IsDigits(rest.substr(second + 1)) && rest.size() <= 19;
}

bool IsSourcePackageName(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '+' ||
           c == '-';
  });
}

class ListParser {
 public:
  ListParser(std::string_view what, std::string_view modified)
      : what_(what), modified_(modified), dpkg_(version::FindScheme("dpkg")) {}

  void Line(std::string_view line);
  FeedResult Finish();

 private:
  void Problem(std::string reason) {
    out_.problems.Add(std::string(what_) + ": line " + std::to_string(line_no_), std::move(reason));
  }
  void Header(std::string_view line);
  void CrossReferences(std::string_view t);
  void PackageLine(std::string_view t);

  std::string_view what_;
  std::string_view modified_;
  const version::Scheme* dpkg_;
  size_t line_no_ = 0;
  Advisory* current_ = nullptr;  // the entry indented lines belong to; null after a bad header
  std::unordered_set<std::string> seen_;
  FeedResult out_;
};

void ListParser::Line(std::string_view line) {
  ++line_no_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view t = Trim(line);
  if (t.empty()) return;
  if (line[0] != ' ' && line[0] != '\t') {
    Header(t);
    return;
  }
  if (current_ == nullptr) return;  // belongs to a header already reported
  if (t[0] == '{') {
    CrossReferences(t);
  } else if (t[0] == '[') {
    PackageLine(t);
  } else if (t.starts_with("NOTE:") || t.starts_with("TODO:")) {
    // comments
  } else {
    Problem("skipped: not a cross reference, package or NOTE line: " + QuoteForMessage(t));
  }
}

void ListParser::Header(std::string_view t) {
  current_ = nullptr;
  size_t close = t.find(']');
  if (t[0] != '[' || close == std::string_view::npos) {
    Problem("skipped: expected '[DD Mon YYYY] DSA-nnnn-n package - title', got " + QuoteForMessage(t));
    return;
  }
  std::string date = ListDate(t.substr(1, close - 1));
  std::string_view rest = Trim(t.substr(close + 1));
  size_t space = rest.find_first_of(" \t");
  std::string_view id = rest.substr(0, space);
  if (date.empty() || !IsListId(id)) {
    Problem("skipped: expected '[DD Mon YYYY] DSA-nnnn-n package - title', got " + QuoteForMessage(t));
    return;
  }
  if (!seen_.insert(std::string(id)).second) {
    Problem("skipped: " + std::string(id) + " is listed again; the first entry is kept");
    return;
  }
  Advisory& a = out_.advisories.emplace_back();
  a.id = std::string(id);
  if (space != std::string_view::npos) a.summary = std::string(Trim(rest.substr(space)));
  a.published = std::move(date);
  a.modified = std::string(modified_);
  a.references.push_back({"ADVISORY", "https://security-tracker.debian.org/tracker/" + a.id});
  current_ = &a;
}

void ListParser::CrossReferences(std::string_view t) {
  if (t.back() != '}') {
    Problem("skipped: cross references without a closing '}': " + QuoteForMessage(t));
    return;
  }
  for (std::string_view ref : SplitWhitespace(t.substr(1, t.size() - 2))) {
    std::vector<std::string>& list = IsCveId(ref) ? current_->aliases : current_->related;
    if (std::find(list.begin(), list.end(), ref) == list.end()) list.emplace_back(ref);
  }
}

void ListParser::PackageLine(std::string_view t) {
  // [release] - package version-or-<tag> [(note)]
  size_t close = t.find(']');
  if (close == std::string_view::npos) {
    Problem("skipped: expected '[release] - package version', got " + QuoteForMessage(t));
    return;
  }
  std::string_view codename = t.substr(1, close - 1);
  std::string_view rest = Trim(t.substr(close + 1));
  std::string_view note;
  if (size_t paren = rest.find('('); paren != std::string_view::npos) {
    note = rest.substr(paren);
    rest = Trim(rest.substr(0, paren));
    if (note.size() >= 2 && note.back() == ')') note = note.substr(1, note.size() - 2);
  }
  std::vector<std::string_view> words = SplitWhitespace(rest);
  if (words.size() != 3 || words[0] != "-" || !IsSourcePackageName(words[1])) {
    Problem("skipped: expected '[release] - package version', got " + QuoteForMessage(t));
    return;
  }
  std::string number = DebianReleaseNumber(codename);
  if (number.empty()) {
    Problem("skipped: unknown Debian release " + QuoteForMessage(codename));
    return;
  }
  Affected af;
  af.ecosystem = ParseEcosystem("Debian:" + number);
  af.name = std::string(words[1]);
  af.normalized_name = version::NormalizeName(af.ecosystem.text, af.name);
  af.status_note = std::string(Trim(note));
  version::RangeSpec range;
  range.type = version::RangeSpec::Type::kEcosystem;
  range.type_name = "ECOSYSTEM";
  range.events.push_back({version::RangeEvent::Kind::kIntroduced, "0"});
  std::string_view v = words[2];
  if (v.front() == '<') {
    static constexpr std::pair<std::string_view, FixStatus> kTags[] = {
        {"<not-affected>", FixStatus::kNotAffected},  {"<unfixed>", FixStatus::kNotFixed},
        {"<end-of-life>", FixStatus::kEndOfLife},     {"<no-dsa>", FixStatus::kPostponed},
        {"<postponed>", FixStatus::kPostponed},       {"<ignored>", FixStatus::kWillNotFix},
        {"<undetermined>", FixStatus::kUndetermined},
    };
    auto tag = std::find_if(std::begin(kTags), std::end(kTags), [&](const auto& p) { return p.first == v; });
    if (tag == std::end(kTags)) {
      Problem("skipped: unknown tag " + QuoteForMessage(v));
      return;
    }
    af.status = tag->second;
    if (af.status != FixStatus::kNotAffected) af.spec.ranges.push_back(std::move(range));
  } else {
    Result<version::Version> parsed = dpkg_->Parse(v);
    if (parsed.ok()) parsed = version::RefuseWarned(*dpkg_, std::move(parsed).value());
    if (!parsed.ok()) {
      Problem("skipped: " + parsed.error().message());
      return;
    }
    af.status = FixStatus::kFixed;
    range.events.push_back({version::RangeEvent::Kind::kFixed, std::string(v)});
    af.spec.ranges.push_back(std::move(range));
  }
  current_->affected.push_back(std::move(af));
}

FeedResult ListParser::Finish() {
  current_ = nullptr;
  std::sort(out_.advisories.begin(), out_.advisories.end(),
            [](const Advisory& a, const Advisory& b) { return a.id < b.id; });
  return std::move(out_);
}

}  // namespace

Result<FeedResult> ParseDebianAdvisoryList(std::string_view text, std::string_view what, std::string_view modified) {
  if (!IsRfc3339(modified)) {
    return InvalidArgument(std::string(what) + ": the record timestamp " + QuoteForMessage(modified) +
                           " is not an RFC 3339 date-time");
  }
  ListParser parser(what, modified);
  ForEachLine(text, [&](std::string_view line) { parser.Line(line); });
  return parser.Finish();
}

}  // namespace vigil::vulndb
