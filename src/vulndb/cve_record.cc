#include "vulndb/internal/cve_record.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "common/json.h"
#include "common/vuln_id.h"

namespace vigil::vulndb {
namespace {

using nlohmann::json;

std::string TypeName(const json& j) { return j.type_name(); }

// `where` and a field below it: "x.json: vulnerabilities[2].cve" + "id", or "x.json:" + "id"
// for a document that is one record.
std::string Sub(const std::string& where, std::string_view field) {
  return where + (where.ends_with(':') ? " " : ".") + std::string(field);
}

bool IsCweId(std::string_view s) {
  if (!s.starts_with("CWE-") || s.size() == 4 || s.size() > 24) return false;
  return std::all_of(s.begin() + 4, s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string OneDecimal(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", x);
  return buf;
}

// Appends `value` unless present; returns false when `list` is full.
void AddDistinct(std::vector<std::string>& list, const std::string& value, size_t max) {
  if (list.size() >= max) return;
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

Status CheckSize(std::string_view text, std::string_view what) {
  if (text.size() > kMaxCveDocumentBytes) {
    return LimitExceeded(std::string(what) + ": document of " + std::to_string(text.size()) +
                         " bytes is larger than the limit of " + std::to_string(kMaxCveDocumentBytes) +
                         " for a CVE document");
  }
  return OkStatus();
}

// Reads the CVSS object `c` (NVD cvssData, CVE5 cvssV3_1 ...) at `where`. `want`: the version its
// list or key promises. nullopt (and a problem) when it cannot be used.
std::optional<CvssMetric> ReadCvss(const json& c, CvssVersion want, const std::string& where, FeedProblems& problems) {
  if (!c.is_object()) {
    problems.Add(where, "skipped: a " + TypeName(c) + ", not an object");
    return std::nullopt;
  }
  auto v = c.find("vectorString");
  if (v == c.end() || !v->is_string()) {
    problems.Add(where + ".vectorString", "skipped: missing or not text");
    return std::nullopt;
  }
  const std::string& text = v->get_ref<const std::string&>();
  Result<CvssScore> s = ScoreCvss(text);
  if (!s.ok()) {
    problems.Add(where + ".vectorString", "skipped: " + s.error().message());
    return std::nullopt;
  }
  if (s->version != want) {
    problems.Add(where + ".vectorString", "skipped: a CVSS " + std::string(CvssVersionName(s->version)) +
                                              " vector where CVSS " + std::string(CvssVersionName(want)) +
                                              " is expected: " + QuoteForMessage(text));
    return std::nullopt;
  }
  if (auto b = c.find("baseScore"); b != c.end()) {
    if (!b->is_number()) {
      problems.Add(where + ".baseScore", "a " + TypeName(*b) + ", not a number: ignored, the vector's score used");
    } else if (std::fabs(b->get<double>() - s->base_score) > 0.05) {
      problems.Add(where + ".baseScore", "says " + b->dump() + " but the vector scores " + OneDecimal(s->base_score) +
                                             ": the vector's score used");
    }
  }
  CvssMetric m;
  m.version = s->version;
  m.vector = s->vector;
  m.base_score = s->base_score;
  m.severity = s->severity;
  return m;
}

// ---- NVD CVE JSON 2.0 ----------------------------------------------------------------------

struct NvdList {
  const char* key;
  CvssVersion version;
};
constexpr NvdList kNvdLists[] = {{"cvssMetricV40", CvssVersion::kV40},
                                 {"cvssMetricV31", CvssVersion::kV31},
                                 {"cvssMetricV30", CvssVersion::kV30},
                                 {"cvssMetricV2", CvssVersion::kV2}};

void ReadNvdRecord(const json& r, const std::string& where, CveRecords& out) {
  if (!r.is_object()) {
    out.problems.Add(where, "skipped: a " + TypeName(r) + ", not a CVE record");
    return;
  }
  CveEnrichment e;
  e.origin = "nvd";
  e.cve = JsonString(r, "id");
  if (!IsCveId(e.cve)) {
    out.problems.Add(Sub(where, "id"), "skipped: " + QuoteForMessage(e.cve) + " is not a CVE id");
    return;
  }
  e.modified = JsonString(r, "lastModified");
  e.status = JsonString(r, "vulnStatus");
  e.rejected = e.status == "Rejected";
  e.assigner = JsonString(r, "sourceIdentifier");
  if (auto metrics = r.find("metrics"); metrics != r.end() && !metrics->is_null()) {
    if (!metrics->is_object()) {
      out.problems.Add(Sub(where, "metrics"), e.cve + ": a " + TypeName(*metrics) + ", not an object: no CVSS read");
    } else {
      for (const NvdList& list : kNvdLists) {
        auto l = metrics->find(list.key);
        if (l == metrics->end() || l->is_null()) continue;
        std::string lw = Sub(where, "metrics.") + list.key;
        if (!l->is_array()) {
          out.problems.Add(lw, e.cve + ": a " + TypeName(*l) + ", not a list: skipped");
          continue;
        }
        if (l->size() > kMaxCvssMetricsPerList) {
          out.problems.Add(lw, e.cve + ": " + std::to_string(l->size()) + " metrics, only the first " +
                                   std::to_string(kMaxCvssMetricsPerList) + " read");
        }
        for (size_t i = 0; i < l->size() && i < kMaxCvssMetricsPerList; ++i) {
          const json& m = (*l)[i];
          std::string mw = lw + "[" + std::to_string(i) + "]";
          if (!m.is_object()) {
            out.problems.Add(mw, e.cve + ": skipped: a " + TypeName(m) + ", not an object");
            continue;
          }
          auto data = m.find("cvssData");
          if (data == m.end()) {
            out.problems.Add(mw + ".cvssData", e.cve + ": skipped: missing");
            continue;
          }
          std::optional<CvssMetric> metric = ReadCvss(*data, list.version, mw + ".cvssData", out.problems);
          if (!metric) continue;
          metric->source = JsonString(m, "source");
          metric->type = JsonString(m, "type");
          if (metric->source == "nvd@nist.gov") {
            metric->provider = CvssProvider::kNvd;
          } else if (!e.assigner.empty() && metric->source == e.assigner) {
            metric->provider = CvssProvider::kCna;
          } else if (metric->source == kCisaAdpNvdSource) {
            metric->provider = CvssProvider::kCisaAdp;
            metric->source = "CISA-ADP";
          } else {
            metric->provider = CvssProvider::kOther;
          }
          e.cvss.push_back(std::move(*metric));
        }
      }
    }
  }
  // NVD's copy of CISA-ADP's SSVC decision points ("ssvcV203"; keys in camel case).
  if (auto metrics = r.find("metrics"); metrics != r.end() && metrics->is_object()) {
    if (auto ssvc = metrics->find("ssvcV203"); ssvc != metrics->end() && ssvc->is_array()) {
      for (size_t i = 0; i < ssvc->size() && i < kMaxCvssMetricsPerList; ++i) {
        const json& x = (*ssvc)[i];
        if (!x.is_object()) continue;
        auto data = x.find("ssvcData");
        if (data == x.end() || !data->is_object()) continue;
        auto options = data->find("options");
        if (options == data->end() || !options->is_array()) continue;
        for (size_t k = 0; k < options->size() && k < 16; ++k) {
          const json& o = (*options)[k];
          if (!o.is_object()) continue;
          for (auto it = o.begin(); it != o.end(); ++it) {
            if (!it->is_string()) continue;
            if (it.key() == "exploitation") e.ssvc.exploitation = it->get<std::string>();
            if (it.key() == "automatable") e.ssvc.automatable = it->get<std::string>();
            if (it.key() == "technicalImpact") e.ssvc.technical_impact = it->get<std::string>();
          }
        }
      }
    }
  }
  if (auto w = r.find("weaknesses"); w != r.end() && !w->is_null()) {
    if (!w->is_array()) {
      out.problems.Add(Sub(where, "weaknesses"), e.cve + ": a " + TypeName(*w) + ", not a list: skipped");
    } else {
      for (size_t i = 0; i < w->size() && i < kMaxWeaknesses; ++i) {
        const json& entry = (*w)[i];
        if (!entry.is_object()) continue;
        auto d = entry.find("description");
        if (d == entry.end() || !d->is_array()) continue;
        for (size_t k = 0; k < d->size() && k < kMaxWeaknesses; ++k) {
          std::string v = (*d)[k].is_object() ? JsonString((*d)[k], "value") : std::string();
          // "NVD-CWE-noinfo" and "NVD-CWE-Other" say there is no CWE id.
          if (IsCweId(v)) AddDistinct(e.cwes, v, kMaxWeaknesses);
        }
      }
    }
  }
  if (auto refs = r.find("references"); refs != r.end() && !refs->is_null()) {
    if (!refs->is_array()) {
      out.problems.Add(Sub(where, "references"), e.cve + ": a " + TypeName(*refs) + ", not a list: skipped");
    } else {
      if (refs->size() > kMaxReferencesRead) {
        out.problems.Add(Sub(where, "references"), e.cve + ": " + std::to_string(refs->size()) +
                                                       " references, only the first " +
                                                       std::to_string(kMaxReferencesRead) + " read");
      }
      for (size_t i = 0; i < refs->size() && i < kMaxReferencesRead; ++i) {
        const json& ref = (*refs)[i];
        std::string url = ref.is_object() ? JsonString(ref, "url") : std::string();
        if (!url.empty()) AddDistinct(e.references, url, kMaxStoredReferences);
      }
    }
  }
  out.records.push_back(std::move(e));
}

// ---- CVE JSON 5 ----------------------------------------------------------------------------

struct Cve5Key {
  const char* key;
  CvssVersion version;
};
constexpr Cve5Key kCve5Keys[] = {{"cvssV4_0", CvssVersion::kV40},
                                 {"cvssV3_1", CvssVersion::kV31},
                                 {"cvssV3_0", CvssVersion::kV30},
                                 {"cvssV2_0", CvssVersion::kV2}};

void ReadSsvc(const json& other, CveEnrichment& e) {
  if (!other.is_object() || JsonString(other, "type") != "ssvc") return;
  auto content = other.find("content");
  if (content == other.end() || !content->is_object()) return;
  auto options = content->find("options");
  if (options == content->end() || !options->is_array()) return;
  for (size_t i = 0; i < options->size() && i < 16; ++i) {
    const json& o = (*options)[i];
    if (!o.is_object()) continue;
    for (auto it = o.begin(); it != o.end(); ++it) {
      if (!it->is_string()) continue;
      std::string key = it.key();
      std::string value = it->get<std::string>();
      if (key == "Exploitation") e.ssvc.exploitation = value;
      if (key == "Automatable") e.ssvc.automatable = value;
      if (key == "Technical Impact") e.ssvc.technical_impact = value;
    }
  }
}

void ReadContainer(const json& c, const std::string& where, CvssProvider provider, const std::string& name,
                   CveEnrichment& e, FeedProblems& problems) {
  if (!c.is_object()) {
    problems.Add(where, e.cve + ": a " + TypeName(c) + ", not an object: skipped");
    return;
  }
  if (auto metrics = c.find("metrics"); metrics != c.end() && !metrics->is_null()) {
    if (!metrics->is_array()) {
      problems.Add(Sub(where, "metrics"), e.cve + ": a " + TypeName(*metrics) + ", not a list: skipped");
    } else {
      if (metrics->size() > kMaxCvssMetricsPerList) {
        problems.Add(Sub(where, "metrics"), e.cve + ": " + std::to_string(metrics->size()) +
                                                " metrics, only the first " + std::to_string(kMaxCvssMetricsPerList) +
                                                " read");
      }
      for (size_t i = 0; i < metrics->size() && i < kMaxCvssMetricsPerList; ++i) {
        const json& m = (*metrics)[i];
        std::string mw = where + ".metrics[" + std::to_string(i) + "]";
        if (!m.is_object()) {
          problems.Add(mw, e.cve + ": skipped: a " + TypeName(m) + ", not an object");
          continue;
        }
        for (const Cve5Key& k : kCve5Keys) {
          auto x = m.find(k.key);
          if (x == m.end()) continue;
          std::optional<CvssMetric> metric = ReadCvss(*x, k.version, mw + "." + k.key, problems);
          if (!metric) continue;
          metric->provider = provider;
          metric->source = name;
          e.cvss.push_back(std::move(*metric));
        }
        if (auto other = m.find("other"); other != m.end()) ReadSsvc(*other, e);
      }
    }
  }
  if (auto pt = c.find("problemTypes"); pt != c.end() && pt->is_array()) {
    for (size_t i = 0; i < pt->size() && i < kMaxWeaknesses; ++i) {
      const json& p = (*pt)[i];
      if (!p.is_object()) continue;
      auto d = p.find("descriptions");
      if (d == p.end() || !d->is_array()) continue;
      for (size_t k = 0; k < d->size() && k < kMaxWeaknesses; ++k) {
        std::string v = (*d)[k].is_object() ? JsonString((*d)[k], "cweId") : std::string();
        if (IsCweId(v)) AddDistinct(e.cwes, v, kMaxWeaknesses);
      }
    }
  }
  if (auto refs = c.find("references"); refs != c.end() && !refs->is_null()) {
    if (!refs->is_array()) {
      problems.Add(where + ".references", e.cve + ": a " + TypeName(*refs) + ", not a list: skipped");
    } else {
      for (size_t i = 0; i < refs->size() && i < kMaxReferencesRead; ++i) {
        const json& ref = (*refs)[i];
        std::string url = ref.is_object() ? JsonString(ref, "url") : std::string();
        if (!url.empty()) AddDistinct(e.references, url, kMaxStoredReferences);
      }
    }
  }
}

}  // namespace

Result<CveRecords> ParseNvdCveJson(std::string_view text, std::string_view what) {
  VIGIL_RETURN_IF_ERROR(CheckSize(text, what));
  VIGIL_ASSIGN_OR_RETURN(json doc, ParseJson(text, what, kMaxCveJsonDepth));
  const std::string w(what);
  if (!doc.is_object()) return Corrupt(w + ": top level is a " + TypeName(doc) + ", not an NVD CVE record");
  CveRecords out;
  if (doc.contains("id")) {
    ReadNvdRecord(doc, w + ":", out);
    return out;
  }
  const char* key = doc.contains("vulnerabilities") ? "vulnerabilities" : "cve_items";
  auto list = doc.find(key);
  if (list == doc.end() || !list->is_array()) {
    return Corrupt(w + ": neither an NVD CVE record (\"id\") nor an NVD envelope (a \"vulnerabilities\" list)");
  }
  if (list->size() > kMaxCveRecordsPerDocument) {
    return LimitExceeded(w + ": " + key + " holds " + std::to_string(list->size()) +
                         " records, more than the limit of " + std::to_string(kMaxCveRecordsPerDocument));
  }
  out.records.reserve(list->size());
  for (size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    std::string where = w + ": " + key + "[" + std::to_string(i) + "]";
    if (item.is_object() && item.contains("cve")) {
      ReadNvdRecord(item["cve"], where + ".cve", out);
    } else {
      ReadNvdRecord(item, where, out);
    }
  }
  return out;
}

Result<CveRecords> ParseCve5Json(std::string_view text, std::string_view what) {
  VIGIL_RETURN_IF_ERROR(CheckSize(text, what));
  VIGIL_ASSIGN_OR_RETURN(json doc, ParseJson(text, what, kMaxCveJsonDepth));
  const std::string w(what);
  if (!doc.is_object()) return Corrupt(w + ": top level is a " + TypeName(doc) + ", not a CVE JSON 5 record");
  auto meta = doc.find("cveMetadata");
  if (meta == doc.end() || !meta->is_object())
    return Corrupt(w + ": no \"cveMetadata\" object (not a CVE JSON 5 record)");
  CveEnrichment e;
  e.origin = "cve5";
  e.cve = JsonString(*meta, "cveId");
  if (!IsCveId(e.cve)) {
    return Corrupt(w + ": cveMetadata.cveId " + QuoteForMessage(e.cve) + " is not a CVE id");
  }
  e.status = JsonString(*meta, "state");
  e.rejected = e.status == "REJECTED";
  e.modified = JsonString(*meta, "dateUpdated");
  e.assigner = JsonString(*meta, "assignerShortName");
  CveRecords out;
  auto containers = doc.find("containers");
  if (containers != doc.end() && !containers->is_object()) {
    out.problems.Add(w + ": containers", e.cve + ": a " + TypeName(*containers) + ", not an object: skipped");
  } else if (containers != doc.end()) {
    if (auto cna = containers->find("cna"); cna != containers->end()) {
      std::string name = e.assigner;
      if (cna->is_object()) {
        if (auto pm = cna->find("providerMetadata"); pm != cna->end() && pm->is_object()) {
          std::string s = JsonString(*pm, "shortName");
          if (!s.empty()) name = s;
        }
      }
      ReadContainer(*cna, w + ": containers.cna", CvssProvider::kCna, name, e, out.problems);
    }
    if (auto adp = containers->find("adp"); adp != containers->end() && !adp->is_null()) {
      if (!adp->is_array()) {
        out.problems.Add(w + ": containers.adp", e.cve + ": a " + TypeName(*adp) + ", not a list: skipped");
      } else {
        if (adp->size() > kMaxAdpContainers) {
          out.problems.Add(w + ": containers.adp", e.cve + ": " + std::to_string(adp->size()) +
                                                       " containers, only the first " +
                                                       std::to_string(kMaxAdpContainers) + " read");
        }
        for (size_t i = 0; i < adp->size() && i < kMaxAdpContainers; ++i) {
          const json& a = (*adp)[i];
          std::string name;
          if (a.is_object()) {
            if (auto pm = a.find("providerMetadata"); pm != a.end() && pm->is_object()) {
              name = JsonString(*pm, "shortName");
            }
          }
          CvssProvider provider = name == "CISA-ADP" ? CvssProvider::kCisaAdp : CvssProvider::kOther;
          ReadContainer(a, w + ": containers.adp[" + std::to_string(i) + "]", provider, name, e, out.problems);
        }
      }
    }
  }
  out.records.push_back(std::move(e));
  return out;
}

}  // namespace vigil::vulndb
