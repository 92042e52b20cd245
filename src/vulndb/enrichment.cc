#include "vulndb/enrichment.h"

#include <tuple>
#include <utility>

#include "common/json.h"

namespace vigil::vulndb {
namespace {

using nlohmann::json;

int VersionRank(CvssVersion v) {
  switch (v) {
    case CvssVersion::kV40:
      return 0;
    case CvssVersion::kV31:
      return 1;
    case CvssVersion::kV30:
      return 2;
    case CvssVersion::kV2:
      return 3;
  }
  return 3;
}

std::string Label(const CvssMetric& m) {
  std::string v = "CVSS " + std::string(CvssVersionName(m.version));
  switch (m.provider) {
    case CvssProvider::kCna:
      return "CNA (" + m.source + ") " + v;
    case CvssProvider::kNvd:
      return "NVD " + v;
    case CvssProvider::kCisaAdp:
      return "CISA-ADP " + v;
    case CvssProvider::kOther:
      break;
  }
  return (m.source.empty() ? std::string("other") : m.source) + " " + v;
}

std::vector<std::string> Strings(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const json& s : *it) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

}  // namespace

std::string_view CvssProviderName(CvssProvider provider) {
  switch (provider) {
    case CvssProvider::kCna:
      return "CNA";
    case CvssProvider::kNvd:
      return "NVD";
    case CvssProvider::kCisaAdp:
      return "CISA-ADP";
    case CvssProvider::kOther:
      break;
  }
  return "other";
}

std::string EnrichmentToJson(const CveEnrichment& e) {
  json j = {{"cve", e.cve},           {"origin", e.origin},     {"modified", e.modified}, {"status", e.status},
            {"rejected", e.rejected}, {"assigner", e.assigner}, {"cwes", e.cwes},         {"references", e.references}};
  json metrics = json::array();
  for (const CvssMetric& m : e.cvss) {
    // Score and severity are written for readers of `db get`; EnrichmentFromJson scores the
    // vector again rather than trusting them.
    metrics.push_back({{"provider", CvssProviderName(m.provider)},
                       {"source", m.source},
                       {"type", m.type},
                       {"version", CvssVersionName(m.version)},
                       {"vector", m.vector},
                       {"score", m.base_score},
                       {"severity", m.severity}});
  }
  j["cvss"] = std::move(metrics);
  if (!e.ssvc.empty()) {
    j["ssvc"] = {{"exploitation", e.ssvc.exploitation},
                 {"automatable", e.ssvc.automatable},
                 {"technical_impact", e.ssvc.technical_impact}};
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<CveEnrichment> EnrichmentFromJson(std::string_view text, std::string_view what) {
  VIGIL_ASSIGN_OR_RETURN(json j, ParseJson(text, what, 16));
  if (!j.is_object()) return Corrupt(std::string(what) + ": stored enrichment is not an object");
  CveEnrichment e;
  e.cve = JsonString(j, "cve");
  e.origin = JsonString(j, "origin");
  e.modified = JsonString(j, "modified");
  e.status = JsonString(j, "status");
  e.assigner = JsonString(j, "assigner");
  if (auto r = j.find("rejected"); r != j.end() && r->is_boolean()) e.rejected = r->get<bool>();
  e.cwes = Strings(j, "cwes");
  e.references = Strings(j, "references");
  if (auto m = j.find("cvss"); m != j.end() && m->is_array()) {
    for (const json& x : *m) {
      if (!x.is_object()) continue;
      // Scores are not stored: the vector is, and scoring it again gives the same figures.
      Result<CvssScore> s = ScoreCvss(JsonString(x, "vector"));
      if (!s.ok()) return Corrupt(std::string(what) + ": stored CVSS vector: " + s.error().message());
      CvssMetric metric;
      std::string provider = JsonString(x, "provider");
      metric.provider = provider == "CNA"        ? CvssProvider::kCna
                        : provider == "NVD"      ? CvssProvider::kNvd
                        : provider == "CISA-ADP" ? CvssProvider::kCisaAdp
                                                 : CvssProvider::kOther;
      metric.source = JsonString(x, "source");
      metric.type = JsonString(x, "type");
      metric.version = s->version;
      metric.vector = s->vector;
      metric.base_score = s->base_score;
      metric.severity = s->severity;
      e.cvss.push_back(std::move(metric));
    }
  }
  if (auto s = j.find("ssvc"); s != j.end() && s->is_object()) {
    e.ssvc.exploitation = JsonString(*s, "exploitation");
    e.ssvc.automatable = JsonString(*s, "automatable");
    e.ssvc.technical_impact = JsonString(*s, "technical_impact");
  }
  return e;
}

std::optional<ChosenCvss> ChooseCvss(const std::vector<CveEnrichment>& records) {
  const CvssMetric* best = nullptr;
  auto key = [](const CvssMetric& m, const CveEnrichment& r) {
    // v2 only after every v3/v4 metric of any provider.
    bool v2 = m.version == CvssVersion::kV2;
    return std::tuple<int, int, int, int>(v2 ? 1 : 0, static_cast<int>(m.provider), VersionRank(m.version),
                                          r.origin == "cve5" ? 0 : 1);
  };
  std::tuple<int, int, int, int> best_key;
  for (const CveEnrichment& r : records) {
    if (r.rejected) continue;
    for (const CvssMetric& m : r.cvss) {
      if (ParseRating(m.severity) == Rating::kUnknown) continue;
      auto k = key(m, r);
      if (!best || k < best_key) {
        best = &m;
        best_key = k;
      }
    }
  }
  if (!best) return std::nullopt;
  return ChosenCvss{ParseRating(best->severity), Label(*best), best};
}

}  // namespace vigil::vulndb
