#include "vulndb/internal/enrich.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_set>
#include <utility>

#include "common/json.h"
#include "common/strings.h"

namespace vigil::vulndb {
namespace {

using nlohmann::json;

bool IsCweId(std::string_view s) {
  if (!s.starts_with("CWE-") || s.size() == 4 || s.size() > 24) return false;
  for (char c : s.substr(4)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A finite decimal number in [0, 1], the whole of `s`.
bool ReadProbability(std::string_view s, double& out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && ptr == end && std::isfinite(out) && out >= 0.0 && out <= 1.0;
}

}  // namespace

// ---- CISA KEV --------------------------------------------------------------------------------

Result<KevCatalog> ParseKevJson(std::string_view text, std::string_view what) {
  VIGIL_ASSIGN_OR_RETURN(json doc, ParseJson(text, what));
  const std::string w(what);
  if (!doc.is_object()) {
    return Corrupt(w + ": top level is a " + std::string(doc.type_name()) + ", not the KEV catalog");
  }
  auto vulns = doc.find("vulnerabilities");
  if (vulns == doc.end() || !vulns->is_array()) {
    return Corrupt(w + ": no \"vulnerabilities\" array");
  }
  KevCatalog cat;
  cat.title = JsonString(doc, "title");
  cat.catalog_version = JsonString(doc, "catalogVersion");
  cat.date_released = JsonString(doc, "dateReleased");
  if (cat.catalog_version.empty()) cat.problems.Add(w + ": catalogVersion", "missing or not text");
  if (cat.date_released.empty()) cat.problems.Add(w + ": dateReleased", "missing or not text");
  if (auto count = doc.find("count"); count != doc.end()) {
    if (!count->is_number_unsigned() || count->get<uint64_t>() != vulns->size()) {
      cat.problems.Add(w + ": count",
                       "says " + count->dump() + " but the catalog has " + std::to_string(vulns->size()) + " entries");
    }
  }

  std::unordered_set<std::string> seen;
  cat.entries.reserve(vulns->size());
  for (size_t i = 0; i < vulns->size(); ++i) {
    const json& v = (*vulns)[i];
    const std::string where = w + ": vulnerabilities[" + std::to_string(i) + "]";
    if (!v.is_object()) {
      cat.problems.Add(where, std::string("skipped: a ") + v.type_name() + ", not an object");
      continue;
    }
    KevEntry e;
    e.cve = JsonString(v, "cveID");
    if (!IsCveId(e.cve)) {
      cat.problems.Add(where, "skipped: cveID " + QuoteForMessage(e.cve) + " is not a CVE id");
      continue;
    }
    e.date_added = JsonString(v, "dateAdded");
    if (!IsIsoDate(e.date_added)) {
      cat.problems.Add(
          where, "skipped: " + e.cve + ": dateAdded " + QuoteForMessage(e.date_added) + " is not a YYYY-MM-DD date");
      continue;
    }
    if (!seen.insert(e.cve).second) {
      cat.problems.Add(where, "skipped: " + e.cve + " is listed twice; the first entry is kept");
      continue;
    }
    std::string missing;
    auto text_field = [&](const char* key, std::string& out) {
      auto it = v.find(key);
      if (it != v.end() && it->is_string()) {
        out = it->get<std::string>();
      } else {
        missing += missing.empty() ? key : std::string(", ") + key;
      }
    };
    text_field("vendorProject", e.vendor_project);
    text_field("product", e.product);
    text_field("vulnerabilityName", e.vulnerability_name);
    text_field("shortDescription", e.short_description);
    text_field("requiredAction", e.required_action);
    text_field("dueDate", e.due_date);
    text_field("knownRansomwareCampaignUse", e.known_ransomware_campaign_use);
    e.notes = JsonString(v, "notes");
    if (!missing.empty()) {
      cat.problems.Add(where, "kept " + e.cve + "; missing or not text, read as \"\": " + missing);
    }
    if (!e.due_date.empty() && !IsIsoDate(e.due_date)) {
      cat.problems.Add(where, "kept " + e.cve + "; dueDate " + QuoteForMessage(e.due_date) +
                                  " is not a YYYY-MM-DD date, read as \"\"");
      e.due_date.clear();
    }
    const std::string& ransom = e.known_ransomware_campaign_use;
    if (!ransom.empty() && ransom != "Known" && ransom != "Unknown") {
      cat.problems.Add(where, "kept " + e.cve + "; knownRansomwareCampaignUse " + QuoteForMessage(ransom) +
                                  " is neither Known nor Unknown");
    }
    if (auto cwes = v.find("cwes"); cwes != v.end() && !cwes->is_null()) {
      if (!cwes->is_array()) {
        cat.problems.Add(where, "kept " + e.cve + "; cwes is not a list, dropped");
      } else {
        for (const json& c : *cwes) {
          if (c.is_string() && IsCweId(c.get_ref<const std::string&>())) {
            e.cwes.push_back(c.get<std::string>());
          } else {
            cat.problems.Add(where, "kept " + e.cve + "; cwes entry " +
                                        QuoteForMessage(c.dump(-1, ' ', false, json::error_handler_t::replace)) +
                                        " is not a CWE id, dropped");
          }
        }
      }
    }
    cat.entries.push_back(std::move(e));
  }
  return cat;
}

// ---- FIRST EPSS --------------------------------------------------------------------------------

EpssReader::EpssReader(std::string_view what, OnRow on_row) : what_(what), on_row_(std::move(on_row)) {}

void EpssReader::Bad(std::string reason) {
  ++summary_.bad_rows;
  summary_.problems.Add(what_ + ": line " + std::to_string(line_), std::move(reason));
}

Status EpssReader::Complete(std::string_view line, bool too_long) {
  if (too_long) {
    ++line_;
    Bad("skipped: line longer than " + std::to_string(kMaxLineLength) + " bytes");
    return OkStatus();
  }
  Status st = Line(line);
  if (!st.ok()) failed_ = st;
  return st;
}

Status EpssReader::Feed(std::string_view chunk) {
  if (!failed_.ok()) return failed_;
  size_t pos = 0;
  if (!partial_.empty() || partial_too_long_) {
    // Finish the line the previous chunk began.
    size_t nl = chunk.find('\n');
    std::string_view head = chunk.substr(0, nl);
    if (partial_.size() + head.size() > kMaxLineLength) {
      partial_too_long_ = true;
      partial_.clear();
    } else if (!partial_too_long_) {
      partial_.append(head);
    }
    if (nl == std::string_view::npos) return OkStatus();
    std::string line = std::move(partial_);
    partial_.clear();
    bool too_long = partial_too_long_;
    partial_too_long_ = false;
    VIGIL_RETURN_IF_ERROR(Complete(line, too_long));
    pos = nl + 1;
  }
  while (pos < chunk.size()) {
    size_t nl = chunk.find('\n', pos);
    if (nl == std::string_view::npos) {
      std::string_view tail = chunk.substr(pos);
      if (tail.size() > kMaxLineLength) {
        partial_too_long_ = true;
      } else {
        partial_.assign(tail);
      }
      break;
    }
    std::string_view line = chunk.substr(pos, nl - pos);
    pos = nl + 1;
    VIGIL_RETURN_IF_ERROR(Complete(line, line.size() > kMaxLineLength));
  }
  return OkStatus();
}

Result<EpssSummary> EpssReader::Finish() {
  if (!failed_.ok()) return failed_.error();
  if (!partial_.empty() || partial_too_long_) {
    std::string last = std::move(partial_);
    partial_.clear();
    bool too_long = partial_too_long_;
    partial_too_long_ = false;
    VIGIL_RETURN_IF_ERROR(Complete(last, too_long));
  }
  if (!have_header_) {
    failed_ = Corrupt(what_ + ": no header line (cve,epss,percentile)");
    return failed_.error();
  }
  return std::move(summary_);
}

Status EpssReader::Line(std::string_view line) {
  ++line_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (Trim(line).empty()) return OkStatus();
  if (line[0] == '#') {
    // "#model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000": key:value pairs.
    if (have_header_) return OkStatus();
    for (std::string_view pair : Split(line.substr(1), ',')) {
      size_t colon = pair.find(':');
      if (colon == std::string_view::npos) continue;
      std::string_view key = Trim(pair.substr(0, colon));
      std::string_view value = Trim(pair.substr(colon + 1));
      if (key == "model_version") summary_.model_version = std::string(value);
      if (key == "score_date") summary_.score_date = std::string(value);
    }
    return OkStatus();
  }
  if (!have_header_) return Header(line);
  Row(line);
  return OkStatus();
}

Status EpssReader::Header(std::string_view line) {
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t cve = kNone, epss = kNone, percentile = kNone;
  std::vector<std::string_view> cols = Split(line, ',');
  if (cols.size() > 64) {
    return Corrupt(what_ + ": line " + std::to_string(line_) + ": header has " + std::to_string(cols.size()) +
                   " columns");
  }
  for (size_t i = 0; i < cols.size(); ++i) {
    std::string name = AsciiLower(Trim(cols[i]));
    if (name == "cve" && cve == kNone) cve = i;
    if (name == "epss" && epss == kNone) epss = i;
    if (name == "percentile" && percentile == kNone) percentile = i;
  }
  if (cve == kNone || epss == kNone || percentile == kNone) {
    return Corrupt(what_ + ": line " + std::to_string(line_) +
                   ": expected a header naming the columns cve, epss and percentile, got " + QuoteForMessage(line));
  }
  cve_col_ = cve;
  epss_col_ = epss;
  percentile_col_ = percentile;
  columns_ = std::max({cve, epss, percentile}) + 1;
  have_header_ = true;
  return OkStatus();
}

void EpssReader::Row(std::string_view line) {
  std::string_view cve, epss, percentile;
  size_t col = 0, start = 0;
  while (col < columns_) {
    size_t comma = line.find(',', start);
    std::string_view field =
        Trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (col == cve_col_) cve = field;
    if (col == epss_col_) epss = field;
    if (col == percentile_col_) percentile = field;
    ++col;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (col < columns_) {
    Bad("skipped: " + std::to_string(col) + " columns, expected at least " + std::to_string(columns_) + ": " +
        QuoteForMessage(line));
    return;
  }
  if (!IsCveId(cve)) {
    Bad("skipped: cve " + QuoteForMessage(cve) + " is not a CVE id");
    return;
  }
  EpssRow row;
  row.cve = cve;
  row.line = line_;
  if (!ReadProbability(epss, row.epss)) {
    Bad("skipped: " + std::string(cve) + ": epss " + QuoteForMessage(epss) + " is not a number in 0..1");
    return;
  }
  if (!ReadProbability(percentile, row.percentile)) {
    Bad("skipped: " + std::string(cve) + ": percentile " + QuoteForMessage(percentile) + " is not a number in 0..1");
    return;
  }
  ++summary_.rows;
  on_row_(row);
}

Result<EpssScores> ParseEpssCsv(std::string_view text, std::string_view what) {
  EpssScores scores;
  EpssReader reader(what, [&](const EpssRow& row) {
    scores.entries.push_back({std::string(row.cve), row.epss, row.percentile});
  });
  VIGIL_RETURN_IF_ERROR(reader.Feed(text));
  VIGIL_ASSIGN_OR_RETURN(scores.summary, reader.Finish());
  return scores;
}

}  // namespace vigil::vulndb
