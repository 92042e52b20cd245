#include "vulndb/osv.h"

#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <utility>

#include "version/names.h"
#include "version/osv_range.h"

namespace vigil::vulndb {

namespace dom = simdjson::dom;
using version::RangeEvent;
using version::RangeSpec;

namespace {

// Field access that records the JSON path of the first type error.
class Reader {
 public:
  explicit Reader(std::string_view where) : where_(where) {}

  bool ok() const { return error_.empty(); }

  // The field `key` of `obj` when it is there and not null (absent and null mean the same in OSV).
  static bool Present(dom::object obj, std::string_view key, dom::element* e) {
    return obj.at_key(key).get(*e) == simdjson::SUCCESS && !e->is_null();
  }
  Error TakeError() { return Corrupt(std::string(where_) + ": " + error_); }

  void Fail(const std::string& path, std::string_view what) {
    if (error_.empty()) error_ = path + " " + std::string(what);
  }

  // Copies a string field; absent or null leaves `out` unchanged.
  void String(dom::object obj, std::string_view key, const std::string& path, std::string* out) {
    dom::element e;
    if (!Present(obj, key, &e)) return;
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) return Fail(path, "is not a string");
    out->assign(s);
  }

  void StringArray(dom::object obj, std::string_view key, const std::string& path, std::vector<std::string>* out) {
    Each(obj, key, path, [&](dom::element v, const std::string& item) {
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) return Fail(item, "is not a string");
      out->emplace_back(s);
    });
  }

  // Compact JSON text of an object-valued field ("" when absent or null).
  void JsonText(dom::object obj, std::string_view key, const std::string& path, std::string* out) {
    dom::element e;
    if (!Present(obj, key, &e)) return;
    if (!e.is_object()) return Fail(path, "is not an object");
    *out = simdjson::minify(e);
  }

  bool Object(dom::element e, const std::string& path, dom::object* out) {
    if (e.get_object().get(*out) != simdjson::SUCCESS) {
      Fail(path, "is not an object");
      return false;
    }
    return true;
  }

  // Iterates an optional array field, calling fn(element, path) for each item.
  template <typename Fn>
  void Each(dom::object obj, std::string_view key, const std::string& path, Fn&& fn) {
    dom::element e;
    if (!Present(obj, key, &e)) return;
    dom::array arr;
    if (e.get_array().get(arr) != simdjson::SUCCESS) return Fail(path, "is not an array");
    size_t i = 0;
    for (dom::element v : arr) {
      if (!ok()) return;
      fn(v, path + "[" + std::to_string(i) + "]");
      ++i;
    }
  }

 private:
  std::string_view where_;
  std::string error_;
};

void ReadSeverity(Reader& r, dom::object obj, const std::string& path, std::vector<Severity>* out) {
  r.Each(obj, "severity", path.empty() ? "severity" : path + ".severity", [&](dom::element e, const std::string& p) {
    dom::object o;
    if (!r.Object(e, p, &o)) return;
    Severity s;
    r.String(o, "type", p + ".type", &s.type);
    r.String(o, "score", p + ".score", &s.score);
    out->push_back(std::move(s));
  });
}

RangeSpec::Type RangeType(std::string_view name) {
  if (name == "ECOSYSTEM") return RangeSpec::Type::kEcosystem;
  if (name == "SEMVER") return RangeSpec::Type::kSemver;
  if (name == "GIT") return RangeSpec::Type::kGit;
  return RangeSpec::Type::kOther;
}

void ReadRanges(Reader& r, dom::object obj, const std::string& path, version::AffectedSpec* spec) {
  dom::element ranges;
  if (Reader::Present(obj, "ranges", &ranges) && ranges.is_array()) {
    if (size_t n = dom::array(ranges).size(); n > version::kMaxRanges) {
      return r.Fail(path + ".ranges", "has " + std::to_string(n) + " ranges, more than the limit of " +
                                          std::to_string(version::kMaxRanges));
    }
  }
  r.Each(obj, "ranges", path + ".ranges", [&](dom::element e, const std::string& p) {
    dom::object o;
    if (!r.Object(e, p, &o)) return;
    RangeSpec range;
    r.String(o, "type", p + ".type", &range.type_name);
    if (range.type_name.empty()) return r.Fail(p + ".type", "is missing");
    range.type = RangeType(range.type_name);
    dom::element events;
    if (o.at_key("events").get(events) != simdjson::SUCCESS || !events.is_array()) {
      return r.Fail(p + ".events", "is not an array");
    }
    // Caps before any event is read (version/osv_range.h): the record is refused whole.
    if (size_t n = dom::array(events).size(); n > version::kMaxRangeEvents) {
      return r.Fail(p + ".events", "has " + std::to_string(n) + " events, more than the limit of " +
                                       std::to_string(version::kMaxRangeEvents) + " per range");
    }
    r.Each(o, "events", p + ".events", [&](dom::element ev, const std::string& ep) {
      dom::object eo;
      if (!r.Object(ev, ep, &eo)) return;
      int found = 0;
      RangeEvent event;
      static constexpr std::pair<RangeEvent::Kind, std::string_view> kKinds[] = {
          {RangeEvent::Kind::kIntroduced, "introduced"},
          {RangeEvent::Kind::kFixed, "fixed"},
          {RangeEvent::Kind::kLastAffected, "last_affected"},
          {RangeEvent::Kind::kLimit, "limit"},
      };
      for (const auto& [kind, name] : kKinds) {
        dom::element v;
        if (eo.at_key(name).get(v) != simdjson::SUCCESS) continue;
        std::string_view s;
        if (v.get_string().get(s) != simdjson::SUCCESS) {
          return r.Fail(ep + "." + std::string(name), "is not a string");
        }
        ++found;
        event.kind = kind;
        event.version.assign(s);
      }
      if (found != 1) {
        return r.Fail(ep, found == 0 ? "has none of introduced, fixed, last_affected, limit"
                                     : "has more than one of introduced, fixed, last_affected, limit");
      }
      range.events.push_back(std::move(event));
    });
    spec->ranges.push_back(std::move(range));
  });
}

void ReadAffected(Reader& r, dom::element e, const std::string& p, std::vector<Affected>* out) {
  dom::object o;
  if (!r.Object(e, p, &o)) return;
  Affected af;
  dom::element pkg;
  if (Reader::Present(o, "package", &pkg)) {
    dom::object po;
    if (!r.Object(pkg, p + ".package", &po)) return;
    std::string eco;
    r.String(po, "ecosystem", p + ".package.ecosystem", &eco);
    r.String(po, "name", p + ".package.name", &af.name);
    r.String(po, "purl", p + ".package.purl", &af.purl);
    af.ecosystem = ParseEcosystem(eco);
    af.normalized_name = version::NormalizeName(af.ecosystem.family, af.name);
  }
  ReadSeverity(r, o, p, &af.severity);
  ReadRanges(r, o, p, &af.spec);
  r.StringArray(o, "versions", p + ".versions", &af.spec.versions);
  r.JsonText(o, "ecosystem_specific", p + ".ecosystem_specific", &af.ecosystem_specific);
  dom::element ds;
  if (Reader::Present(o, "database_specific", &ds)) {
    dom::object dso;
    if (!r.Object(ds, p + ".database_specific", &dso)) return;
    af.database_specific = simdjson::minify(ds);
    std::string status;
    r.String(dso, "vigil_fix_status", p + ".database_specific.vigil_fix_status", &status);
    af.status = FixStatusFromName(status);
    r.String(dso, "vigil_status_note", p + ".database_specific.vigil_status_note", &af.status_note);
  }
  out->push_back(std::move(af));
}

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 256) return false;
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') return false;
  }
  return true;
}

}  // namespace

struct OsvParser::Impl {
  dom::parser parser{kMaxRecordBytes};
  dom::document doc;
};

OsvParser::OsvParser() : impl_(std::make_unique<Impl>()) {
  // Small first allocation; the parser grows it for larger records, keeping the depth bound.
  // A failed allocation here is retried (and reported) by the first Parse.
  if (impl_->parser.allocate(1 << 16, kMaxRecordDepth) != simdjson::SUCCESS) return;
}
OsvParser::~OsvParser() = default;

Result<Advisory> OsvParser::Parse(std::string_view text, std::string_view where) {
  if (text.size() > kMaxRecordBytes) {
    return LimitExceeded(std::string(where) + ": record of " + std::to_string(text.size()) +
                         " bytes is larger than the limit of " + std::to_string(kMaxRecordBytes));
  }
  dom::element root;
  auto error = impl_->parser.parse_into_document(impl_->doc, text.data(), text.size()).get(root);
  if (error != simdjson::SUCCESS) {
    return Corrupt(std::string(where) + ": not valid JSON: " + simdjson::error_message(error));
  }
  Reader r(where);
  dom::object obj;
  if (!r.Object(root, "record", &obj)) return r.TakeError();

  Advisory a;
  r.String(obj, "schema_version", "schema_version", &a.schema_version);
  r.String(obj, "id", "id", &a.id);
  if (r.ok() && !ValidId(a.id)) {
    r.Fail("id",
           a.id.empty() ? "is missing or empty" : "is not a usable id (over 256 bytes, control characters or '/')");
  }
  r.String(obj, "modified", "modified", &a.modified);
  if (r.ok() && !IsRfc3339(a.modified)) {
    r.Fail("modified", a.modified.empty() ? "is missing" : "is not an RFC 3339 date-time");
  }
  r.String(obj, "published", "published", &a.published);
  r.String(obj, "withdrawn", "withdrawn", &a.withdrawn);
  r.StringArray(obj, "aliases", "aliases", &a.aliases);
  r.StringArray(obj, "related", "related", &a.related);
  r.StringArray(obj, "upstream", "upstream", &a.upstream);
  r.String(obj, "summary", "summary", &a.summary);
  r.String(obj, "details", "details", &a.details);
  ReadSeverity(r, obj, "", &a.severity);
  size_t record_ranges = 0;
  r.Each(obj, "affected", "affected", [&](dom::element e, const std::string& p) {
    ReadAffected(r, e, p, &a.affected);
    if (!r.ok() || a.affected.empty()) return;
    record_ranges += a.affected.back().spec.ranges.size();
    if (record_ranges > version::kMaxRanges) {
      r.Fail("affected",
             "has more than " + std::to_string(version::kMaxRanges) + " ranges in all (the limit per record)");
    }
  });
  r.Each(obj, "references", "references", [&](dom::element e, const std::string& p) {
    dom::object o;
    if (!r.Object(e, p, &o)) return;
    Reference ref;
    r.String(o, "type", p + ".type", &ref.type);
    r.String(o, "url", p + ".url", &ref.url);
    a.references.push_back(std::move(ref));
  });
  r.Each(obj, "credits", "credits", [&](dom::element e, const std::string& p) {
    dom::object o;
    if (!r.Object(e, p, &o)) return;
    Credit c;
    r.String(o, "name", p + ".name", &c.name);
    r.String(o, "type", p + ".type", &c.type);
    r.StringArray(o, "contact", p + ".contact", &c.contact);
    a.credits.push_back(std::move(c));
  });
  r.JsonText(obj, "database_specific", "database_specific", &a.database_specific);
  if (!r.ok()) {
    Error err = r.TakeError();
    if (!a.id.empty() && ValidId(a.id)) err.Context("id " + a.id);
    return err;
  }
  return a;
}

namespace {

nlohmann::json SeverityJson(const std::vector<Severity>& list) {
  nlohmann::json out = nlohmann::json::array();
  for (const Severity& s : list) out.push_back({{"type", s.type}, {"score", s.score}});
  return out;
}

void PutIfNotEmpty(nlohmann::json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
}
void PutIfNotEmpty(nlohmann::json& j, const char* key, const std::vector<std::string>& v) {
  if (!v.empty()) j[key] = v;
}

const char* EventName(RangeEvent::Kind k) {
  switch (k) {
    case RangeEvent::Kind::kIntroduced:
      return "introduced";
    case RangeEvent::Kind::kFixed:
      return "fixed";
    case RangeEvent::Kind::kLastAffected:
      return "last_affected";
    case RangeEvent::Kind::kLimit:
      return "limit";
  }
  return "introduced";
}

}  // namespace

std::string ToOsvJson(const Advisory& a) {
  nlohmann::json j = nlohmann::json::object();
  PutIfNotEmpty(j, "schema_version", a.schema_version);
  j["id"] = a.id;
  j["modified"] = a.modified;
  PutIfNotEmpty(j, "published", a.published);
  PutIfNotEmpty(j, "withdrawn", a.withdrawn);
  PutIfNotEmpty(j, "aliases", a.aliases);
  PutIfNotEmpty(j, "related", a.related);
  PutIfNotEmpty(j, "upstream", a.upstream);
  PutIfNotEmpty(j, "summary", a.summary);
  PutIfNotEmpty(j, "details", a.details);
  if (!a.severity.empty()) j["severity"] = SeverityJson(a.severity);
  if (!a.affected.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const Affected& af : a.affected) {
      nlohmann::json e = nlohmann::json::object();
      if (!af.ecosystem.text.empty() || !af.name.empty()) {
        nlohmann::json pkg = {{"ecosystem", af.ecosystem.text}, {"name", af.name}};
        PutIfNotEmpty(pkg, "purl", af.purl);
        e["package"] = std::move(pkg);
      }
      if (!af.severity.empty()) e["severity"] = SeverityJson(af.severity);
      if (!af.spec.ranges.empty()) {
        nlohmann::json ranges = nlohmann::json::array();
        for (const RangeSpec& r : af.spec.ranges) {
          nlohmann::json events = nlohmann::json::array();
          for (const RangeEvent& ev : r.events) events.push_back({{EventName(ev.kind), ev.version}});
          ranges.push_back({{"type", r.type_name}, {"events", std::move(events)}});
        }
        e["ranges"] = std::move(ranges);
      }
      PutIfNotEmpty(e, "versions", af.spec.versions);
      if (!af.ecosystem_specific.empty()) {
        e["ecosystem_specific"] = nlohmann::json::parse(af.ecosystem_specific, nullptr, false);
      }
      nlohmann::json ds = af.database_specific.empty() ? nlohmann::json::object()
                                                       : nlohmann::json::parse(af.database_specific, nullptr, false);
      if (!ds.is_object()) ds = nlohmann::json::object();
      if (af.status != FixStatus::kUnspecified) ds["vigil_fix_status"] = FixStatusName(af.status);
      if (!af.status_note.empty()) ds["vigil_status_note"] = af.status_note;
      if (!ds.empty()) e["database_specific"] = std::move(ds);
      list.push_back(std::move(e));
    }
    j["affected"] = std::move(list);
  }
  if (!a.references.empty()) {
    nlohmann::json refs = nlohmann::json::array();
    for (const Reference& r : a.references) refs.push_back({{"type", r.type}, {"url", r.url}});
    j["references"] = std::move(refs);
  }
  if (!a.credits.empty()) {
    nlohmann::json credits = nlohmann::json::array();
    for (const Credit& c : a.credits) {
      nlohmann::json e = {{"name", c.name}};
      PutIfNotEmpty(e, "type", c.type);
      PutIfNotEmpty(e, "contact", c.contact);
      credits.push_back(std::move(e));
    }
    j["credits"] = std::move(credits);
  }
  if (!a.database_specific.empty()) {
    j["database_specific"] = nlohmann::json::parse(a.database_specific, nullptr, false);
  }
  // Replace invalid UTF-8 rather than throw: converted feeds carry text from strangers.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::string> MinifyJson(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  auto error = simdjson::minify(text.data(), text.size(), out.data(), len);
  if (error != simdjson::SUCCESS) {
    return Corrupt(std::string("cannot minify JSON: ") + simdjson::error_message(error));
  }
  out.resize(len);
  return out;
}

}  // namespace vigil::vulndb
