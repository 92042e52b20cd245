#include "match/license_policy.h"

#include <algorithm>
#include <set>
#include <utility>

#include "catalog/purl.h"
#include "common/strings.h"
#include "common/yaml_node.h"
#include "match/internal/yaml_reader.h"

namespace vigil::match {
namespace {

using license::Category;
using license::Expression;

// A license id as the policy names it: the canonical SPDX id (deprecated ids by their successor,
// "GPL-2.0+" as "GPL-2.0-or-later"), a LicenseRef- as written; "" with an error otherwise.
std::string PolicyId(YamlReader& r, const YAML::Node& v, const std::string& key) {
  if (!v.IsScalar()) {
    r.Error(v.Mark(), "'" + key + "' entries must be license ids, found " + std::string(NodeKind(v)));
    return {};
  }
  std::string text(Trim(v.Scalar()));
  auto e = license::ParseExpression(text);
  if (!e.ok()) {
    r.Error(v.Mark(), "'" + Clip(text) + "' is not an SPDX license id (or LicenseRef-…): " + e.error().message());
    return {};
  }
  if (e->kind != Expression::Kind::kLicense) {
    r.Error(v.Mark(), "'" + Clip(text) + "' is an expression; list each license id on its own");
    return {};
  }
  return license::Format(*e);
}

std::vector<std::string> IdList(YamlReader& r, const YAML::Node& v, const std::string& key) {
  std::vector<std::string> out;
  if (v.IsNull()) return out;
  if (!v.IsSequence()) {
    r.Error(v.Mark(), "'" + key + "' must be a list of license ids, found " + std::string(NodeKind(v)));
    return out;
  }
  for (const auto& item : v) {
    std::string id = PolicyId(r, YAML::Node(item), key);
    if (!id.empty() && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(std::move(id));
  }
  return out;
}

void ParseException(YamlReader& r, const YAML::Node& node, LicensePolicy& out) {
  if (!node.IsMap()) {
    r.Error(node.Mark(),
            "an exception must be a mapping (package, license, reason), found " + std::string(NodeKind(node)));
    return;
  }
  LicenseException e;
  e.location = r.Location(node.Mark());
  bool bad = false;
  for (const auto& kv : node) {
    const YAML::Node k = kv.first;
    const YAML::Node v = kv.second;
    std::string key = k.IsScalar() ? k.Scalar() : "";
    std::string* slot = key == "package"   ? &e.package
                        : key == "license" ? &e.license
                        : key == "reason"  ? &e.reason
                                           : nullptr;
    if (slot == nullptr) {
      r.Error(k.Mark(), "unknown key '" + Clip(key) + "' in an exception (package, license, reason)");
      bad = true;
      continue;
    }
    if (!v.IsScalar()) {
      r.Error(v.Mark(), "'" + key + "' must be a string, found " + std::string(NodeKind(v)));
      bad = true;
      continue;
    }
    *slot = std::string(Trim(v.Scalar()));
    if (key == "package" && slot->starts_with("pkg:") && !catalog::IsPurl(*slot)) {
      r.Error(v.Mark(), "'" + Clip(*slot) + "' is not a purl (pkg:type/namespace/name@version)");
      bad = true;
    }
    if (key == "license" && *slot != "*") {
      std::string id = PolicyId(r, v, "license");
      if (id.empty()) bad = true;
      *slot = id;
    }
  }
  for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"package", &e.package},
                                    {"license", &e.license},
                                    {"reason", &e.reason}}) {
    if (value->empty() && !bad) {
      r.Error(node.Mark(), std::string("'") + name + "' is required in an exception");
      bad = true;
    }
  }
  if (!bad) out.exceptions.push_back(std::move(e));
}

bool ExceptionMatches(const LicenseException& e, std::string_view name, std::string_view purl) {
  if (e.package.starts_with("pkg:")) return catalog::PurlMatches(e.package, purl);
  return e.package == name;
}

struct Leaf {
  LicenseVerdict::Kind kind;
  std::string reason;
};

bool Listed(const std::vector<std::string>& list, const std::string& id, const Expression& leaf) {
  // An entry names a license as the expression writes it ("GPL-2.0-only WITH Classpath-exception-2.0")
  // or its bare id: "GPL-2.0-only" on the deny list also denies it with an exception.
  return std::find(list.begin(), list.end(), id) != list.end() ||
         std::find(list.begin(), list.end(), leaf.id) != list.end();
}

Leaf Judge(const LicensePolicy& p, const Expression& leaf, const std::vector<const LicenseException*>& exceptions) {
  std::string id = license::Format(leaf);
  for (const LicenseException* e : exceptions) {
    if (e->license == "*" || e->license == id || e->license == leaf.id) {
      return {LicenseVerdict::Kind::kAllowed, "allowed by the exception at " + e->location + " (" + e->reason + ")"};
    }
  }
  if (Listed(p.deny, id, leaf)) return {LicenseVerdict::Kind::kDenied, id + " is on the deny list"};
  Category c = license::CategoryOf(leaf.id);
  if (std::find(p.deny_categories.begin(), p.deny_categories.end(), c) != p.deny_categories.end()) {
    return {LicenseVerdict::Kind::kDenied,
            id + " is " + std::string(license::CategoryName(c)) + ", a category the policy denies"};
  }
  if (!p.allow.empty()) {
    if (Listed(p.allow, id, leaf)) return {LicenseVerdict::Kind::kAllowed, id + " is on the allow list"};
    if (c == Category::kUnknown) {
      return {LicenseVerdict::Kind::kUnknown, id + " is not a license vigil can name"};
    }
    return {LicenseVerdict::Kind::kDenied, id + " is not on the allow list"};
  }
  if (c == Category::kUnknown) return {LicenseVerdict::Kind::kUnknown, id + " is not a license vigil can name"};
  return {LicenseVerdict::Kind::kAllowed, ""};
}

LicenseVerdict Combine(const LicensePolicy& p, const Expression& e,
                       const std::vector<const LicenseException*>& exceptions) {
  LicenseVerdict v;
  if (e.kind == Expression::Kind::kLicense) {
    Leaf l = Judge(p, e, exceptions);
    v.kind = l.kind;
    v.reason = l.reason;
    if (l.kind != LicenseVerdict::Kind::kAllowed) v.offending.push_back(license::Format(e));
    if (l.reason.starts_with("allowed by the exception")) v.exception = l.reason;
    return v;
  }
  std::vector<LicenseVerdict> parts;
  for (const auto& o : e.operands) parts.push_back(Combine(p, o, exceptions));
  auto pick = [&](LicenseVerdict::Kind k) -> const LicenseVerdict* {
    for (const auto& part : parts) {
      if (part.kind == k) return &part;
    }
    return nullptr;
  };
  const LicenseVerdict* chosen = nullptr;
  if (e.kind == Expression::Kind::kAnd) {
    chosen = pick(LicenseVerdict::Kind::kDenied);
    if (chosen == nullptr) chosen = pick(LicenseVerdict::Kind::kUnknown);
    if (chosen == nullptr) chosen = &parts.front();
    v = *chosen;
    // Every operand that failed is named, not just the first.
    v.offending.clear();
    for (const auto& part : parts) {
      if (part.kind == v.kind && v.kind != LicenseVerdict::Kind::kAllowed) {
        for (const auto& o : part.offending) v.offending.push_back(o);
      }
    }
    return v;
  }
  chosen = pick(LicenseVerdict::Kind::kAllowed);
  if (chosen != nullptr) return *chosen;
  chosen = pick(LicenseVerdict::Kind::kUnknown);
  if (chosen == nullptr) chosen = &parts.front();
  v = *chosen;
  v.offending.clear();
  std::string reasons;
  for (const auto& part : parts) {
    for (const auto& o : part.offending) v.offending.push_back(o);
    reasons += (reasons.empty() ? "" : "; ") + part.reason;
  }
  v.reason = "no choice of " + license::Format(e) + " is allowed: " + reasons;
  return v;
}

}  // namespace

Result<LicensePolicy> ParseLicensePolicy(std::string_view text, std::string_view what) {
  if (text.size() > kMaxLicensePolicyBytes) {
    return LimitExceeded(std::string(what) + ": license policy of " + std::to_string(text.size()) +
                         " bytes exceeds the limit of " + std::to_string(kMaxLicensePolicyBytes));
  }
  YamlLimits limits;
  limits.max_bytes = kMaxLicensePolicyBytes;
  VIGIL_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(text, what, limits));
  YamlReader r(what);
  LicensePolicy out;
  try {
    if (root.IsNull()) return out;
    if (!root.IsMap()) {
      r.Error(root.Mark(), "expected a mapping (allow, deny, deny_categories, unknown, exceptions), found " +
                               std::string(NodeKind(root)));
    } else {
      std::set<std::string> seen;
      for (const auto& kv : root) {
        const YAML::Node k = kv.first;
        const YAML::Node v = kv.second;
        std::string key = k.IsScalar() ? k.Scalar() : "";
        if (!seen.insert(key).second) {
          r.Error(k.Mark(), "duplicate key '" + Clip(key) + "'");
          continue;
        }
        if (key == "allow") {
          out.allow = IdList(r, v, key);
        } else if (key == "deny") {
          out.deny = IdList(r, v, key);
        } else if (key == "deny_categories") {
          if (v.IsNull()) continue;
          if (!v.IsSequence()) {
            r.Error(v.Mark(), "'deny_categories' must be a list, found " + std::string(NodeKind(v)));
            continue;
          }
          for (const auto& item : v) {
            const YAML::Node n(item);
            auto c = n.IsScalar() ? license::ParseCategory(Trim(n.Scalar())) : std::nullopt;
            if (!c) {
              r.Error(n.Mark(), "'" + Clip(n.IsScalar() ? n.Scalar() : std::string(NodeKind(n))) +
                                    "' is not a category (public-domain, permissive, weak-copyleft, strong-copyleft, "
                                    "network-copyleft, other, unknown)");
              continue;
            }
            out.deny_categories.push_back(*c);
          }
        } else if (key == "unknown") {
          std::string s = v.IsScalar() ? AsciiLower(Trim(v.Scalar())) : "";
          if (s == "deny") {
            out.unknown = LicensePolicy::Unknown::kDeny;
          } else if (s == "warn") {
            out.unknown = LicensePolicy::Unknown::kWarn;
          } else if (s == "allow") {
            out.unknown = LicensePolicy::Unknown::kAllow;
          } else {
            r.Error(v.Mark(), "'unknown' must be deny, warn or allow, not '" +
                                  Clip(v.IsScalar() ? v.Scalar() : std::string(NodeKind(v))) + "'");
          }
        } else if (key == "exceptions") {
          if (v.IsNull()) continue;
          if (!v.IsSequence()) {
            r.Error(v.Mark(), "'exceptions' must be a list, found " + std::string(NodeKind(v)));
            continue;
          }
          for (const auto& item : v) ParseException(r, YAML::Node(item), out);
        } else {
          // An error, not a warning: a misspelt "deny:" would let everything through.
          r.Error(k.Mark(), "unknown key '" + Clip(key) + "' (allow, deny, deny_categories, unknown, exceptions)");
        }
      }
    }
  } catch (const YAML::Exception& e) {
    std::string where = e.mark.is_null() ? std::string(what) : r.Location(e.mark);
    return Corrupt(where + ": malformed YAML: " + e.msg);
  }
  out.diagnostics = r.TakeDiagnostics();
  return out;
}

LicenseVerdict EvaluateLicense(const LicensePolicy& policy, std::string_view expression, std::string_view name,
                               std::string_view purl) {
  std::vector<const LicenseException*> exceptions;
  for (const auto& e : policy.exceptions) {
    if (ExceptionMatches(e, name, purl)) exceptions.push_back(&e);
  }
  LicenseVerdict v;
  if (expression.empty()) {
    for (const LicenseException* e : exceptions) {
      if (e->license == "*") {
        v.reason = "allowed by the exception at " + e->location + " (" + e->reason + ")";
        v.exception = v.reason;
        return v;
      }
    }
    v.kind = LicenseVerdict::Kind::kUnknown;
    v.reason = "no license found";
    return v;
  }
  auto e = license::ParseExpression(expression);
  if (!e.ok()) {
    v.kind = LicenseVerdict::Kind::kUnknown;
    v.reason = e.error().message();
    v.offending.emplace_back(expression);
    return v;
  }
  return Combine(policy, *e, exceptions);
}

}  // namespace vigil::match
