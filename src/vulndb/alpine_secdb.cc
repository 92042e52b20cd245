#include "vulndb/internal/alpine_secdb.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/yaml_node.h"
#include "version/names.h"
#include "version/version.h"

namespace vigil::vulndb {
namespace {

using nlohmann::json;

// secdb documents nest six levels; anything far deeper is not a secdb.
constexpr int kMaxYamlDepth = 64;

// ---- YAML adapter ---------------------------------------------------------------------------
// The document is loaded through the YAML guard (common/yaml_node.h); yaml-cpp's own throws
// while walking stay inside YamlToJson's try block.
// The YAML is converted to the JSON shape so that one walker serves both forms. Scalars stay
// text: secdb versions such as "1.10" must not become numbers.

Status ConvertYaml(const YAML::Node& node, json& out, int depth, size_t& budget, std::string_view what) {
  // Aliases make yaml-cpp share nodes, so a small document can name an exponential number of
  // them ("billion laughs"); the budget bounds the walk, not just the text.
  if (budget == 0) {
    return LimitExceeded(std::string(what) + ": YAML expands to too many nodes (aliases?); not a secdb document");
  }
  --budget;
  if (depth > kMaxYamlDepth) {
    return Corrupt(std::string(what) + ": YAML nested deeper than " + std::to_string(kMaxYamlDepth) +
                   " levels at line " + std::to_string(node.Mark().line + 1));
  }
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out = nullptr;
      return OkStatus();
    case YAML::NodeType::Scalar:
      out = node.Scalar();
      return OkStatus();
    case YAML::NodeType::Sequence:
      out = json::array();
      for (const YAML::Node& child : node) {
        json c;
        VIGIL_RETURN_IF_ERROR(ConvertYaml(child, c, depth + 1, budget, what));
        out.push_back(std::move(c));
      }
      return OkStatus();
    case YAML::NodeType::Map:
      out = json::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        std::string key;
        if (it->first.IsScalar()) {
          key = it->first.Scalar();
        } else if (!it->first.IsNull()) {
          return Corrupt(std::string(what) + ": mapping key at line " + std::to_string(it->first.Mark().line + 1) +
                         " is not a scalar");
        }
        json c;
        VIGIL_RETURN_IF_ERROR(ConvertYaml(it->second, c, depth + 1, budget, what));
        out[key] = std::move(c);
      }
      return OkStatus();
  }
  return OkStatus();
}

Result<json> YamlToJson(std::string_view text, std::string_view what) {
  YamlLimits limits;
  limits.max_depth = kMaxYamlDepth;
  VIGIL_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(text, what, limits));
  try {
    json out;
    size_t budget = 2 * text.size() + 4096;
    VIGIL_RETURN_IF_ERROR(ConvertYaml(root, out, 0, budget, what));
    return out;
  } catch (const YAML::Exception& e) {
    return Corrupt(std::string(what) + ": malformed YAML at line " + std::to_string(e.mark.line + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return Corrupt(std::string(what) + ": malformed YAML: " + e.what());
  }
}

// ---- secfixes lines -------------------------------------------------------------------------

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// An advisory id other than a CVE: "XSA-207", "TALOS-2017-0499", "wnpa-sec-2017-18",
// "ZBX-11023", "GHSA-xxxx-xxxx-xxxx": a letter, then letters/digits, then one or more "-part"
// groups, with at least one digit somewhere (so that words such as "re-fix" are not ids).
bool IsOtherId(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  auto alnum = [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); };
  if (!alpha(s[0])) return false;
  bool digit = false, dash = false;
  char prev = 0;
  for (char c : s) {
    if (c == '-') {
      if (prev == '-') return false;
      dash = true;
    } else if (!alnum(c)) {
      return false;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    }
    prev = c;
  }
  return dash && digit && prev != '-';
}

// The ids and the free text of one secfixes line ("CVE-2018-3639  XSA-263",
// "CVE-2018-10103 (SMB - partially fixed, but SMB printing disabled)").
struct LineIds {
  std::vector<std::string> cves;
  std::vector<std::string> others;
  std::vector<std::string> repairs;  // "'CVE_2019-2426' read as CVE-2019-2426"
  std::string note;                  // the tokens that are not ids, joined by one space
};

// Reads "CVE" spellings that clearly mean one CVE: "CVE_2019-2426", "CVE-2017-8073.patch",
// "CVE-2017-17434-1" (a suffix after the number). Returns "" when `t` is not such a spelling.
std::string RepairCve(std::string_view t) {
  if (t.size() < 3 || (t.substr(0, 3) != "CVE" && t.substr(0, 3) != "cve")) return {};
  std::string_view rest = t.substr(3);
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '_')) rest.remove_prefix(1);
  if (rest.size() < 9 || !IsDigits(rest.substr(0, 4)) || rest[4] != '-') return {};
  size_t n = 5;
  while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
  std::string cve = "CVE-" + std::string(rest.substr(0, n));
  return IsCveId(cve) ? cve : std::string();
}

LineIds ReadSecfixLine(std::string_view line) {
  LineIds ids;
  std::vector<std::string_view> tokens = SplitWhitespace(line);
  auto add_note = [&](std::string_view t) {
    if (!ids.note.empty()) ids.note += ' ';
    ids.note += t;
  };
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string_view t = tokens[i];
    if (IsCveId(t)) {
      ids.cves.emplace_back(t);
      continue;
    }
    if ((t == "CVE" || t == "cve") && i + 1 < tokens.size()) {
      std::string joined = "CVE-" + std::string(tokens[i + 1]);
      if (IsCveId(joined)) {
        ids.repairs.push_back(QuoteForMessage(std::string(t) + " " + std::string(tokens[i + 1])) + " read as " +
                              joined);
        ids.cves.push_back(std::move(joined));
        ++i;
        continue;
      }
    }
    if (std::string cve = RepairCve(t); !cve.empty()) {
      ids.repairs.push_back(QuoteForMessage(t) + " read as " + cve);
      ids.cves.push_back(std::move(cve));
      continue;
    }
    // "CVE-????-?????" is Alpine's placeholder for "no CVE assigned yet": not an id, not a note.
    if (t.starts_with("CVE-") && t.substr(4).find_first_not_of("?-") == std::string_view::npos) {
      continue;
    }
    if (IsOtherId(t)) {
      ids.others.emplace_back(t);
      continue;
    }
    add_note(t);
  }
  return ids;
}

// ---- the walker -----------------------------------------------------------------------------

// Characters of apk package names (aports allows letters, digits and "._+-"; "~@" are accepted
// for robustness). Anything else would make the advisory id ambiguous.
bool IsPackageName(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '+' || c == '-' || c == '~' || c == '@';
    if (!ok) return false;
  }
  return true;
}

std::string JsonTypeName(const json& j) { return j.type_name(); }

// A map key as it appears in a path: ["1.2-r0"], escaped for printing.
std::string KeyPath(std::string_view key) {
  std::string q = QuoteForMessage(key, 60);
  q.front() = '"';
  q.back() = '"';
  return "[" + q + "]";
}

// What one (package, vulnerability id) collected over the package's secfixes.
struct Fix {
  bool never_affected = false;  // listed under "0"
  std::string version;          // lowest fixed version, when !never_affected
  version::Version parsed;      // `version` parsed by apk
  std::vector<std::string> other_versions;
  std::vector<std::string> aliases;
  std::vector<std::string> notes;
  bool contradiction = false;  // listed under "0" and under a version
};

void AddUnique(std::vector<std::string>& v, std::string s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(std::move(s));
}

struct Walker {
  std::string_view what;
  std::string branch;
  std::string ecosystem;
  std::string repo_json;
  std::string modified;
  const version::Scheme* apk = nullptr;
  FeedResult out;

  std::string Where(std::string_view path) const { return std::string(what) + ": " + std::string(path); }
  void Problem(std::string_view path, std::string reason) { out.problems.Add(Where(path), std::move(reason)); }

  void Package(const json& entry, size_t index);
  void Emit(const std::string& name, const std::string& id, Fix& fix);
};

void Walker::Package(const json& entry, size_t index) {
  const std::string path = "packages[" + std::to_string(index) + "]";
  if (!entry.is_object()) {
    Problem(path, "skipped: a " + JsonTypeName(entry) + ", not a mapping");
    return;
  }
  auto pkg_it = entry.find("pkg");
  if (pkg_it == entry.end() || !pkg_it->is_object()) {
    Problem(path, "skipped: no \"pkg\" mapping");
    return;
  }
  const json& pkg = *pkg_it;
  auto name_it = pkg.find("name");
  if (name_it == pkg.end() || !name_it->is_string()) {
    Problem(path + ".pkg.name", "skipped: the package has no name");
    return;
  }
  const std::string name = name_it->get<std::string>();
  if (!IsPackageName(name)) {
    Problem(path + ".pkg.name", "skipped: " + QuoteForMessage(name) + " is not an apk package name");
    return;
  }
  auto fixes_it = pkg.find("secfixes");
  if (fixes_it == pkg.end() || fixes_it->is_null()) return;  // listed without fixes: nothing to say
  const std::string fixes_path = path + ".pkg.secfixes";
  if (!fixes_it->is_object()) {
    Problem(fixes_path, "skipped: a " + JsonTypeName(*fixes_it) + ", not a mapping of versions");
    return;
  }

  std::map<std::string, Fix> fixes;  // by primary id: deterministic output order
  for (const auto& [ver, lines] : fixes_it->items()) {
    const std::string vpath = fixes_path + KeyPath(ver);
    const bool never = ver == "0";
    version::Version parsed;
    if (!never) {
      Result<version::Version> v = apk->Parse(ver);
      if (!v.ok()) {
        Problem(vpath, "skipped: " + v.error().message());
        continue;
      }
      parsed = std::move(v).value();
    }
    std::vector<const json*> items;
    if (lines.is_array()) {
      for (const json& l : lines) items.push_back(&l);
    } else if (lines.is_string()) {
      items.push_back(&lines);  // a lone id written without the list
    } else {
      Problem(vpath, "skipped: a " + JsonTypeName(lines) + ", not a list of ids");
      continue;
    }
    for (size_t j = 0; j < items.size(); ++j) {
      const std::string lpath = vpath + "[" + std::to_string(j) + "]";
      if (!items[j]->is_string()) {
        Problem(lpath, "skipped: a " + JsonTypeName(*items[j]) + ", not an id");
        continue;
      }
      const std::string& line = items[j]->get_ref<const std::string&>();
      LineIds ids = ReadSecfixLine(line);
      for (std::string& r : ids.repairs) Problem(lpath, std::move(r));
      std::vector<std::string> primaries = ids.cves;
      if (primaries.empty() && !ids.others.empty()) primaries.push_back(ids.others.front());
      if (primaries.empty()) {
        Problem(lpath, "skipped: no vulnerability id in " + QuoteForMessage(line));
        continue;
      }
      for (const std::string& id : primaries) {
        auto [it, fresh] = fixes.try_emplace(id);
        Fix& fix = it->second;
        AddUnique(fix.aliases, id);
        for (const std::string& o : ids.others) AddUnique(fix.aliases, o);
        if (!ids.note.empty()) AddUnique(fix.notes, ids.note);
        if (fresh) {
          fix.never_affected = never;
          if (!never) {
            fix.version = ver;
            fix.parsed = parsed;
          }
          continue;
        }
        // Listed again under another version: the lowest wins ("0" is lowest).
        if (never) {
          if (!fix.never_affected) {
            fix.contradiction = true;
            AddUnique(fix.other_versions, fix.version);
            fix.never_affected = true;
            fix.version.clear();
          }
        } else if (fix.never_affected) {
          fix.contradiction = true;
          AddUnique(fix.other_versions, ver);
        } else if (apk->Compare(parsed, fix.parsed) < 0) {
          AddUnique(fix.other_versions, fix.version);
          fix.version = ver;
          fix.parsed = parsed;
        } else if (ver != fix.version) {
          AddUnique(fix.other_versions, ver);
        }
      }
    }
  }
  for (auto& [id, fix] : fixes) {
    if (fix.contradiction) {
      Problem(fixes_path, id + " is listed as never affected (\"0\") and as fixed in " + fix.other_versions.front() +
                              "; read as not affected");
    }
    Emit(name, id, fix);
  }
}

void Walker::Emit(const std::string& name, const std::string& id, Fix& fix) {
  Advisory a;
  a.id = "ALPINE-" + branch + "-" + name + "-" + id;
  a.aliases = std::move(fix.aliases);
  a.published = modified;
  a.modified = modified;
  Affected af;
  af.ecosystem = ParseEcosystem(ecosystem);
  af.name = name;
  af.normalized_name = version::NormalizeName(ecosystem, name);
  af.database_specific = repo_json;
  if (fix.never_affected) {
    af.status = FixStatus::kNotAffected;
  } else {
    af.status = FixStatus::kFixed;
    version::RangeSpec range;
    range.type = version::RangeSpec::Type::kEcosystem;
    range.type_name = "ECOSYSTEM";
    range.events.push_back({version::RangeEvent::Kind::kIntroduced, "0"});
    range.events.push_back({version::RangeEvent::Kind::kFixed, fix.version});
    af.spec.ranges.push_back(std::move(range));
  }
  std::string note;
  for (const std::string& n : fix.notes) {
    if (!note.empty()) note += "; ";
    note += n;
  }
  if (!fix.other_versions.empty()) {
    if (!note.empty()) note += "; ";
    note += "also listed under";
    for (const std::string& v : fix.other_versions) note += " " + v;
  }
  af.status_note = std::move(note);
  a.affected.push_back(std::move(af));
  out.advisories.push_back(std::move(a));
}

Result<FeedResult> FromDocument(const json& doc, std::string_view what, std::string_view modified) {
  if (!IsRfc3339(modified)) {
    return InvalidArgument(std::string(what) + ": the record timestamp " + QuoteForMessage(modified) +
                           " is not an RFC 3339 date-time");
  }
  if (!doc.is_object()) {
    return Corrupt(std::string(what) + ": top level is a " + JsonTypeName(doc) + ", not a secdb mapping");
  }
  Walker w;
  w.what = what;
  w.modified = std::string(modified);
  auto dv = doc.find("distroversion");
  if (dv == doc.end() || !dv->is_string()) {
    return Corrupt(std::string(what) + ": \"distroversion\" is missing or not a string");
  }
  w.branch = NormalizeAlpineBranch(dv->get_ref<const std::string&>());
  if (w.branch.empty()) {
    return Corrupt(std::string(what) + ": \"distroversion\" " + QuoteForMessage(dv->get_ref<const std::string&>()) +
                   " is not an Alpine branch (vN.N or edge)");
  }
  w.ecosystem = "Alpine:" + w.branch;
  auto repo = doc.find("reponame");
  if (repo != doc.end() && repo->is_string()) {
    w.repo_json = json{{"repo", repo->get<std::string>()}}.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  auto packages = doc.find("packages");
  if (packages == doc.end()) return Corrupt(std::string(what) + ": no \"packages\" list");
  if (packages->is_null()) return std::move(w.out);  // a branch with no fixes in this repository
  if (!packages->is_array()) {
    return Corrupt(std::string(what) + ": \"packages\" is a " + JsonTypeName(*packages) + ", not a list");
  }
  w.apk = version::FindScheme("apk");
  if (w.apk == nullptr) return InternalError("the apk version scheme is not registered");
  for (size_t i = 0; i < packages->size(); ++i) w.Package((*packages)[i], i);
  std::sort(w.out.advisories.begin(), w.out.advisories.end(),
            [](const Advisory& a, const Advisory& b) { return a.id < b.id; });
  return std::move(w.out);
}

}  // namespace

std::string NormalizeAlpineBranch(std::string_view branch) {
  if (branch == "edge") return "edge";
  std::string_view b = branch;
  if (!b.empty() && b[0] == 'v') b.remove_prefix(1);
  size_t dot = b.find('.');
  if (dot == std::string_view::npos || !IsDigits(b.substr(0, dot)) || !IsDigits(b.substr(dot + 1)) || b.size() > 16) {
    return {};
  }
  return "v" + std::string(b);
}

Result<FeedResult> ParseAlpineSecdbJson(std::string_view text, std::string_view what, std::string_view modified) {
  VIGIL_ASSIGN_OR_RETURN(json doc, ParseJson(text, what));
  return FromDocument(doc, what, modified);
}

Result<FeedResult> ParseAlpineSecdbYaml(std::string_view text, std::string_view what, std::string_view modified) {
  VIGIL_ASSIGN_OR_RETURN(json doc, YamlToJson(text, what));
  return FromDocument(doc, what, modified);
}

}  // namespace vigil::vulndb
