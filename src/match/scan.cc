#include "match/scan.h"

#include <algorithm>
#include <climits>
#include <map>
#include <string_view>
#include <utility>

#include "common/strings.h"
#include "common/time.h"
#include "common/vuln_id.h"
#include "vulndb/enrichment.h"
#include "vulndb/store.h"

namespace vigil::match {

namespace {

using vulndb::Rating;

// The 64 hex digits after "sha256:" (or its purl-encoded form "sha256%3A"), "" when absent.
std::string Sha256Hex(std::string_view s) {
  std::string lower = AsciiLower(s);
  for (std::string_view marker : {std::string_view("sha256:"), std::string_view("sha256%3a")}) {
    size_t at = lower.find(marker);
    if (at == std::string::npos) continue;
    std::string hex = lower.substr(at + marker.size(), 64);
    if (hex.size() == 64 && hex.find_first_not_of("0123456789abcdef") == std::string::npos) return hex;
  }
  return {};
}

// True if a VEX product names the scanned image: a digest equal to the image's manifest or
// config digest, or one of the image's tags written as is.
bool NamesImage(std::string_view product, const image::ImageInfo& image) {
  std::string hex = Sha256Hex(product);
  if (!hex.empty()) {
    return Sha256Hex(image.manifest_digest) == hex || Sha256Hex(image.config_digest) == hex;
  }
  return std::find(image.tags.begin(), image.tags.end(), product) != image.tags.end();
}

bool IdsMatch(const VexStatement& st, const Finding& f) {
  auto names_finding = [&](std::string_view id) {
    if (SameVulnerabilityId(id, f.id)) return true;
    return std::any_of(f.aliases.begin(), f.aliases.end(),
                       [&](const std::string& a) { return SameVulnerabilityId(id, a); });
  };
  return names_finding(st.vulnerability) || std::any_of(st.aliases.begin(), st.aliases.end(), names_finding);
}

bool StatementApplies(const VexStatement& st, const Finding& f, const catalog::Package& p,
                      const image::ImageInfo& image) {
  if (!IdsMatch(st, f)) return false;
  if (VexApplies(st, f.id, f.aliases, p.purl)) return true;
  // A statement about the whole image: a product naming it and no subcomponents.
  return st.subcomponents.empty() &&
         std::any_of(st.products.begin(), st.products.end(),
                     [&](const std::string& product) { return NamesImage(product, image); });
}

void ApplyVex(const std::vector<VexDocument>& docs, const catalog::Package& p, const image::ImageInfo& image,
              ScanFinding& sf) {
  const VexStatement* chosen = nullptr;
  int64_t chosen_time = INT64_MIN;
  for (const VexDocument& doc : docs) {
    for (const VexStatement& st : doc.statements) {
      if (!StatementApplies(st, sf.finding, p, image)) continue;
      int64_t t = st.timestamp.empty() ? INT64_MIN : TimeMicros(st.timestamp);
      if (!chosen || t >= chosen_time) {
        chosen = &st;
        chosen_time = t;
      }
    }
  }
  if (!chosen) return;
  std::string_view status = VexStatusName(chosen->status);
  if (chosen->status == VexStatement::Status::kNotAffected || chosen->status == VexStatement::Status::kFixed) {
    sf.suppression.kind = Suppression::Kind::kVex;
    sf.suppression.status = std::string(status);
    std::string reason = chosen->justification;
    if (!chosen->impact_statement.empty()) {
      reason += reason.empty() ? chosen->impact_statement : ": " + chosen->impact_statement;
    }
    sf.suppression.reason = reason;
    sf.suppression.source = chosen->source;
  } else {
    std::string note = std::string(status) + " (" + chosen->source + ")";
    const std::string& text = chosen->action_statement.empty() ? chosen->impact_statement : chosen->action_statement;
    if (!text.empty()) note += ": " + text;
    sf.vex_notes.push_back(std::move(note));
  }
}

void ApplyIgnore(const IgnoreFile& ignore, const catalog::Package& p, ScanFinding& sf) {
  for (const IgnoreEntry& e : ignore.entries) {
    if (!IgnoreApplies(e, sf.finding.id, sf.finding.aliases, p.name, p.purl, p.location)) continue;
    sf.suppression.kind = Suppression::Kind::kIgnore;
    sf.suppression.status = "ignored";
    sf.suppression.reason = e.reason;
    if (!e.expires.empty()) sf.suppression.reason += " (until " + e.expires + ")";
    sf.suppression.source = e.location;
    return;
  }
}

// The CVE id of a finding (its id, else its lowest CVE alias); "" when it has none.
std::string_view CveOf(const Finding& f) {
  if (IsCveId(f.id)) return f.id;
  for (const std::string& a : f.aliases) {
    if (IsCveId(a)) return a;
  }
  return {};
}

// The CVE ids of a finding: its id when it is one, then its CVE aliases (sorted, as the
// matcher keeps them).
std::vector<std::string_view> CvesOf(const Finding& f) {
  std::vector<std::string_view> out;
  if (IsCveId(f.id)) out.push_back(f.id);
  for (const std::string& a : f.aliases) {
    if (IsCveId(a) && a != f.id) out.push_back(a);
  }
  return out;
}

// KEV, EPSS and CVE-record lookups, once per CVE.
class Intel {
 public:
  explicit Intel(vulndb::Store* store) : store_(store) {}

  void Fill(ScanFinding& sf, std::vector<std::string>& warnings) {
    if (!store_) return;
    std::string_view cve = CveOf(sf.finding);
    if (!cve.empty()) {
      Entry& e = Lookup(cve, warnings);
      if (e.kev) {
        sf.kev = true;
        sf.kev_date_added = e.kev->date_added;
        sf.kev_due_date = e.kev->due_date;
        sf.kev_ransomware = e.kev->ransomware;
      }
      if (e.epss) {
        sf.epss = e.epss->epss;
        sf.epss_percentile = e.epss->percentile;
      }
    }
    // CVE records: of the first CVE id that has any; its chosen CVSS when there is one.
    for (std::string_view id : CvesOf(sf.finding)) {
      Entry& e = Lookup(id, warnings);
      if (e.records.empty()) continue;
      sf.enrichment_cve = std::string(id);
      for (const vulndb::CveEnrichment& r : e.records) {
        if (r.rejected) sf.cve_rejected = true;
        if (sf.ssvc.empty() && !r.ssvc.empty()) sf.ssvc = r.ssvc;
        for (const std::string& cwe : r.cwes) {
          if (std::find(sf.cwes.begin(), sf.cwes.end(), cwe) == sf.cwes.end()) sf.cwes.push_back(cwe);
        }
      }
      if (e.chosen) {
        const vulndb::CvssMetric& m = *e.chosen->metric;
        sf.enrichment_score = m.base_score;
        sf.enrichment_vector = m.vector;
        sf.enrichment_version = std::string(vulndb::CvssVersionName(m.version));
        sf.enrichment_severity = m.severity;
        sf.enrichment_source = e.chosen->source;
      }
      break;
    }
  }

 private:
  struct Entry {
    std::optional<vulndb::KevRecord> kev;
    std::optional<vulndb::EpssRecord> epss;
    std::vector<vulndb::CveEnrichment> records;
    std::optional<vulndb::ChosenCvss> chosen;  // points into records
  };

  Entry& Lookup(std::string_view cve, std::vector<std::string>& warnings) {
    auto [it, inserted] = cache_.try_emplace(std::string(cve));
    Entry& e = it->second;
    if (!inserted) return e;
    auto warn = [&](const char* what, const Error& error) {
      if (failed_) return;
      failed_ = true;
      warnings.push_back(std::string(what) + " lookup failed: " + error.ToString());
    };
    if (auto kev = store_->GetKev(cve); kev.ok()) {
      e.kev = std::move(*kev);
    } else {
      warn("KEV", kev.error());
    }
    if (auto epss = store_->GetEpss(cve); epss.ok()) {
      e.epss = std::move(*epss);
    } else {
      warn("EPSS", epss.error());
    }
    if (auto recs = store_->GetEnrichment(cve); recs.ok()) {
      e.records = std::move(*recs);
      e.chosen = vulndb::ChooseCvss(e.records);
    } else {
      warn("CVE record", recs.error());
    }
    return e;
  }

  vulndb::Store* store_;
  // std::map: entries stay where they are (chosen points into records).
  std::map<std::string, Entry, std::less<>> cache_;
  bool failed_ = false;
};

void Rate(ScanFinding& sf) {
  const Finding& f = sf.finding;
  if (f.vendor_rating != Rating::kUnknown) {
    sf.rating = f.vendor_rating;
    sf.rating_source = f.vendor_source;
  } else if (f.cvss_score >= 0 && vulndb::ParseRating(f.severity) != Rating::kUnknown) {
    sf.rating = vulndb::ParseRating(f.severity);
    sf.rating_source = (f.cvss_source.empty() ? std::string("advisory") : f.cvss_source) + " CVSS " + f.cvss_version;
  } else if (sf.enrichment_score >= 0) {
    sf.rating = vulndb::ParseRating(sf.enrichment_severity);
    sf.rating_source = sf.enrichment_source;
  }
}

void Summarize(ScanReport& r) {
  ScanSummary& s = r.summary;
  s.findings = r.findings.size();
  for (const ScanFinding& sf : r.findings) {
    if (sf.suppression.suppressed()) {
      ++s.suppressed;
      continue;
    }
    ++s.by_rating[static_cast<size_t>(sf.rating)];
    if (sf.base) ++s.base;
    if (!sf.finding.fixed_versions.empty()) ++s.fixable;
    if (sf.kev) ++s.kev;
  }
}

void Gate(const Policy& policy, const catalog::Inventory& inventory, ScanReport& r) {
  size_t severe = 0, unrated = 0, kev = 0, any = 0;
  for (const ScanFinding& sf : r.findings) {
    if (sf.suppression.suppressed()) continue;
    bool bad = false;
    Rating rating = sf.rating == Rating::kUnknown ? policy.unknown_as : sf.rating;
    if (policy.fail_on && rating >= *policy.fail_on) {
      ++(sf.rating == Rating::kUnknown && *policy.fail_on != Rating::kUnknown ? unrated : severe);
      bad = true;
    }
    if (policy.fail_on_kev && sf.kev) {
      ++kev;
      bad = true;
    }
    if (bad) ++any;
  }
  PolicyResult& p = r.policy;
  p.violations = any;
  p.failed = any > 0;
  if (severe > 0) {
    std::string name = AsciiLower(vulndb::RatingName(*policy.fail_on));
    p.reasons.push_back(std::to_string(severe) + " finding" + (severe == 1 ? "" : "s") + " rated " + name +
                        " or higher (--fail-on " + name + ")");
  }
  if (unrated > 0) {
    std::string name = AsciiLower(vulndb::RatingName(*policy.fail_on));
    p.reasons.push_back(std::to_string(unrated) + " finding" + (unrated == 1 ? "" : "s") +
                        " of unknown severity, counted as " + AsciiLower(vulndb::RatingName(policy.unknown_as)) +
                        " (--fail-on " + name + "; --unknown-severity says how unrated findings count)");
  }
  if (kev > 0) {
    p.reasons.push_back(std::to_string(kev) + " finding" + (kev == 1 ? "" : "s") +
                        " known to be exploited (CISA KEV, --fail-on-kev)");
  }
  size_t denied = 0, unknown = 0;
  for (const LicenseFinding& lf : r.licenses) {
    if (lf.action != "deny") continue;
    ++(lf.verdict == "denied" ? denied : unknown);
  }
  if (denied + unknown > 0) {
    p.failed = true;
    p.violations += denied + unknown;
  }
  if (denied > 0) {
    p.reasons.push_back(std::to_string(denied) + " component" + (denied == 1 ? "" : "s") +
                        " with a license the policy denies (--license-policy)");
  }
  if (unknown > 0) {
    p.reasons.push_back(std::to_string(unknown) + " component" + (unknown == 1 ? "" : "s") +
                        " without a license vigil can name (--license-policy, unknown: deny)");
  }
  // "Could not be checked" is not "clean": a gate fails on it unless the user accepts it.
  bool gated = policy.fail_on.has_value() || policy.fail_on_kev || r.license_policy_given;
  if (gated && !policy.accept_incomplete) {
    for (const std::string& why : r.stats.unchecked_reasons) {
      p.failed = true;
      p.reasons.push_back(why + " (--accept-incomplete accepts this)");
    }
    if (!inventory.unread.empty()) {
      p.failed = true;
      size_t n = inventory.unread.size();
      p.reasons.push_back(std::to_string(n) + (n == 1 ? " file" : " files") +
                          " that list packages could not be read: " + catalog::Describe(inventory.unread.front()) +
                          (n > 1 ? ", …" : "") + " (--accept-incomplete accepts this)");
    }
  }
}

}  // namespace

Result<Rating> ParseSeverityFlag(std::string_view text) {
  std::string t = AsciiLower(text);
  if (t == "unknown") return Rating::kUnknown;
  Rating r = vulndb::ParseRating(t);
  if (r == Rating::kUnknown || t == "none" || t == "unimportant" || t == "moderate" || t == "important") {
    return InvalidArgument("severity '" + std::string(text) +
                           "' is not one of critical, high, medium, low, negligible, unknown");
  }
  return r;
}

Result<ScanReport> Scan(const catalog::Inventory& inventory, const vulndb::Index& index, vulndb::Store* intel,
                        const ScanOptions& options) {
  ScanReport report;
  report.base = options.base;
  VIGIL_ASSIGN_OR_RETURN(std::vector<Finding> findings, Match(inventory, index, options.match, &report.stats));
  Intel lookups(intel);
  report.findings.reserve(findings.size());
  for (Finding& f : findings) {
    const catalog::Package& p = inventory.packages[f.package];
    ScanFinding sf;
    sf.finding = std::move(f);
    sf.layer = p.layer;
    sf.base = options.base.IsBaseLayer(p.layer);
    if (sf.base && options.policy.exclude_base) {
      ++report.summary.excluded_base;
      continue;
    }
    // The CVE records may rate the finding, so they are looked up before the severity filter.
    lookups.Fill(sf, report.warnings);
    Rate(sf);
    if (!options.severities.empty() &&
        std::find(options.severities.begin(), options.severities.end(), sf.rating) == options.severities.end()) {
      ++report.summary.severity_filtered;
      continue;
    }
    ApplyVex(options.vex, p, inventory.image, sf);
    if (!sf.suppression.suppressed()) ApplyIgnore(options.ignore, p, sf);
    report.findings.push_back(std::move(sf));
  }
  std::stable_sort(report.findings.begin(), report.findings.end(), [&](const ScanFinding& a, const ScanFinding& b) {
    if (a.layer != b.layer) return a.layer < b.layer;
    if (a.rating != b.rating) return a.rating > b.rating;
    const std::string& an = inventory.packages[a.finding.package].name;
    const std::string& bn = inventory.packages[b.finding.package].name;
    if (an != bn) return an < bn;
    return a.finding.id < b.finding.id;
  });
  size_t excluded = report.summary.excluded_base, filtered = report.summary.severity_filtered;
  Summarize(report);
  report.summary.excluded_base = excluded;
  report.summary.severity_filtered = filtered;
  if (options.license_policy) {
    const LicensePolicy& lp = *options.license_policy;
    report.license_policy_given = true;
    for (size_t i = 0; i < inventory.packages.size(); ++i) {
      const catalog::Package& p = inventory.packages[i];
      bool base = options.base.IsBaseLayer(p.layer);
      if (base && options.policy.exclude_base) continue;
      ++report.license_checked;
      LicenseVerdict v = EvaluateLicense(lp, p.license, p.name, p.purl);
      if (v.kind == LicenseVerdict::Kind::kAllowed) continue;
      bool unknown = v.kind == LicenseVerdict::Kind::kUnknown;
      if (unknown && lp.unknown == LicensePolicy::Unknown::kAllow) continue;
      LicenseFinding lf;
      lf.package = i;
      lf.license = p.license;
      lf.verdict = unknown ? "unknown" : "denied";
      lf.action = unknown && lp.unknown == LicensePolicy::Unknown::kWarn ? "warn" : "deny";
      lf.reason = std::move(v.reason);
      lf.offending = std::move(v.offending);
      lf.layer = p.layer;
      lf.base = base;
      report.licenses.push_back(std::move(lf));
    }
  }
  Gate(options.policy, inventory, report);
  return report;
}

}  // namespace vigil::match
