#include "vulndb/importer.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/file.h"
#include "common/json.h"
#include "common/path.h"
#include "common/sha256.h"
#include "common/strings.h"
#include "common/yaml_node.h"
#include "version/osv_range.h"
#include "version/version.h"
#include "vulndb/internal/alpine_secdb.h"
#include "vulndb/internal/archive_util.h"
#include "vulndb/internal/cve_record.h"
#include "vulndb/internal/debian_advisory_list.h"
#include "vulndb/internal/debian_tracker.h"
#include "vulndb/internal/enrich.h"
#include "vulndb/internal/zip_directory.h"
#include "vulndb/osv.h"

namespace vigil::vulndb {

namespace {

namespace fs = std::filesystem;

// A folder tree holds at most this many files (zips: ImportOptions::zip).
constexpr size_t kMaxFilesPerInput = 2'000'000;
// Whole-document feeds (Debian tracker JSON ~70 MiB, KEV ~1.5 MiB) may be this large.
constexpr uint64_t kMaxDocumentFile = 1u << 30;
// Records buffered before a dictionary is chosen for a source, and the fewest worth training on.
constexpr size_t kDictionarySample = 5000;
constexpr size_t kMinDictionarySample = 300;

enum class Kind {
  kOsvJson,
  kOsvJsonLines,
  kOsvJsonArray,
  kOsvYaml,
  kZip,
  kAlpineSecdb,
  kDebianTracker,
  kDebianList,
  kKev,
  kEpss,
  kNvdCve,
  kCve5,
  kUnknown,
};

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kOsvJson:
      return "osv-json";
    case Kind::kOsvJsonLines:
      return "osv-jsonl";
    case Kind::kOsvJsonArray:
      return "osv-json-array";
    case Kind::kOsvYaml:
      return "osv-yaml";
    case Kind::kZip:
      return "osv-zip";
    case Kind::kAlpineSecdb:
      return "alpine-secdb";
    case Kind::kDebianTracker:
      return "debian-tracker";
    case Kind::kDebianList:
      return "debian-dsa-list";
    case Kind::kKev:
      return "cisa-kev";
    case Kind::kEpss:
      return "epss";
    case Kind::kNvdCve:
      return "nvd-cve";
    case Kind::kCve5:
      return "cve5";
    case Kind::kUnknown:
      return "unknown";
  }
  return "unknown";
}

bool HasYamlSuffix(std::string_view name) { return name.ends_with(".yaml") || name.ends_with(".yml"); }

std::string_view SkipSpace(std::string_view s) {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
  return s.substr(i);
}

// Looks at the first bytes (and for JSON the first line) to tell what `text` holds.
Kind Sniff(std::string_view name, std::string_view text) {
  if (text.starts_with("PK\x03\x04") || text.starts_with("PK\x05\x06")) return Kind::kZip;
  std::string_view t = SkipSpace(text);
  if (HasYamlSuffix(name)) {
    return t.find("distroversion:") != std::string_view::npos && t.find("packages:") != std::string_view::npos
               ? Kind::kAlpineSecdb
               : Kind::kOsvYaml;
  }
  if (t.starts_with("#model_version") || t.starts_with("cve,epss")) return Kind::kEpss;
  if (t.starts_with("[")) {
    std::string_view rest = SkipSpace(t.substr(1));
    return rest.starts_with("{") || rest.starts_with("]") ? Kind::kOsvJsonArray : Kind::kDebianList;
  }
  if (!t.starts_with("{")) return Kind::kUnknown;
  // JSON Lines when the first line alone is a whole object and more follows it.
  size_t nl = t.find('\n');
  if (nl != std::string_view::npos && !SkipSpace(t.substr(nl)).empty()) {
    std::string_view first = t.substr(0, nl);
    while (!first.empty() && (first.back() == '\r' || first.back() == ' ')) first.remove_suffix(1);
    if (first.size() > 1 && first.back() == '}' && MinifyJson(first).ok()) {
      // A pretty-printed document's first line is "{" alone, so this is a one-line record.
      return Kind::kOsvJsonLines;
    }
  }
  // One document: tell the kind by the keys near its start.
  std::string_view head = t.substr(0, 4096);
  if (head.find("\"catalogVersion\"") != std::string_view::npos) return Kind::kKev;
  // CVE records: keys OSV records do not have at their top level.
  if (head.find("\"CVE_RECORD\"") != std::string_view::npos || head.find("\"cveMetadata\"") != std::string_view::npos) {
    return Kind::kCve5;
  }
  if (head.find("\"NVD_CVE\"") != std::string_view::npos || head.find("\"vulnStatus\"") != std::string_view::npos ||
      head.find("\"sourceIdentifier\"") != std::string_view::npos) {
    return Kind::kNvdCve;
  }
  if (head.find("\"distroversion\"") != std::string_view::npos) return Kind::kAlpineSecdb;
  if (head.find("\"id\"") != std::string_view::npos || head.find("\"modified\"") != std::string_view::npos ||
      head.find("\"schema_version\"") != std::string_view::npos) {
    return Kind::kOsvJson;
  }
  if (head.find("\"releases\"") != std::string_view::npos) return Kind::kDebianTracker;
  return Kind::kOsvJson;
}

// YAML to JSON text for OSV YAML records. Every scalar becomes a JSON string (OSV's fields are
// strings; PyPA's versions such as 1.10 must not turn into numbers), null stays null.
nlohmann::json YamlToJson(const YAML::Node& n, int depth) {
  if (depth > static_cast<int>(kMaxRecordDepth)) throw YAML::Exception(n.Mark(), "nested too deeply");
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& kv : n) o[kv.first.Scalar()] = YamlToJson(kv.second, depth + 1);
      return o;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& v : n) a.push_back(YamlToJson(v, depth + 1));
      return a;
    }
    case YAML::NodeType::Scalar:
      return n.Scalar();
    default:
      return nullptr;
  }
}

// Writes records into the store: checks, change detection, dictionary choice, compression.
class Sink {
 public:
  Sink(Store& store, Store::Transaction& tx, std::map<std::string, StoredMeta, std::less<>> existing,
       const ImportOptions& options, ImportReport* report)
      : store_(store), tx_(tx), existing_(std::move(existing)), options_(options), report_(report) {}

  // Starts a new source (one input path); records until EndSource belong to it.
  // The kind of the source's first document (the dictionary key uses it); later ones are ignored.
  void NoteKind(std::string_view kind) {
    if (kind_.empty()) kind_ = kind;
  }

  void BeginSource(std::string name) {
    source_ = std::move(name);
    kind_.clear();
    dict_chosen_ = false;
    dict_ = 0;
    source_records_ = 0;
  }
  // Flushes what is pending. Returns the dictionary the source used.
  Status EndSource(int64_t* dict) {
    VIGIL_RETURN_IF_ERROR(Flush());
    *dict = dict_;
    return OkStatus();
  }
  uint64_t source_records() const { return source_records_; }
  // Counts a record that is not an advisory (a CVE record) as read from the source.
  void CountRecord() { ++source_records_; }

  // Progress: called from AddJson/AddAdvisory every 1000 records.
  void SetProgress(ImportProgress* p) { progress_ = p; }
  void Tick() {
    if (!progress_ || !options_.progress) return;
    progress_->records = report_->read;
    if (report_->read % 1000 == 0) options_.progress(*progress_);
  }

  void Problem(std::string where, std::string id, std::string reason, bool skipped = true) {
    if (skipped) {
      ++report_->skipped;
    } else {
      ++report_->warnings;
    }
    report_->problems.push_back({std::move(where), std::move(id), std::move(reason), skipped});
  }

  // An OSV record as JSON text.
  Status AddJson(std::string_view text, const std::string& where) {
    ++report_->read;
    ++source_records_;
    Tick();
    Result<Advisory> a = parser_.Parse(text, where);
    if (!a.ok()) {
      Problem(where, "", a.error().message());
      return OkStatus();
    }
    Result<std::string> minified = MinifyJson(text);
    if (!minified.ok()) {
      Problem(where, a->id, minified.error().message());
      return OkStatus();
    }
    return Add(*a, std::move(*minified), where);
  }

  // A record converted from another feed. Such feeds carry no dates, so `modified` is the import
  // time; a record whose stored text equals the new one but for `modified` is unchanged.
  Status AddAdvisory(const Advisory& a, const std::string& where) {
    ++report_->read;
    ++source_records_;
    Tick();
    std::string json = ToOsvJson(a);
    if (existing_.contains(a.id) && !run_.contains(a.id)) {
      VIGIL_ASSIGN_OR_RETURN(std::optional<std::string> stored, store_.GetJson(a.id));
      if (stored) {
        Advisory same = a;
        same.modified = FormatMicros(existing_.find(a.id)->second.modified_us);
        if (ToOsvJson(same) == *stored) {
          ++report_->unchanged;
          return OkStatus();
        }
      }
    }
    return Add(a, std::move(json), where);
  }

  Store::Transaction& tx() { return tx_; }

 private:
  struct Pending {
    std::string id, modified, json, kind;
    bool withdrawn;
    std::vector<std::string> ecosystems;
    std::string family;                // of the first affected entry, "" when none
    std::vector<std::string> aliases;  // aliases and upstream ids
  };

  // Entries that cannot match are reported (the record is kept: its other entries and its
  // text still matter). Returns false when the record as a whole is unusable.
  void Check(const Advisory& a, const std::string& where) {
    for (size_t i = 0; i < a.affected.size(); ++i) {
      const Affected& af = a.affected[i];
      std::string at = "affected[" + std::to_string(i) + "]";
      if (af.ecosystem.family.empty()) {
        if (af.name.empty()) continue;  // GIT-only entries (PSF, OSS-Fuzz) have no package
        Problem(where, a.id, at + ": package '" + af.name + "' has no ecosystem", false);
        continue;
      }
      const version::Scheme* scheme = SchemeFor(af);
      if (!scheme) {
        Problem(where, a.id,
                at + ": ecosystem '" + af.ecosystem.text +
                    "' has no version scheme in vigil and its ranges are not all "
                    "SEMVER: stored, cannot match",
                false);
        continue;
      }
      Result<version::AffectedRanges> built = version::AffectedRanges::Build(*scheme, af.spec);
      if (!built.ok()) {
        Problem(where, a.id, at + ": " + built.error().message() + ": stored, this entry cannot match", false);
        continue;
      }
      // fixed written after an introduced it sorts before: the schema sorts events, so this
      // reads as "affected from the introduced version on, never fixed" — almost surely a data
      // error worth telling.
      for (size_t r = 0; r < af.spec.ranges.size(); ++r) {
        const version::RangeSpec& range = af.spec.ranges[r];
        if (range.type == version::RangeSpec::Type::kGit) continue;
        // One warning per range, with the first case and how many there are (a hostile
        // record can have 100,000).
        const std::string* introduced = nullptr;
        std::string first;
        size_t count = 0;
        for (const version::RangeEvent& ev : range.events) {
          if (ev.kind == version::RangeEvent::Kind::kIntroduced) {
            introduced = ev.version == "0" ? nullptr : &ev.version;
          } else if (introduced && ev.kind == version::RangeEvent::Kind::kFixed) {
            Result<int> c = scheme->CompareText(ev.version, *introduced);
            if (c.ok() && *c < 0 && count++ == 0)
              first = "fixed " + ev.version + " sorts before introduced " + *introduced;
          }
        }
        if (count > 0) {
          Problem(where, a.id,
                  at + ".ranges[" + std::to_string(r) + "]: " + first +
                      (count > 1 ? " (and " + std::to_string(count - 1) + " more such events)" : "") +
                      ": read by the schema's rules (events sorted by version)",
                  false);
        }
      }
    }
  }

  Status Add(const Advisory& a, std::string json, const std::string& where) {
    Check(a, where);
    bool withdrawn = !a.withdrawn.empty();
    auto in_run = run_.find(a.id);
    auto before = existing_.find(a.id);
    const StoredMeta* prev = in_run != run_.end()        ? &in_run->second
                             : before != existing_.end() ? &before->second
                                                         : nullptr;
    if (prev) {
      int64_t old_key = prev->modified_us, new_key = TimeMicros(a.modified);
      bool duplicate = in_run != run_.end();
      if (new_key == old_key && prev->withdrawn == withdrawn) {
        if (duplicate) {
          Problem(where, a.id, "duplicate id with the same modified " + a.modified + ": ignored", false);
        } else {
          ++report_->unchanged;
        }
        return OkStatus();
      }
      if (new_key < old_key) {
        ++report_->stale;
        Problem(where, a.id,
                (duplicate ? "duplicate id: modified " : "modified ") + a.modified + " is older than the " +
                    (duplicate ? "one read before (" : "stored (") + FormatMicros(prev->modified_us) +
                    "): kept that one",
                false);
        return OkStatus();
      }
      if (duplicate) {
        Problem(where, a.id,
                "duplicate id: modified " + a.modified + " is newer than the one read before (" +
                    FormatMicros(prev->modified_us) + "): this one replaces it",
                false);
      }
    }
    std::string kind = withdrawn ? "withdrawn" : before != existing_.end() ? "changed" : "new";
    if (in_run == run_.end()) {
      if (before != existing_.end()) {
        ++report_->changed;
      } else {
        ++report_->added;
      }
      if (withdrawn) ++report_->withdrawn;
    }
    run_[a.id] = StoredMeta{TimeMicros(a.modified), withdrawn};
    std::vector<std::string> ecosystems;
    for (const Affected& af : a.affected) {
      if (!af.ecosystem.text.empty() &&
          std::find(ecosystems.begin(), ecosystems.end(), af.ecosystem.text) == ecosystems.end()) {
        ecosystems.push_back(af.ecosystem.text);
      }
    }
    std::string family;
    for (const Affected& af : a.affected) {
      if (!af.ecosystem.family.empty()) {
        family = af.ecosystem.family;
        break;
      }
    }
    std::vector<std::string> aliases = a.aliases;
    aliases.insert(aliases.end(), a.upstream.begin(), a.upstream.end());
    for (const Affected& af : a.affected) {
      if (!af.normalized_name.empty()) aliases.push_back(PackageNameKey(af.normalized_name));
    }
    Pending p{a.id,
              a.modified,
              std::move(json),
              kind,
              withdrawn,
              std::move(ecosystems),
              std::move(family),
              std::move(aliases)};
    if (dict_chosen_) return Write(p);
    pending_.push_back(std::move(p));
    if (pending_.size() >= kDictionarySample) return Flush();
    return OkStatus();
  }

  // Chooses the source's dictionary once enough records are pending: the one it used before, or
  // one trained for the same kind of records (AlmaLinux 8 and 9 share one; so do DSA and DLA),
  // else a new one trained on these records, else (too few to train on) the newest of any kind.
  Status Flush() {
    if (!dict_chosen_ && !pending_.empty()) {
      std::string key = kind_ + ":" + pending_.front().family;
      VIGIL_ASSIGN_OR_RETURN(dict_, tx_.DictionaryFor(source_, key));
      if (dict_ == 0 && pending_.size() >= kMinDictionarySample) {
        std::vector<std::string_view> samples;
        samples.reserve(pending_.size());
        for (const Pending& p : pending_) samples.push_back(p.json);
        // Training can fail on unusual samples (too uniform); then the fallback below applies.
        Result<int64_t> d = tx_.AddDictionary(samples, key);
        if (d.ok()) dict_ = *d;
      }
      if (dict_ == 0) {
        VIGIL_ASSIGN_OR_RETURN(dict_, tx_.NewestDictionary());
      }
      dict_chosen_ = true;
    }
    for (const Pending& p : pending_) VIGIL_RETURN_IF_ERROR(Write(p));
    pending_.clear();
    return OkStatus();
  }

  Status Write(const Pending& p) {
    VIGIL_RETURN_IF_ERROR(tx_.Put(p.id, p.modified, p.withdrawn, p.ecosystems, p.aliases, source_, p.json, dict_,
                                  options_.compression_level));
    // A first import into an empty database is not news: the change log starts with the second
    // run (a consumer that finds no changes matches everything once, as it must anyway).
    if (tx_.first_import()) return OkStatus();
    return tx_.AddChange(p.id, p.kind);
  }

  Store& store_;
  Store::Transaction& tx_;
  std::map<std::string, StoredMeta, std::less<>> existing_;
  std::map<std::string, StoredMeta, std::less<>> run_;  // ids written in this run
  const ImportOptions& options_;
  ImportReport* report_;
  OsvParser parser_;
  std::string source_;
  std::string kind_;  // of the source, part of the dictionary key
  std::vector<Pending> pending_;
  bool dict_chosen_ = false;
  int64_t dict_ = 0;
  uint64_t source_records_ = 0;
  ImportProgress* progress_ = nullptr;
};

Status ImportDocument(Sink& sink, Kind kind, std::string_view text, const std::string& where,
                      const ImportOptions& options, ImportReport* report);

// What a report shows of a KEV entry beyond the columns (the catalog's long texts are not kept:
// they would double the database for fields no report prints).
std::string KevJson(const KevEntry& k) {
  nlohmann::json j = {
      {"vendorProject", k.vendor_project}, {"product", k.product}, {"vulnerabilityName", k.vulnerability_name}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Distro feeds and enrichment: parsed by their own modules (alpine_secdb.h, debian_tracker.h,
// debian_advisory_list.h, enrich.h), then stored like OSV records.
Status ImportFeed(Sink& sink, Kind kind, std::string_view text, const std::string& where, const ImportOptions& options,
                  ImportReport* report) {
  std::string modified = options.feed_time.empty() ? NowRfc3339() : options.feed_time;
  Result<FeedResult> feed = Corrupt("unreachable");
  switch (kind) {
    case Kind::kAlpineSecdb:
      feed = SkipSpace(text).starts_with("{") ? ParseAlpineSecdbJson(text, where, modified)
                                              : ParseAlpineSecdbYaml(text, where, modified);
      break;
    case Kind::kDebianTracker:
      feed = ParseDebianTrackerJson(text, where, DebianTrackerOptions{modified, {}});
      break;
    case Kind::kDebianList:
      feed = ParseDebianAdvisoryList(text, where, modified);
      break;
    case Kind::kKev: {
      Result<KevCatalog> kev = ParseKevJson(text, where);
      if (!kev.ok()) {
        sink.Problem(where, "", kev.error().message());
        return OkStatus();
      }
      for (const FeedProblem& p : kev->problems.list()) sink.Problem(p.where, "", p.reason);
      for (const KevEntry& k : kev->entries) {
        VIGIL_RETURN_IF_ERROR(sink.tx().PutKev(
            KevRecord{k.cve, k.date_added, k.due_date, k.known_ransomware_campaign_use == "Known", KevJson(k)}));
        ++report->kev;
      }
      return sink.tx().SetMeta("kev_catalog", kev->catalog_version);
    }
    case Kind::kEpss: {
      Status put = OkStatus();
      EpssReader reader(where, [&](const EpssRow& row) {
        if (!put.ok()) return;
        put = sink.tx().PutEpss(EpssRecord{std::string(row.cve), row.epss, row.percentile});
        ++report->epss;
      });
      Status fed = reader.Feed(text);
      VIGIL_RETURN_IF_ERROR(put);
      Result<EpssSummary> summary = fed.ok() ? reader.Finish() : Result<EpssSummary>(fed.error());
      if (!summary.ok()) {
        sink.Problem(where, "", summary.error().message());
        return OkStatus();
      }
      for (const FeedProblem& p : summary->problems.list()) sink.Problem(p.where, "", p.reason);
      return sink.tx().SetMeta("epss_date", summary->score_date);
    }
    case Kind::kNvdCve:
    case Kind::kCve5: {
      Result<CveRecords> recs = kind == Kind::kNvdCve ? ParseNvdCveJson(text, where) : ParseCve5Json(text, where);
      if (!recs.ok()) {
        sink.Problem(where, "", recs.error().message());
        return OkStatus();
      }
      for (const FeedProblem& p : recs->problems.list()) sink.Problem(p.where, "", p.reason, false);
      if (recs->problems.total() > recs->problems.list().size()) {
        sink.Problem(
            where, "",
            std::to_string(recs->problems.total() - recs->problems.list().size()) + " more problems not listed", false);
      }
      for (const CveEnrichment& e : recs->records) {
        sink.CountRecord();
        VIGIL_ASSIGN_OR_RETURN(bool written, sink.tx().PutEnrichment(e));
        ++(written ? report->enrichment : report->enrichment_stale);
      }
      return OkStatus();
    }
    default:
      break;
  }
  // A YAML secdb refused by the YAML guard stops the import, as an OSV YAML record does.
  if (!feed.ok() && kind == Kind::kAlpineSecdb && feed.error().code() == ErrorCode::kLimitExceeded) {
    return feed.error();
  }
  if (!feed.ok()) {
    sink.Problem(where, "", feed.error().message());
    return OkStatus();
  }
  for (const FeedProblem& p : feed->problems.list()) sink.Problem(p.where, "", p.reason);
  if (feed->problems.total() > feed->problems.list().size()) {
    sink.Problem(where, "",
                 std::to_string(feed->problems.total() - feed->problems.list().size()) + " more problems not listed");
  }
  for (const Advisory& a : feed->advisories) VIGIL_RETURN_IF_ERROR(sink.AddAdvisory(a, where));
  return OkStatus();
}

// A YAML document the guard refuses (aliases that multiply, nesting, size: common/yaml.h) is
// hostile, not merely damaged: the import stops with an error naming the file and line, so that
// `db import` exits 2 instead of reporting a skipped record.
Status ImportYamlRecord(Sink& sink, std::string_view text, const std::string& where) {
  YamlLimits limits;
  limits.max_bytes = kMaxRecordBytes;
  limits.max_depth = kMaxRecordDepth;
  Result<YAML::Node> node = LoadYaml(text, where, limits);
  if (!node.ok() && node.error().code() == ErrorCode::kLimitExceeded) return node.error();
  if (!node.ok()) {
    sink.Problem(where, "", "not valid YAML: " + node.error().message());
    return OkStatus();
  }
  nlohmann::json j;
  try {
    j = YamlToJson(*node, 0);
  } catch (const std::exception& e) {
    sink.Problem(where, "", std::string("not valid YAML: ") + e.what());
    return OkStatus();
  }
  return sink.AddJson(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), where);
}

Status ImportJsonLines(Sink& sink, std::string_view text, const std::string& where) {
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (SkipSpace(line).empty()) continue;
    VIGIL_RETURN_IF_ERROR(sink.AddJson(line, where + ":" + std::to_string(line_no)));
  }
  return OkStatus();
}

Status ImportJsonArray(Sink& sink, std::string_view text, const std::string& where) {
  Result<nlohmann::json> doc = ParseJson(text, where, static_cast<int>(kMaxRecordDepth));
  if (!doc.ok()) {
    sink.Problem(where, "", doc.error().message());
    return OkStatus();
  }
  for (size_t i = 0; i < doc->size(); ++i) {
    VIGIL_RETURN_IF_ERROR(sink.AddJson((*doc)[i].dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                                       where + "[" + std::to_string(i) + "]"));
  }
  return OkStatus();
}

// A name inside a zip that would leave the folder it is extracted to, if anyone did.
bool UnsafeEntryName(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find('\\') != std::string_view::npos) return true;
  for (std::string_view part : Split(name, '/')) {
    if (part == "..") return true;
  }
  return false;
}

bool ReadsZipEntry(std::string_view name) { return HasYamlSuffix(name) || name.ends_with(".json"); }

std::string Bytes(uint64_t n) { return std::to_string(n) + " bytes"; }

Status ImportZip(Sink& sink, std::string_view data, const std::string& where, const ImportOptions& options,
                 ImportReport* report) {
  const ZipLimits& limits = options.zip;
  // 1. The central directory, before anything is inflated: the entry count, each entry's
  // declared size and ratio, and the total. An archive without one (cut short) is read in order
  // as far as it goes, with the same limits applied while inflating.
  std::unordered_map<std::string, uint64_t> declared;  // name -> declared uncompressed size
  std::unordered_set<std::string> refused;             // reported already, not inflated
  // What may be inflated from the archive in all: its declared total when it has a directory
  // (an honest archive never exceeds it), else the limit.
  uint64_t inflate_limit = limits.max_total_bytes;
  Result<ZipDirectory> dir = ReadZipDirectory(data, limits.max_entries);
  if (!dir.ok() && dir.error().code() == ErrorCode::kLimitExceeded) {
    sink.Problem(where, "", dir.error().message() + ": nothing of the archive is read");
    return OkStatus();
  }
  if (!dir.ok()) {
    sink.Problem(where, "", dir.error().message() + ": entries are read in order as far as they go", false);
  } else {
    uint64_t total = 0;
    for (const ZipEntryInfo& e : dir->entries) {
      if (e.directory || !ReadsZipEntry(e.name)) continue;
      std::string ewhere = where + ":" + Clip(e.name, 200);
      if (e.uncompressed > limits.max_entry_bytes) {
        refused.insert(e.name);
        sink.Problem(ewhere, "",
                     "entry declares " + Bytes(e.uncompressed) + ", more than the limit of " +
                         Bytes(limits.max_entry_bytes) + ": not read");
        continue;
      }
      if (e.uncompressed > (uint64_t{1} << 20) &&
          e.uncompressed / std::max<uint64_t>(e.compressed, 1) > limits.max_ratio) {
        refused.insert(e.name);
        sink.Problem(ewhere, "",
                     "entry declares " + Bytes(e.uncompressed) + " from " + Bytes(e.compressed) +
                         " compressed, a ratio above the limit of " + std::to_string(limits.max_ratio) +
                         ":1 for entries over 1 MiB (a zip bomb?): not read");
        continue;
      }
      total += e.uncompressed;  // cannot overflow: each term is at most max_entry_bytes
      uint64_t& d = declared[e.name];
      d = std::max(d, e.uncompressed);
    }
    if (total > limits.max_total_bytes) {
      sink.Problem(where, "",
                   "the zip's " + std::to_string(dir->entries.size()) + " entries declare " + Bytes(total) +
                       " uncompressed, more than the limit of " + Bytes(limits.max_total_bytes) +
                       ": nothing of the archive is read");
      return OkStatus();
    }
    inflate_limit = total;
  }

  // 2. The entries, inflated with the limits enforced on what they really produce.
  std::unique_ptr<struct archive, ArchiveCloser> a(archive_read_new());
  archive_read_support_format_zip(a.get());
  if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) {
    sink.Problem(where, "", "not a readable zip archive: " + ArchiveError(a.get()));
    return OkStatus();
  }
  size_t entries = 0;
  uint64_t inflated = 0;
  std::string buf;
  for (;;) {
    struct archive_entry* e = nullptr;
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
      sink.Problem(where, "",
                   std::string("zip archive damaged after ") + std::to_string(entries) +
                       " entries, the rest is not read: " + ArchiveError(a.get()));
      break;
    }
    if (++entries > limits.max_entries) {
      sink.Problem(where, "", "more than " + std::to_string(limits.max_entries) + " entries; the rest is not read");
      break;
    }
    const char* raw = archive_entry_pathname(e);
    std::string name = raw ? raw : "";
    std::string ewhere = where + ":" + Clip(name, 200);
    if (archive_entry_filetype(e) != AE_IFREG) continue;
    if (UnsafeEntryName(name)) {
      sink.Problem(ewhere, "", "unsafe entry name (absolute or with '..'): entry skipped");
      continue;
    }
    bool yaml = HasYamlSuffix(name);
    if (!ReadsZipEntry(name)) continue;
    if (refused.contains(name)) continue;
    int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
    if (size > static_cast<int64_t>(limits.max_entry_bytes)) {
      sink.Problem(ewhere, "",
                   "entry of " + Bytes(static_cast<uint64_t>(size)) + " is larger than the limit of " +
                       Bytes(limits.max_entry_bytes));
      continue;
    }
    // What this entry may inflate to: its declared size when the directory has it (a name
    // libarchive spells otherwise, e.g. converted from CP437, falls back to the per-entry
    // limit; the running total still applies).
    uint64_t cap = limits.max_entry_bytes;
    bool lied_about = false;
    if (dir.ok()) {
      if (auto it = declared.find(name); it != declared.end()) {
        cap = it->second;
        lied_about = true;
      }
    }
    buf.clear();
    char chunk[1 << 16];
    bool failed = false, fatal = false, too_big = false, over_total = false;
    for (;;) {
      la_ssize_t n = archive_read_data(a.get(), chunk, sizeof chunk);
      if (n == 0) break;
      if (n < 0) {
        failed = true;
        fatal = n == ARCHIVE_FATAL;
        break;
      }
      if (buf.size() + static_cast<size_t>(n) > cap) {
        too_big = true;
        break;
      }
      inflated += static_cast<uint64_t>(n);
      if (inflated > inflate_limit) {
        over_total = true;
        break;
      }
      buf.append(chunk, static_cast<size_t>(n));
    }
    if (over_total) {
      sink.Problem(where, "",
                   "more than " + Bytes(inflate_limit) + " inflated from the archive at " + Clip(name, 200) +
                       (dir.ok() ? " (what its central directory declares in all)" : "") + ": the rest is not read");
      break;
    }
    if (failed) {
      sink.Problem(ewhere, "", "cannot read entry (truncated or damaged): " + ArchiveError(a.get()));
      if (fatal) break;
      continue;
    }
    if (too_big) {
      sink.Problem(ewhere, "",
                   lied_about ? "entry inflates to more than the " + Bytes(cap) +
                                    " its central directory declares: not read (the archive's sizes are false)"
                              : "entry is larger than the limit of " + Bytes(limits.max_entry_bytes));
      continue;
    }
    Kind kind = yaml ? Kind::kOsvYaml : Sniff(name, buf);
    VIGIL_RETURN_IF_ERROR(ImportDocument(sink, kind, buf, ewhere, options, report));
  }
  return OkStatus();
}

Status ImportDocument(Sink& sink, Kind kind, std::string_view text, const std::string& where,
                      const ImportOptions& options, ImportReport* report) {
  if (kind != Kind::kZip) sink.NoteKind(KindName(kind));
  switch (kind) {
    case Kind::kOsvJson:
      return sink.AddJson(text, where);
    case Kind::kOsvJsonLines:
      return ImportJsonLines(sink, text, where);
    case Kind::kOsvJsonArray:
      return ImportJsonArray(sink, text, where);
    case Kind::kOsvYaml:
      return ImportYamlRecord(sink, text, where);
    case Kind::kZip:
      return ImportZip(sink, text, where, options, report);
    case Kind::kAlpineSecdb:
    case Kind::kDebianTracker:
    case Kind::kDebianList:
    case Kind::kKev:
    case Kind::kEpss:
    case Kind::kNvdCve:
    case Kind::kCve5:
      return ImportFeed(sink, kind, text, where, options, report);
    case Kind::kUnknown:
      break;
  }
  sink.Problem(where, "",
               "not a format vigil imports (OSV JSON/JSONL/YAML/zip, Alpine secdb, "
               "Debian tracker JSON or DSA/DLA list, CISA KEV, EPSS CSV, NVD CVE JSON 2.0, CVE JSON 5)");
  return OkStatus();
}

// The counters of `r` alone (no lists), to diff before and after one input.
ImportReport Counters(const ImportReport& r) {
  ImportReport c;
  c.read = r.read;
  c.added = r.added;
  c.changed = r.changed;
  c.unchanged = r.unchanged;
  c.stale = r.stale;
  c.skipped = r.skipped;
  c.kev = r.kev;
  c.epss = r.epss;
  c.enrichment = r.enrichment;
  c.enrichment_stale = r.enrichment_stale;
  return c;
}

void Summarize(const ImportReport& before, const ImportReport& now, size_t first_problem, ImportInputReport* input) {
  input->read = now.read - before.read;
  input->imported = (now.added - before.added) + (now.changed - before.changed) + (now.unchanged - before.unchanged) +
                    (now.stale - before.stale) + (now.kev - before.kev) + (now.epss - before.epss) +
                    (now.enrichment - before.enrichment) + (now.enrichment_stale - before.enrichment_stale);
  input->skipped = now.skipped - before.skipped;
  if (input->imported > 0) return;
  for (size_t i = first_problem; i < now.problems.size(); ++i) {
    if (now.problems[i].skipped) {
      input->reason = now.problems[i].reason;
      if (input->skipped > 1) input->reason += " (and " + std::to_string(input->skipped - 1) + " more skipped)";
      return;
    }
  }
  input->reason = "no records in it";
}

}  // namespace

Status Import(Store& store, const std::vector<ImportInput>& inputs, const ImportOptions& options,
              ImportReport* report) {
  *report = ImportReport{};
  for (const ImportInput& in : inputs) {
    std::error_code ec;
    if (!fs::exists(in.path, ec)) return NotFound("no such file or folder: " + in.path);
  }
  VIGIL_ASSIGN_OR_RETURN(auto existing, store.AllMeta());
  VIGIL_ASSIGN_OR_RETURN(auto tx, store.Begin(options.command));
  report->run = tx->run();
  Sink sink(store, *tx, std::move(existing), options, report);

  ImportProgress progress;
  progress.inputs = inputs.size();
  sink.SetProgress(&progress);
  for (const ImportInput& in : inputs) {
    ++progress.input;
    progress.bytes = report->bytes;
    if (options.progress) options.progress(progress);
    const ImportReport before = Counters(*report);
    const size_t first_problem = report->problems.size();
    ImportInputReport& input = report->inputs.emplace_back();
    input.path = in.path;
    // Fills `input` from what the counters moved by, whichever way the input ends.
    struct Finish {
      const ImportReport& before;
      const ImportReport* now;
      size_t first_problem;
      ImportInputReport* input;
      ~Finish() { Summarize(before, *now, first_problem, input); }
    } finish{before, report, first_problem, &input};
    std::string source = in.source.empty() ? in.path : in.source;
    sink.BeginSource(source);
    SourceInfo info = in.fetched;
    info.name = source;
    std::error_code ec;
    Sha256 hash;
    if (fs::is_directory(in.path, ec)) {
      info.kind = "folder";
      input.kind = "folder";
      // Sorted, so that duplicate ids resolve the same way on every run.
      std::vector<fs::path> files;
      fs::recursive_directory_iterator it(in.path, fs::directory_options::skip_permission_denied, ec);
      for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && !it->is_symlink(ec)) files.push_back(it->path());
        if (files.size() > kMaxFilesPerInput) break;
      }
      if (ec) sink.Problem(in.path, "", "cannot list the whole folder: " + ec.message());
      std::sort(files.begin(), files.end());
      for (const fs::path& f : files) {
        std::string name = f.string();
        if (!name.ends_with(".json") && !name.ends_with(".jsonl") && !HasYamlSuffix(name) && !name.ends_with(".zip") &&
            !name.ends_with(".csv")) {
          continue;
        }
        Result<MappedFile> m = MappedFile::Open(name);
        if (!m.ok()) {
          sink.Problem(name, "", m.error().message());
          continue;
        }
        report->bytes += m->size();
        VIGIL_RETURN_IF_ERROR(ImportDocument(sink, Sniff(name, m->data()), m->data(), name, options, report));
      }
    } else {
      Result<MappedFile> m = MappedFile::Open(in.path);
      if (!m.ok()) {
        sink.Problem(in.path, "", m.error().message());
        continue;
      }
      report->bytes += m->size();
      // The source name, not the path: a download is staged under a name of its own.
      Kind kind = Sniff(source, m->data());
      info.kind = KindName(kind);
      input.kind = info.kind;
      if (kind != Kind::kOsvJsonLines && kind != Kind::kZip && m->size() > kMaxDocumentFile) {
        sink.Problem(in.path, "",
                     "file of " + std::to_string(m->size()) + " bytes is larger than the limit of " +
                         std::to_string(kMaxDocumentFile) + " for a single document");
        continue;
      }
      hash.Update(m->data());
      info.sha256 = hash.FinishDigest();
      info.size = m->size();
      VIGIL_RETURN_IF_ERROR(ImportDocument(sink, kind, m->data(), in.path, options, report));
    }
    int64_t dict = 0;
    VIGIL_RETURN_IF_ERROR(sink.EndSource(&dict));
    info.records = sink.source_records();
    info.imported_at = NowRfc3339();
    VIGIL_RETURN_IF_ERROR(tx->PutSource(info, dict));
  }
  for (const ImportInputReport& in : report->inputs) {
    if (in.imported == 0) ++report->empty_inputs;
  }
  return tx->Commit();
}

}  // namespace vigil::vulndb
