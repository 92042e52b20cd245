#include "match/vex.h"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "catalog/purl.h"
#include "common/json.h"
#include "common/strings.h"
#include "common/vuln_id.h"

namespace vigil::match {
namespace {

using nlohmann::json;

// VEX documents are shallow; a low cap keeps hostile nesting cheap to refuse.
constexpr int kMaxDepth = 64;
// CSAF product trees nest branches; the spec has no limit but real trees are < 10 deep.
constexpr int kMaxBranchDepth = 32;

constexpr std::array<std::string_view, 5> kOpenVexJustifications = {
    "component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist"};

constexpr std::array<std::string_view, 9> kCycloneDxJustifications = {
    "code_not_present",     "code_not_reachable",     "requires_configuration",
    "requires_dependency",  "requires_environment",   "protected_by_compiler",
    "protected_at_runtime", "protected_at_perimeter", "protected_by_mitigating_control"};

constexpr std::array<std::string_view, 5> kCycloneDxResponses = {"can_not_fix", "will_not_fix", "update", "rollback",
                                                                 "workaround_available"};

template <size_t N>
bool OneOf(const std::array<std::string_view, N>& set, std::string_view v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

template <size_t N>
std::string JoinNames(const std::array<std::string_view, N>& set) {
  std::string out;
  for (std::string_view s : set) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

std::string TypeName(const json& j) { return j.type_name(); }

std::string Index(std::string_view path, size_t i) { return std::string(path) + "[" + std::to_string(i) + "]"; }
std::string Field(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

// Collects diagnostics for one document and offers typed getters that report wrong types.
class Reader {
 public:
  explicit Reader(std::string_view what) : what_(what) {}

  void Error(std::string_view path, std::string message) { diagnostics_.Error(Location(path), std::move(message)); }
  void Warning(std::string_view path, std::string message) { diagnostics_.Warning(Location(path), std::move(message)); }
  std::string Location(std::string_view path) const {
    return std::string(what_) + ":" + (path.empty() ? std::string("$") : std::string(path));
  }
  size_t error_count() const { return diagnostics_.error_count(); }
  std::vector<Diagnostic> TakeDiagnostics() { return diagnostics_.Take(); }

  // obj[key] if obj is an object holding key, else nullptr.
  static const json* Get(const json& obj, std::string_view key) {
    if (!obj.is_object()) return nullptr;
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }

  // The string at obj[key]: nullopt when absent (an error if `required`) or not a string (an
  // error).
  std::optional<std::string> String(const json& obj, std::string_view key, std::string_view path,
                                    bool required = false) {
    const json* v = Get(obj, key);
    if (v == nullptr || v->is_null()) {
      if (required) Error(Field(path, key), "is required");
      return std::nullopt;
    }
    if (!v->is_string()) {
      Error(Field(path, key), "expected a string, found " + TypeName(*v));
      return std::nullopt;
    }
    return v->get<std::string>();
  }

  // The array at obj[key]: nullptr when absent (an error if `required`) or not an array (an error).
  const json* Array(const json& obj, std::string_view key, std::string_view path, bool required = false) {
    const json* v = Get(obj, key);
    if (v == nullptr || v->is_null()) {
      if (required) Error(Field(path, key), "is required");
      return nullptr;
    }
    if (!v->is_array()) {
      Error(Field(path, key), "expected an array, found " + TypeName(*v));
      return nullptr;
    }
    return v;
  }

  // The strings of the array at obj[key]; non-strings are reported and skipped.
  std::vector<std::string> Strings(const json& obj, std::string_view key, std::string_view path) {
    std::vector<std::string> out;
    const json* arr = Array(obj, key, path);
    if (arr == nullptr) return out;
    std::string base = Field(path, key);
    for (size_t i = 0; i < arr->size(); ++i) {
      const json& e = (*arr)[i];
      if (!e.is_string()) {
        Error(Index(base, i), "expected a string, found " + TypeName(e));
        continue;
      }
      out.push_back(e.get<std::string>());
    }
    return out;
  }

  std::string_view what() const { return what_; }

 private:
  std::string_view what_;
  Diagnostics diagnostics_;
};

std::optional<VexStatement::Status> OpenVexStatus(std::string_view s) {
  if (s == "not_affected") return VexStatement::Status::kNotAffected;
  if (s == "affected") return VexStatement::Status::kAffected;
  if (s == "fixed") return VexStatement::Status::kFixed;
  if (s == "under_investigation") return VexStatement::Status::kUnderInvestigation;
  return std::nullopt;
}

// ---- OpenVEX ---------------------------------------------------------------------------------

// One product (or subcomponent) entry: a string (0.0.x) or an object with @id and/or
// identifiers{purl,cpe23,cpe22}. Pushes the names it gives, the purl first.
void OpenVexComponent(Reader& r, const json& p, const std::string& path, std::vector<std::string>& out) {
  if (p.is_string()) {
    std::string s = p.get<std::string>();
    if (s.empty()) {
      r.Error(path, "empty product");
    } else {
      out.push_back(std::move(s));
    }
    return;
  }
  if (!p.is_object()) {
    r.Error(path, "expected a string or an object, found " + TypeName(p));
    return;
  }
  size_t before = out.size();
  std::optional<std::string> id = r.String(p, "@id", path);
  if (const json* ids = Reader::Get(p, "identifiers"); ids != nullptr) {
    std::string ipath = Field(path, "identifiers");
    if (!ids->is_object()) {
      r.Error(ipath, "expected an object, found " + TypeName(*ids));
    } else {
      for (std::string_view key : {"purl", "cpe23", "cpe22"}) {
        if (auto v = r.String(*ids, key, ipath); v && !v->empty()) out.push_back(*v);
      }
    }
  }
  if (id && !id->empty() && std::find(out.begin() + before, out.end(), *id) == out.end()) {
    out.push_back(*id);
  }
  if (out.size() == before) r.Error(path, "product has neither @id nor identifiers");
}

void ParseOpenVexStatement(Reader& r, const json& st, const std::string& path, const std::string& doc_timestamp,
                           VexDocument& doc) {
  if (!st.is_object()) {
    r.Error(path, "expected an object, found " + TypeName(st));
    return;
  }
  size_t errors_before = r.error_count();
  VexStatement out;
  out.source = r.Location(path);

  // vulnerability: {name, @id, aliases} in v0.2.0, a bare id string in 0.0.x.
  std::string vpath = Field(path, "vulnerability");
  const json* vuln = Reader::Get(st, "vulnerability");
  if (vuln == nullptr || vuln->is_null()) {
    r.Error(vpath, "is required");
  } else if (vuln->is_string()) {
    out.vulnerability = vuln->get<std::string>();
    if (out.vulnerability.empty()) r.Error(vpath, "empty vulnerability id");
  } else if (vuln->is_object()) {
    if (auto name = r.String(*vuln, "name", vpath)) out.vulnerability = *name;
    std::optional<std::string> vid = r.String(*vuln, "@id", vpath);
    out.aliases = r.Strings(*vuln, "aliases", vpath);
    if (out.vulnerability.empty()) {
      if (vid && !vid->empty()) {
        // The name is required by the spec, but an IRI alone still identifies it.
        r.Warning(Field(vpath, "name"), "missing; using @id '" + *vid + "'");
        out.vulnerability = *vid;
      } else {
        r.Error(Field(vpath, "name"), "is required");
      }
    } else if (vid && !vid->empty() && *vid != out.vulnerability) {
      out.aliases.push_back(*vid);
    }
  } else {
    r.Error(vpath, "expected a string or an object, found " + TypeName(*vuln));
  }

  // products, each possibly carrying subcomponents (v0.2.0); 0.0.x has statement-level
  // subcomponents as strings.
  if (const json* products = r.Array(st, "products", path)) {
    std::string ppath = Field(path, "products");
    for (size_t i = 0; i < products->size(); ++i) {
      const json& p = (*products)[i];
      std::string pi = Index(ppath, i);
      OpenVexComponent(r, p, pi, out.products);
      if (const json* subs = p.is_object() ? r.Array(p, "subcomponents", pi) : nullptr) {
        std::string spath = Field(pi, "subcomponents");
        for (size_t k = 0; k < subs->size(); ++k) {
          OpenVexComponent(r, (*subs)[k], Index(spath, k), out.subcomponents);
        }
      }
    }
  }
  if (const json* subs = r.Array(st, "subcomponents", path)) {
    std::string spath = Field(path, "subcomponents");
    for (size_t k = 0; k < subs->size(); ++k) {
      OpenVexComponent(r, (*subs)[k], Index(spath, k), out.subcomponents);
    }
  }
  if (out.products.empty() && out.subcomponents.empty()) {
    r.Error(Field(path, "products"), "statement names no product");
  }

  std::string spath = Field(path, "status");
  std::optional<std::string> status = r.String(st, "status", path, /*required=*/true);
  std::optional<VexStatement::Status> parsed;
  if (status) {
    parsed = OpenVexStatus(*status);
    if (!parsed) {
      r.Error(spath,
              "'" + Clip(*status) + "' is not a VEX status (not_affected, affected, fixed, under_investigation)");
    } else {
      out.status = *parsed;
    }
  }

  if (auto j = r.String(st, "justification", path)) {
    if (!OneOf(kOpenVexJustifications, *j)) {
      r.Error(Field(path, "justification"),
              "'" + Clip(*j) + "' is not an OpenVEX justification (" + JoinNames(kOpenVexJustifications) + ")");
    } else {
      out.justification = *j;
    }
  }
  if (auto s = r.String(st, "impact_statement", path)) out.impact_statement = *s;
  if (auto s = r.String(st, "action_statement", path)) out.action_statement = *s;
  (void)r.String(st, "status_notes", path);  // free text; read only to report a wrong type
  if (auto s = r.String(st, "timestamp", path); s && !s->empty()) {
    out.timestamp = *s;
  } else {
    out.timestamp = doc_timestamp;
  }

  if (parsed == VexStatement::Status::kNotAffected && out.justification.empty() && out.impact_statement.empty() &&
      !Reader::Get(st, "justification")) {
    r.Error(path, "status not_affected needs a justification or an impact_statement");
  }
  if (parsed && parsed != VexStatement::Status::kNotAffected && !out.justification.empty()) {
    r.Warning(Field(path, "justification"),
              "only meaningful with status not_affected, here '" + std::string(VexStatusName(*parsed)) + "'");
  }
  if (parsed == VexStatement::Status::kAffected && out.action_statement.empty()) {
    r.Warning(path, "status affected should carry an action_statement");
  }

  if (r.error_count() == errors_before) doc.statements.push_back(std::move(out));
}

Result<VexDocument> ParseOpenVex(const json& root, std::string_view what) {
  Reader r(what);
  VexDocument doc;
  doc.format = VexDocument::Format::kOpenVex;
  std::string context = root["@context"].get<std::string>();
  if (context != "https://openvex.dev/ns" && context != "https://openvex.dev/ns/v0.2.0" &&
      !context.starts_with("https://openvex.dev/ns/v0.0.")) {
    r.Warning("@context", "unknown OpenVEX version '" + Clip(context) + "'; read as v0.2.0");
  }
  if (auto s = r.String(root, "@id", "")) doc.id = *s;
  if (auto s = r.String(root, "author", "")) doc.author = *s;
  if (auto s = r.String(root, "timestamp", "")) doc.timestamp = *s;
  if (const json* statements = r.Array(root, "statements", "", /*required=*/true)) {
    for (size_t i = 0; i < statements->size(); ++i) {
      ParseOpenVexStatement(r, (*statements)[i], Index("statements", i), doc.timestamp, doc);
    }
  }
  doc.diagnostics = r.TakeDiagnostics();
  return doc;
}

// ---- CycloneDX -------------------------------------------------------------------------------

// bom-ref → purl of every component, nested ones and metadata.component included.
void CollectBomRefs(Reader& r, const json& components, const std::string& path, int depth,
                    std::map<std::string, std::string>& refs) {
  if (!components.is_array()) {
    r.Error(path, "expected an array, found " + TypeName(components));
    return;
  }
  if (depth > kMaxBranchDepth) {
    r.Error(path, "components nested deeper than " + std::to_string(kMaxBranchDepth));
    return;
  }
  for (size_t i = 0; i < components.size(); ++i) {
    const json& c = components[i];
    std::string ci = Index(path, i);
    if (!c.is_object()) continue;
    std::optional<std::string> ref = r.String(c, "bom-ref", ci);
    std::optional<std::string> purl = r.String(c, "purl", ci);
    if (ref && !ref->empty()) refs[*ref] = purl ? *purl : "";
    if (const json* nested = Reader::Get(c, "components")) {
      CollectBomRefs(r, *nested, Field(ci, "components"), depth + 1, refs);
    }
  }
}

std::optional<VexStatement::Status> CycloneDxState(std::string_view s) {
  if (s == "not_affected" || s == "false_positive") return VexStatement::Status::kNotAffected;
  if (s == "exploitable") return VexStatement::Status::kAffected;
  if (s == "resolved" || s == "resolved_with_pedigree") return VexStatement::Status::kFixed;
  if (s == "in_triage") return VexStatement::Status::kUnderInvestigation;
  return std::nullopt;
}

void ParseCycloneDxVulnerability(Reader& r, const json& v, const std::string& path,
                                 const std::map<std::string, std::string>& refs, const std::string& doc_timestamp,
                                 VexDocument& doc) {
  if (!v.is_object()) {
    r.Error(path, "expected an object, found " + TypeName(v));
    return;
  }
  const json* analysis = Reader::Get(v, "analysis");
  if (analysis == nullptr || analysis->is_null()) {
    // A BOM may list vulnerabilities without triage; such entries state nothing.
    r.Warning(path, "no analysis; not a VEX statement");
    return;
  }
  size_t errors_before = r.error_count();
  VexStatement out;
  out.source = r.Location(path);
  if (auto id = r.String(v, "id", path, /*required=*/true)) {
    out.vulnerability = *id;
    if (id->empty()) r.Error(Field(path, "id"), "empty vulnerability id");
  }
  if (const json* references = r.Array(v, "references", path)) {
    for (size_t i = 0; i < references->size(); ++i) {
      const json& ref = (*references)[i];
      std::string ri = Index(Field(path, "references"), i);
      if (!ref.is_object()) {
        r.Error(ri, "expected an object, found " + TypeName(ref));
        continue;
      }
      if (auto id = r.String(ref, "id", ri); id && !id->empty()) out.aliases.push_back(*id);
    }
  }

  std::string apath = Field(path, "analysis");
  std::optional<VexStatement::Status> parsed;
  if (!analysis->is_object()) {
    r.Error(apath, "expected an object, found " + TypeName(*analysis));
  } else {
    if (auto state = r.String(*analysis, "state", apath, /*required=*/true)) {
      parsed = CycloneDxState(*state);
      if (!parsed) {
        r.Error(Field(apath, "state"),
                "'" + Clip(*state) +
                    "' is not a CycloneDX analysis state (not_affected, false_positive, exploitable, "
                    "resolved, resolved_with_pedigree, in_triage)");
      } else {
        out.status = *parsed;
        if (*state == "false_positive") out.justification = "false_positive";
      }
    }
    if (auto j = r.String(*analysis, "justification", apath)) {
      if (!OneOf(kCycloneDxJustifications, *j)) {
        r.Error(Field(apath, "justification"),
                "'" + Clip(*j) + "' is not a CycloneDX justification (" + JoinNames(kCycloneDxJustifications) + ")");
      } else {
        out.justification = *j;
      }
    }
    if (auto d = r.String(*analysis, "detail", apath)) out.impact_statement = *d;
    std::string responses;
    std::vector<std::string> rs = r.Strings(*analysis, "response", apath);
    for (size_t i = 0; i < rs.size(); ++i) {
      if (!OneOf(kCycloneDxResponses, rs[i])) {
        r.Error(Index(Field(apath, "response"), i),
                "'" + Clip(rs[i]) + "' is not a CycloneDX response (" + JoinNames(kCycloneDxResponses) + ")");
        continue;
      }
      if (!responses.empty()) responses += ", ";
      responses += rs[i];
    }
    out.action_statement = responses;
    if (auto rec = r.String(v, "recommendation", path); rec && !rec->empty()) {
      out.action_statement += (out.action_statement.empty() ? "" : ": ") + *rec;
    }
    for (std::string_view key : {"lastUpdated", "firstIssued"}) {
      if (auto t = r.String(*analysis, key, apath); t && !t->empty() && out.timestamp.empty()) {
        out.timestamp = *t;
      }
    }
  }
  for (std::string_view key : {"updated", "published"}) {
    if (auto t = r.String(v, key, path); t && !t->empty() && out.timestamp.empty()) out.timestamp = *t;
  }
  if (out.timestamp.empty()) out.timestamp = doc_timestamp;

  if (const json* affects = r.Array(v, "affects", path, /*required=*/true)) {
    std::string fpath = Field(path, "affects");
    for (size_t i = 0; i < affects->size(); ++i) {
      const json& a = (*affects)[i];
      std::string ai = Index(fpath, i);
      if (!a.is_object()) {
        r.Error(ai, "expected an object, found " + TypeName(a));
        continue;
      }
      std::optional<std::string> ref = r.String(a, "ref", ai, /*required=*/true);
      if (!ref) continue;
      auto it = refs.find(*ref);
      if (it != refs.end() && !it->second.empty()) {
        out.products.push_back(it->second);
      } else if (ref->starts_with("pkg:")) {
        out.products.push_back(*ref);
      } else {
        r.Warning(Field(ai, "ref"), it == refs.end()
                                        ? "'" + Clip(*ref) + "' names no component of this BOM; kept as written"
                                        : "component '" + Clip(*ref) + "' has no purl; kept as written");
        out.products.push_back(*ref);
      }
    }
    if (affects->empty()) r.Error(fpath, "statement names no product");
  }
  if (parsed == VexStatement::Status::kNotAffected && out.justification.empty() && out.impact_statement.empty()) {
    r.Warning(apath, "state not_affected without a justification or detail");
  }
  if (r.error_count() == errors_before) doc.statements.push_back(std::move(out));
}

Result<VexDocument> ParseCycloneDx(const json& root, std::string_view what) {
  Reader r(what);
  VexDocument doc;
  doc.format = VexDocument::Format::kCycloneDx;
  if (auto s = r.String(root, "serialNumber", "")) doc.id = *s;
  std::map<std::string, std::string> refs;
  if (const json* meta = Reader::Get(root, "metadata"); meta != nullptr && meta->is_object()) {
    if (auto t = r.String(*meta, "timestamp", "metadata")) doc.timestamp = *t;
    if (const json* c = Reader::Get(*meta, "component")) {
      CollectBomRefs(r, json::array({*c}), "metadata.component", 0, refs);
    }
    if (const json* authors = Reader::Get(*meta, "authors"); authors && authors->is_array() && !authors->empty()) {
      doc.author = JsonString((*authors)[0], "name");
    }
  }
  if (const json* components = Reader::Get(root, "components")) {
    CollectBomRefs(r, *components, "components", 0, refs);
  }
  if (const json* vulns = r.Array(root, "vulnerabilities", "", /*required=*/true)) {
    for (size_t i = 0; i < vulns->size(); ++i) {
      ParseCycloneDxVulnerability(r, (*vulns)[i], Index("vulnerabilities", i), refs, doc.timestamp, doc);
    }
  }
  doc.diagnostics = r.TakeDiagnostics();
  return doc;
}

// ---- CSAF VEX --------------------------------------------------------------------------------

struct CsafProducts {
  std::map<std::string, std::string> purl_of;  // product_id → purl ("" when it has none)
};

void AddCsafProduct(Reader& r, const json& p, const std::string& path, CsafProducts& out) {
  if (!p.is_object()) return;
  std::optional<std::string> id = r.String(p, "product_id", path);
  if (!id || id->empty()) return;
  std::string purl;
  if (const json* h = Reader::Get(p, "product_identification_helper"); h != nullptr && h->is_object()) {
    if (auto s = r.String(*h, "purl", Field(path, "product_identification_helper"))) purl = *s;
  }
  std::string& slot = out.purl_of[*id];
  if (slot.empty()) slot = purl;
}

void CollectCsafBranches(Reader& r, const json& branches, const std::string& path, int depth, CsafProducts& out) {
  if (!branches.is_array()) {
    r.Error(path, "expected an array, found " + TypeName(branches));
    return;
  }
  if (depth > kMaxBranchDepth) {
    r.Error(path, "branches nested deeper than " + std::to_string(kMaxBranchDepth));
    return;
  }
  for (size_t i = 0; i < branches.size(); ++i) {
    const json& b = branches[i];
    std::string bi = Index(path, i);
    if (const json* p = Reader::Get(b, "product")) AddCsafProduct(r, *p, Field(bi, "product"), out);
    if (const json* nested = Reader::Get(b, "branches")) {
      CollectCsafBranches(r, *nested, Field(bi, "branches"), depth + 1, out);
    }
  }
}

CsafProducts CollectCsafProducts(Reader& r, const json& tree) {
  CsafProducts out;
  if (!tree.is_object()) {
    r.Error("product_tree", "expected an object, found " + TypeName(tree));
    return out;
  }
  if (const json* b = Reader::Get(tree, "branches")) CollectCsafBranches(r, *b, "product_tree.branches", 0, out);
  if (const json* fpn = r.Array(tree, "full_product_names", "product_tree")) {
    for (size_t i = 0; i < fpn->size(); ++i) {
      AddCsafProduct(r, (*fpn)[i], Index("product_tree.full_product_names", i), out);
    }
  }
  // A relationship names a new product ("component X of platform Y"); its purl is the
  // component's, which is the package a scanner sees.
  if (const json* rels = r.Array(tree, "relationships", "product_tree")) {
    for (size_t i = 0; i < rels->size(); ++i) {
      const json& rel = (*rels)[i];
      std::string ri = Index("product_tree.relationships", i);
      const json* fpn = Reader::Get(rel, "full_product_name");
      if (fpn == nullptr) continue;
      AddCsafProduct(r, *fpn, Field(ri, "full_product_name"), out);
      std::string id = JsonString(*fpn, "product_id");
      std::string component = JsonString(rel, "product_reference");
      auto it = out.purl_of.find(component);
      if (!id.empty() && it != out.purl_of.end() && out.purl_of[id].empty()) {
        std::string purl = it->second;
        out.purl_of[id] = purl;
      }
    }
  }
  return out;
}

std::optional<VexStatement::Status> CsafStatus(std::string_view s) {
  if (s == "known_not_affected") return VexStatement::Status::kNotAffected;
  if (s == "known_affected" || s == "first_affected" || s == "last_affected") {
    return VexStatement::Status::kAffected;
  }
  if (s == "fixed" || s == "first_fixed") return VexStatement::Status::kFixed;
  if (s == "under_investigation") return VexStatement::Status::kUnderInvestigation;
  // "recommended" says nothing about being affected.
  return std::nullopt;
}

// product_id → text of the first entry of `key` (flags: label, threats of category impact:
// details, remediations: details) that lists it.
std::map<std::string, std::string> CsafPerProduct(Reader& r, const json& v, std::string_view key,
                                                  std::string_view text_key, std::string_view category,
                                                  const std::string& path) {
  std::map<std::string, std::string> out;
  const json* arr = r.Array(v, key, path);
  if (arr == nullptr) return out;
  for (size_t i = 0; i < arr->size(); ++i) {
    const json& e = (*arr)[i];
    if (!e.is_object()) continue;
    if (!category.empty() && JsonString(e, "category") != category) continue;
    std::string text = JsonString(e, text_key);
    std::vector<std::string> ids = r.Strings(e, "product_ids", Index(Field(path, key), i));
    for (const std::string& id : ids) out.emplace(id, text);
  }
  return out;
}

Result<VexDocument> ParseCsaf(const json& root, std::string_view what) {
  Reader r(what);
  VexDocument doc;
  doc.format = VexDocument::Format::kCsaf;
  const json& d = root["document"];
  if (const json* tracking = Reader::Get(d, "tracking"); tracking && tracking->is_object()) {
    doc.id = JsonString(*tracking, "id");
    doc.timestamp = JsonString(*tracking, "current_release_date");
  }
  if (const json* pub = Reader::Get(d, "publisher"); pub && pub->is_object()) doc.author = JsonString(*pub, "name");

  CsafProducts products;
  if (const json* tree = Reader::Get(root, "product_tree")) products = CollectCsafProducts(r, *tree);

  const json* vulns = r.Array(root, "vulnerabilities", "", /*required=*/true);
  size_t without_purl = 0;
  std::set<std::string> unknown_ids;
  for (size_t i = 0; vulns != nullptr && i < vulns->size(); ++i) {
    const json& v = (*vulns)[i];
    std::string vi = Index("vulnerabilities", i);
    if (!v.is_object()) {
      r.Error(vi, "expected an object, found " + TypeName(v));
      continue;
    }
    std::string cve = r.String(v, "cve", vi).value_or("");
    std::vector<std::string> aliases;
    if (const json* ids = r.Array(v, "ids", vi)) {
      for (const json& e : *ids) {
        std::string t = JsonString(e, "text");
        if (!t.empty()) aliases.push_back(t);
      }
    }
    if (cve.empty()) {
      if (aliases.empty()) {
        r.Error(vi, "vulnerability has neither cve nor ids");
        continue;
      }
      cve = aliases.front();
      aliases.erase(aliases.begin());
    }
    std::map<std::string, std::string> flag = CsafPerProduct(r, v, "flags", "label", "", vi);
    std::map<std::string, std::string> impact = CsafPerProduct(r, v, "threats", "details", "impact", vi);
    std::map<std::string, std::string> action = CsafPerProduct(r, v, "remediations", "details", "", vi);
    std::string timestamp = JsonString(v, "release_date");
    if (timestamp.empty()) timestamp = doc.timestamp;

    const json* ps = Reader::Get(v, "product_status");
    if (ps == nullptr) continue;
    std::string pspath = Field(vi, "product_status");
    if (!ps->is_object()) {
      r.Error(pspath, "expected an object, found " + TypeName(*ps));
      continue;
    }
    for (auto it = ps->begin(); it != ps->end(); ++it) {
      std::optional<VexStatement::Status> status = CsafStatus(it.key());
      std::string kpath = Field(pspath, it.key());
      if (!status) {
        if (it.key() != "recommended") r.Warning(kpath, "unknown product status '" + Clip(it.key()) + "'");
        continue;
      }
      // One statement per (status, justification, impact, action): products of one statement
      // share its texts.
      std::map<std::array<std::string, 3>, VexStatement> groups;
      std::vector<std::string> ids = r.Strings(*ps, it.key(), pspath);
      for (const std::string& id : ids) {
        auto p = products.purl_of.find(id);
        if (p == products.purl_of.end()) {
          unknown_ids.insert(id);
          continue;
        }
        if (p->second.empty()) {
          ++without_purl;
          continue;
        }
        std::array<std::string, 3> key = {flag[id], impact[id], action[id]};
        VexStatement& st = groups[key];
        if (st.source.empty()) {
          st.vulnerability = cve;
          st.aliases = aliases;
          st.status = *status;
          st.justification = key[0];
          st.impact_statement = key[1];
          st.action_statement = key[2];
          st.timestamp = timestamp;
          st.source = r.Location(kpath);
        }
        if (std::find(st.products.begin(), st.products.end(), p->second) == st.products.end()) {
          st.products.push_back(p->second);
        }
      }
      for (auto& [key, st] : groups) doc.statements.push_back(std::move(st));
    }
  }
  if (!unknown_ids.empty()) {
    r.Error("vulnerabilities", std::to_string(unknown_ids.size()) + " product id(s) not in the product_tree, e.g. '" +
                                   Clip(*unknown_ids.begin()) + "'");
  }
  if (without_purl > 0) {
    r.Warning("vulnerabilities",
              std::to_string(without_purl) + " product reference(s) without a purl left out (CPE-only platforms)");
  }
  doc.diagnostics = r.TakeDiagnostics();
  return doc;
}

}  // namespace

std::string_view VexStatusName(VexStatement::Status status) {
  switch (status) {
    case VexStatement::Status::kNotAffected:
      return "not_affected";
    case VexStatement::Status::kAffected:
      return "affected";
    case VexStatement::Status::kFixed:
      return "fixed";
    case VexStatement::Status::kUnderInvestigation:
      return "under_investigation";
  }
  return "?";
}

Result<VexDocument> ParseVex(std::string_view text, std::string_view what) {
  if (text.size() > kMaxVexBytes) {
    return LimitExceeded(std::string(what) + ": VEX document of " + std::to_string(text.size()) +
                         " bytes exceeds the limit of " + std::to_string(kMaxVexBytes));
  }
  VIGIL_ASSIGN_OR_RETURN(json root, ParseJson(text, what, kMaxDepth));
  if (!root.is_object()) {
    return Unsupported(std::string(what) + ": not a VEX document (a JSON " + root.type_name() +
                       ", expected an object)");
  }
  // Adapter boundary: nlohmann throws on misuse; nothing below should, but a throw must not
  // escape the parser.
  try {
    if (const json* ctx = Reader::Get(root, "@context");
        ctx != nullptr && ctx->is_string() && ctx->get<std::string>().starts_with("https://openvex.dev/ns")) {
      return ParseOpenVex(root, what);
    }
    if (JsonString(root, "bomFormat") == "CycloneDX") return ParseCycloneDx(root, what);
    if (const json* d = Reader::Get(root, "document");
        d != nullptr && d->is_object() && Reader::Get(*d, "csaf_version") != nullptr) {
      std::string category = JsonString(*d, "category");
      if (category == "csaf_vex") return ParseCsaf(root, what);
      return Unsupported(std::string(what) + ": CSAF document of category '" + Clip(category) +
                         "' is not a VEX document (only csaf_vex is read)");
    }
  } catch (const json::exception& e) {
    return InternalError(std::string(what) + ": " + e.what());
  }
  return Unsupported(std::string(what) + ": not a VEX document vigil reads (OpenVEX, CycloneDX VEX or CSAF VEX)");
}

bool VexApplies(const VexStatement& statement, std::string_view vulnerability_id,
                const std::vector<std::string>& vulnerability_aliases, std::string_view package_purl) {
  auto same_as_finding = [&](std::string_view id) {
    if (SameVulnerabilityId(id, vulnerability_id)) return true;
    return std::any_of(vulnerability_aliases.begin(), vulnerability_aliases.end(),
                       [&](const std::string& a) { return SameVulnerabilityId(id, a); });
  };
  bool id_matches = same_as_finding(statement.vulnerability) ||
                    std::any_of(statement.aliases.begin(), statement.aliases.end(), same_as_finding);
  if (!id_matches) return false;
  auto matches = [&](const std::string& p) { return catalog::PurlMatches(p, package_purl); };
  return std::any_of(statement.products.begin(), statement.products.end(), matches) ||
         std::any_of(statement.subcomponents.begin(), statement.subcomponents.end(), matches);
}

}  // namespace vigil::match
