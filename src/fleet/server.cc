#include "fleet/server.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <thread>
#include <utility>

#include "common/file.h"
#include "common/json.h"
#include "common/sha256.h"
#include "common/time.h"
#include "fleet/container_watch.h"
#include "fleet/fleet_store.h"
#include "fleet/image_export.h"
#include "fleet/kube_watch.h"
#include "match/scan_image.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "report/report.h"
#include "vulndb/index.h"
#include "vulndb/severity.h"
#include "vulndb/sqlite_store.h"
#include "vulndb/update.h"

namespace vigil::fleet {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Hex(const unsigned char* p, size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

// "sha256=<hex>" of HMAC-SHA256(key, body): what a receiver recomputes to trust a payload.
std::string Signature(const std::string& key, std::string_view body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(body.data()),
       body.size(), mac, &len);
  return "sha256=" + Hex(mac, len);
}

json SummaryJson(const ImageSummary& i) {
  return {{"id", i.id},
          {"key", i.key},
          {"name", i.name},
          {"tags", i.tags},
          {"manifest_digest", i.manifest_digest},
          {"config_digest", i.config_digest},
          {"packages", i.packages},
          {"findings", i.findings},
          {"added", i.added},
          {"complete", i.complete},
          {"unchecked", i.unchecked}};
}

json ContainerJson(const ContainerRow& c) {
  return {{"runtime", c.runtime},
          {"id", c.id},
          {"name", c.name},
          {"image_ref", c.image_ref},
          {"image_id", c.image_id},
          {"image", c.image},
          {"namespace", c.namespace_},
          {"pod", c.pod},
          {"node", c.node},
          {"started", c.started}};
}

json FindingJson(const StoredFinding& f) {
  return {{"vulnerability", f.vuln}, {"package", f.package}, {"version", f.version},  {"fix", f.fix},
          {"purl", f.purl},          {"layer", f.layer},     {"severity", f.severity}};
}

int Rank(std::string_view s) {
  if (s == "CRITICAL") return 5;
  if (s == "HIGH") return 4;
  if (s == "MEDIUM") return 3;
  if (s == "LOW") return 2;
  if (s == "NEGLIGIBLE") return 1;
  return 0;
}

// Reads a file the server made (a token, a key) or makes it, mode 0600, with `make()`'s content.
Result<std::string> ReadOrCreateSecret(const std::string& path, const std::function<std::string()>& make,
                                       bool* created) {
  *created = false;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    VIGIL_ASSIGN_OR_RETURN(std::string text, ReadFile(path, 4096));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.empty()) return Corrupt(path + " is empty");
    return text;
  }
  std::string value = make();
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  mode_t old = ::umask(077);
  FILE* f = std::fopen(tmp.c_str(), "wx");
  ::umask(old);
  if (f == nullptr) return IoError("cannot create " + tmp);
  bool ok = std::fwrite(value.data(), 1, value.size(), f) == value.size() && std::fputc('\n', f) != EOF;
  ok = (std::fflush(f) == 0) && ok && ::fsync(::fileno(f)) == 0;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok || ::chmod(tmp.c_str(), 0600) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return IoError("cannot write " + path);
  }
  *created = true;
  return value;
}

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) return {};
  return Hex(raw.data(), raw.size());
}

// The canonical form of `path` when it lies under one of `roots` (canonical already), else "".
std::string UnderRoot(const std::string& path, const std::vector<std::string>& roots) {
  std::error_code ec;
  std::filesystem::path canon = std::filesystem::canonical(path, ec);
  if (ec) return {};
  std::string c = canon.string();
  for (const std::string& r : roots) {
    if (c == r || (c.size() > r.size() && c.compare(0, r.size(), r) == 0 && (r == "/" || c[r.size()] == '/'))) {
      return c;
    }
  }
  return {};
}

// Token buckets by key (a token id, a client address): `rate` per second, up to `burst` at once.
class RateLimiter {
 public:
  RateLimiter(double rate, double burst) : rate_(rate), burst_(burst) {}
  // Takes one from `key`'s bucket; false (and the seconds until one is back) when it is empty.
  bool Take(const std::string& key, int* retry_after) {
    if (rate_ <= 0) return true;
    std::lock_guard lock(mu_);
    auto now = Clock::now();
    if (buckets_.size() > 100000) buckets_.clear();  // a flood of addresses: start over
    auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
    Bucket& b = it->second;
    if (!fresh) {
      b.tokens = std::min(burst_, b.tokens + rate_ * std::chrono::duration<double>(now - b.last).count());
      b.last = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    *retry_after = std::max(1, static_cast<int>((1 - b.tokens) / rate_ + 0.999));
    return false;
  }
  // True when `key`'s bucket is empty now (nothing is taken).
  bool Empty(const std::string& key) {
    if (rate_ <= 0) return false;
    std::lock_guard lock(mu_);
    auto it = buckets_.find(key);
    if (it == buckets_.end()) return false;
    auto elapsed = std::chrono::duration<double>(Clock::now() - it->second.last).count();
    return std::min(burst_, it->second.tokens + rate_ * elapsed) < 1;
  }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  double rate_, burst_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

// Caps on what a sensor sends in one request.
constexpr size_t kMaxSensorAlertsPerRequest = 1000;
constexpr size_t kMaxSensorEventBytes = 256 * 1024;

// One delivery channel of the outbox.
struct Channel {
  std::string name;  // as stored: "webhook:<url>", "file:<path>", "syslog"
  enum Kind { kWebhook, kFile, kSyslog } kind = kFile;
  std::string target;
};

}  // namespace

struct Server::Impl {
  ServerOptions options;
  std::string db_dir;
  std::unique_ptr<FleetStore> store;
  // Package names past which an update's advisories are read as the whole database's index.
  static constexpr size_t kWholeIndexNames = 300;
  // The image summaries, read once and kept until this server changes images or findings
  // (PutImage, RemoveImage, Reevaluate: each calls ImagesChanged after it). FleetStore::Images
  // costs ~40 ms at 2,000 images (a findings count per image) and FindImage scans the image
  // table, too much per request at 1,000 requests/s (bench/fleet_scale). Only when this server is
  // the only writer of its store (SQLite): on a shared store (PostgreSQL) other servers change
  // images too, and the list is read afresh per request (a change counter in the store is next).
  std::mutex summaries_mu;
  std::shared_ptr<const std::vector<ImageSummary>> summaries;  // by id; null: read again
  uint64_t summaries_generation = 0;
  std::unique_ptr<net::HttpServer> http;
  std::string webhook_key;
  std::vector<Channel> channels;
  std::vector<std::string> roots;         // canonical image roots
  std::vector<std::string> source_roots;  // canonical roots of local update sources
  // Requests per token, and failed authentications per client address (guessing tokens).
  std::unique_ptr<RateLimiter> per_token, failed_auth;

  // Updates are exclusive; ingestion holds it shared so the database does not change between an
  // image's scan and its storing (its findings are then those of the cursor's database).
  std::shared_mutex db_mu;

  std::mutex wake_mu;
  std::condition_variable wake_cv;
  bool stopping = false;
  bool wake = false;
  std::thread deliverer, scheduler;
  std::vector<std::unique_ptr<ContainerWatcher>> watchers;
  std::unique_ptr<KubeWatcher> kube;
  std::optional<KubeConfig> kube_config;
  std::string node;  // this machine's host name: the node of the containers its runtimes run
  net::Cancellation cancel;
  std::atomic<bool> started{false}, stopped{false};
  // Whether this server leads the store's servers (runs updates and their evaluation). Always
  // true on SQLite; on PostgreSQL the leader thread keeps it current.
  std::atomic<bool> leader{false};
  std::thread leader_thread;

  // Images of running containers the store does not have (ServerOptions::export_images): what
  // is queued, being exported, or failed (not scanned, with why), by image id. Kept in memory:
  // after a restart the runtimes' first lists find the same images again.
  struct ExportJob {
    std::string image_id, image_ref, runtime;
  };
  struct ExportState {
    std::string state;  // "queued", "exporting", "unscanned"
    std::string reason;
    std::string image_ref, runtime;
    Clock::time_point failed_at{};
    bool retry_when_seen = false;  // refused for a full queue: no wait before the next try
  };
  std::string exports_dir;  // <data_dir>/exports
  std::mutex export_mu;
  std::condition_variable export_cv;
  bool export_stopping = false;
  std::deque<ExportJob> export_queue;
  std::map<std::string, ExportState> exports;
  std::thread exporter;

  // Counters for /metrics.
  std::atomic<uint64_t> updates{0}, update_failures{0}, deltas_added{0}, deltas_resolved{0}, delivered{0},
      delivery_failures{0}, ingested{0}, ingest_failures{0}, exported{0}, export_failures{0};
  std::atomic<double> last_delta_seconds{0};
  std::atomic<uint64_t> sensor_alerts{0}, sensor_dropped{0};

  void Log(std::string_view line) {
    if (options.log) {
      options.log(line);
    } else {
      std::cerr << "vigil serve: " << line << "\n";
    }
  }

  void Wake() {
    {
      std::lock_guard lock(wake_mu);
      wake = true;
    }
    wake_cv.notify_all();
  }

  // ---- advisory database ----

  Result<std::unique_ptr<vulndb::Store>> OpenDb(vulndb::Store::Mode mode) {
    vulndb::SqliteOptions so;
    so.holder = "vigil serve";
    return vulndb::SqliteStore::Open(db_dir, mode, so);
  }

  // The newest change-log position of `db`.
  static Result<int64_t> LatestSeq(vulndb::Store& db, int64_t after) {
    int64_t last = after;
    for (;;) {
      VIGIL_ASSIGN_OR_RETURN(std::vector<vulndb::Change> page, db.ChangesSince(last, 100000));
      if (page.empty()) return last;
      for (const auto& c : page) last = std::max(last, c.seq);
    }
  }

  // Evaluates every change after the fleet's cursor (under db_mu held exclusively). Returns the
  // delta (empty when nothing changed).
  Result<Delta> EvaluatePending(vulndb::Store& db) {
    VIGIL_ASSIGN_OR_RETURN(int64_t cursor, store->Cursor());
    std::set<std::string> ids;
    int64_t last = cursor;
    for (;;) {
      VIGIL_ASSIGN_OR_RETURN(std::vector<vulndb::Change> page, db.ChangesSince(last, 100000));
      if (page.empty()) break;
      for (const auto& c : page) {
        ids.insert(c.id);
        last = std::max(last, c.seq);
      }
    }
    if (last == cursor) return Delta{};
    auto start = Clock::now();
    ReevaluateOptions ro;
    ro.cursor = last;
    // Only the advisories of the names concerned are read (not the whole database) — unless there
    // are many names: LoadForNames reads and parses their records one by one (~5 ms a name at
    // 2,000 images, bench/fleet_scale), while Index::Load reads the whole database on every core
    // (~2 s), so past kWholeIndexNames the whole index is the faster one.
    FleetStore::IndexForNames index_for =
        [&db](const std::vector<std::string>& names) -> Result<std::shared_ptr<const vulndb::Index>> {
      if (names.size() > kWholeIndexNames) {
        VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<vulndb::Index> all, vulndb::Index::Load(db));
        return std::shared_ptr<const vulndb::Index>(std::move(all));
      }
      VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<vulndb::Index> idx, vulndb::Index::LoadForNames(db, names));
      return std::shared_ptr<const vulndb::Index>(std::move(idx));
    };
    auto reevaluated = store->Reevaluate(db, index_for, std::vector<std::string>(ids.begin(), ids.end()), ro);
    ImagesChanged();
    VIGIL_ASSIGN_OR_RETURN(Delta d, std::move(reevaluated));
    last_delta_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    deltas_added += d.added.size();
    deltas_resolved += d.resolved.size();
    Log("advisory changes " + std::to_string(cursor) + ".." + std::to_string(last) + ": " + std::to_string(ids.size()) +
        " advisories, " + std::to_string(d.images_evaluated) + " of " + std::to_string(d.images_in_fleet) +
        " images evaluated, " + std::to_string(d.added.size()) + " new and " + std::to_string(d.resolved.size()) +
        " resolved findings, " + std::to_string(d.alerts) + " alerts queued");
    if (d.alerts > 0) Wake();
    return d;
  }

  // An update (from the sources, or `source` when given) and its delta.
  Result<json> Update(const std::string& source) {
    if (!leader.load()) {
      return Unavailable(
          "this server does not lead the servers sharing its store; the leader runs advisory updates (ask it, or "
          "ask again: a new leader is elected within a few seconds when the old one is gone)");
    }
    std::unique_lock lock(db_mu);
    VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<vulndb::Store> db, OpenDb(vulndb::Store::Mode::kReadWrite));
    vulndb::UpdateOptions uo;
    if (!source.empty()) {
      uo.sources = {source};
    } else {
      uo.sources = options.db_sources;
    }
    uo.staging_dir = db_dir + "/staging";
    vulndb::UpdateReport report;
    ++updates;
    if (Status st = vulndb::Update(*db, uo, &report); !st.ok()) {
      ++update_failures;
      return st.error();
    }
    auto d = EvaluatePending(*db);
    if (!d.ok()) {
      ++update_failures;
      return d.error();
    }
    json fetched = report.fetched;
    return json{
        {"fetched", fetched},
        {"failed_sources", report.failed_sources},
        {"imported",
         {{"new", report.import.added}, {"changed", report.import.changed}, {"withdrawn", report.import.withdrawn}}},
        {"delta",
         {{"added", d->added.size()},
          {"resolved", d->resolved.size()},
          {"names", d->names},
          {"images_evaluated", d->images_evaluated},
          {"images_in_fleet", d->images_in_fleet},
          {"alerts", d->alerts}}}};
  }

  // A source a request names: a configured one, an http(s) URL, or a local path under a
  // --source-root (the API never reads other files of the server's machine).
  Status CheckSource(const std::string& source) {
    if (std::find(options.db_sources.begin(), options.db_sources.end(), source) != options.db_sources.end()) {
      return OkStatus();
    }
    if (source.rfind("https://", 0) == 0 || source.rfind("http://", 0) == 0) return OkStatus();
    std::string path = source.rfind("file://", 0) == 0 ? source.substr(7) : source;
    if (path.find("://") != std::string::npos) {
      return InvalidArgument("source '" + source + "': only https, http and local paths are read");
    }
    if (source_roots.empty() || UnderRoot(path, source_roots).empty()) {
      return InvalidArgument("source '" + source +
                             "' is not a configured --db-source, a URL, or an existing path under a --source-root");
    }
    return OkStatus();
  }

  // ---- ingestion ----

  Result<json> Ingest(const json& body) {
    if (!body.is_object()) return InvalidArgument("the body must be a JSON object with \"path\" or \"sbom\"");
    std::string name = body.contains("name") && body["name"].is_string() ? body["name"].get<std::string>() : "";
    match::ScanRequest req;
    std::string sbom_text;
    catalog::Inventory from_sbom;
    if (body.contains("path")) {
      if (!body["path"].is_string()) return InvalidArgument("\"path\" must be a string");
      std::string path = body["path"].get<std::string>();
      if (roots.empty()) return InvalidArgument("this server reads no image paths (start it with --image-root DIR)");
      std::string canon = UnderRoot(path, roots);
      if (canon.empty()) return InvalidArgument("'" + path + "' is not an existing path under an --image-root");
      req.image = canon;
    } else if (body.contains("sbom")) {
      const json& s = body["sbom"];
      sbom_text = s.is_string() ? s.get<std::string>() : Dump(s);
      auto inv = sbom::ReadSbom(sbom_text, "the uploaded SBOM");
      if (!inv.ok()) return InvalidArgument(inv.error().message());
      from_sbom = std::move(*inv);
      if (!name.empty()) from_sbom.image.source = name;
      if (from_sbom.image.source.empty()) from_sbom.image.source = "sbom:" + Sha256Digest(sbom_text).substr(7, 16);
      req.inventory = &from_sbom;
    } else {
      return InvalidArgument("the body names no image: give \"path\" (under an --image-root) or \"sbom\"");
    }
    return ScanAndStore(req, name, "", "");
  }

  // Scans `req` with the server's database (match::ScanImage: `vigil scan`'s pipeline) and
  // stores the image. `name` becomes its first tag; `source`, when not empty, what it is stored
  // as; `expect_config`, when not empty, the config digest (image id) it must have (kIntegrity
  // otherwise, nothing stored). Returns the stored image's summary.
  Result<json> ScanAndStore(match::ScanRequest req, const std::string& name, const std::string& source,
                            const std::string& expect_config) {
    std::shared_lock lock(db_mu);
    auto db = match::OpenDatabase(db_dir);
    if (!db.ok()) return Unavailable("no advisory database to scan with yet: " + db.error().message());
    req.store = db->store.get();
    auto scan = match::ScanImage(req);
    if (!scan.ok()) return scan.error();
    if (!expect_config.empty() && scan->inventory.image.config_digest != expect_config) {
      return IntegrityError("the exported archive holds image " + scan->inventory.image.config_digest + ", not " +
                            expect_config);
    }
    if (!source.empty()) scan->inventory.image.source = source;
    if (!name.empty() && std::find(scan->inventory.image.tags.begin(), scan->inventory.image.tags.end(), name) ==
                             scan->inventory.image.tags.end()) {
      scan->inventory.image.tags.insert(scan->inventory.image.tags.begin(), name);
    }
    std::vector<match::Finding> findings;
    findings.reserve(scan->report.findings.size());
    for (const auto& f : scan->report.findings) {
      findings.push_back(f.finding);
      // The rating the scan report gives (CVE records included) when the vendor gave none.
      if (f.finding.vendor_rating == vulndb::Rating::kUnknown && f.rating != vulndb::Rating::kUnknown) {
        findings.back().severity = std::string(vulndb::RatingName(f.rating));
      }
    }
    auto put = store->PutImage(scan->inventory, findings, scan->report.stats.unchecked);
    ImagesChanged();
    VIGIL_ASSIGN_OR_RETURN(int64_t id, std::move(put));
    VIGIL_ASSIGN_OR_RETURN(ImageSummary summary, store->FindImage(std::to_string(id)));
    json out = SummaryJson(summary);
    out["unread"] = scan->inventory.unread.size();
    Log("image " + std::to_string(id) + " (" + summary.name + "): " + std::to_string(summary.packages) + " packages, " +
        std::to_string(summary.findings) + " findings");
    return out;
  }

  // The image's findings as `vigil scan -f json` gives them, from its stored inventory.
  Result<std::string> ScanReportOf(const ImageSummary& image) {
    VIGIL_ASSIGN_OR_RETURN(catalog::Inventory inv, store->InventoryOf(image.id));
    inv.image.source = image.name;  // what it was stored as, not the store's file
    std::shared_lock lock(db_mu);
    auto db = match::OpenDatabase(db_dir);
    if (!db.ok()) return Unavailable("no advisory database: " + db.error().message());
    match::ScanRequest req;
    req.inventory = &inv;
    req.store = db->store.get();
    VIGIL_ASSIGN_OR_RETURN(match::ScanResult scan, match::ScanImage(req));
    report::ReportInput in;
    in.inventory = &scan.inventory;
    in.scan = &scan.report;
    in.db.path = db->path;
    in.db.built_at = db->built_at;
    in.db.records = db->records;
    return report::WriteJson(in);
  }

  // ---- alert delivery ----

  std::string SlackPayload(const std::string& payload) {
    json a = json::parse(payload, nullptr, false);
    if (!a.is_object()) return payload;
    std::string text = std::string(a.value("kind", "") == "resolved" ? "Resolved" : "New") + " " +
                       a.value("vulnerability", "") + " (" + a.value("severity", "unrated") + ") in " +
                       (a.contains("image") && a["image"].is_object() ? a["image"].value("name", "") : "") + ": " +
                       std::to_string(a.value("running", 0)) + " running container(s)";
    if (a.contains("containers") && a["containers"].is_array()) {
      std::string names;
      for (const auto& c : a["containers"]) names += (names.empty() ? "" : ", ") + c.value("name", "");
      if (!names.empty()) text += " (" + names + ")";
    }
    return Dump(json{{"text", text}, {"idempotency_key", a.value("idempotency_key", "")}});
  }

  // Sends one alert on one channel. On failure, `retry_after_ms` may say when to try again.
  Status Send(const Channel& ch, const Alert& alert, int64_t* retry_after_ms) {
    switch (ch.kind) {
      case Channel::kFile: {
        FILE* f = std::fopen(ch.target.c_str(), "a");
        if (f == nullptr) return IoError("cannot open " + ch.target);
        std::string line = alert.payload + "\n";
        bool ok = std::fwrite(line.data(), 1, line.size(), f) == line.size();
        ok = std::fflush(f) == 0 && ok && ::fsync(::fileno(f)) == 0;
        ok = std::fclose(f) == 0 && ok;
        return ok ? OkStatus() : IoError("cannot write " + ch.target);
      }
      case Channel::kSyslog: {
        json a = json::parse(alert.payload, nullptr, false);
        std::string msg = a.is_object() ? a.value("kind", "") + " " + a.value("vulnerability", "") +
                                              " image=" + (a["image"].is_object() ? a["image"].value("name", "") : "") +
                                              " running=" + std::to_string(a.value("running", 0)) + " key=" + alert.key
                                        : alert.payload;
        ::syslog(LOG_WARNING, "%s", msg.c_str());
        return OkStatus();
      }
      case Channel::kWebhook: {
        net::HttpClientOptions co;
        co.retry.retries = 0;  // the outbox retries, in order
        co.total_timeout = std::chrono::milliseconds(10000);
        co.connect_timeout = std::chrono::milliseconds(3000);
        co.max_body_bytes = 1 << 20;
        co.require_framed_body = false;
        net::HttpClient client(co);
        net::HttpRequest r;
        r.method = "POST";
        r.url = ch.target;
        r.body = options.webhook_format == "slack" ? SlackPayload(alert.payload) : alert.payload;
        r.headers = {{"Content-Type", "application/json"},
                     {"Idempotency-Key", alert.key},
                     {"X-Vigil-Signature", Signature(webhook_key, r.body)}};
        r.cancel = &cancel;
        auto resp = client.Send(r);
        if (!resp.ok()) return resp.error();
        if (resp->status >= 200 && resp->status < 300) return OkStatus();
        std::string ra = resp->Header("retry-after");
        if (!ra.empty() && std::all_of(ra.begin(), ra.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
            ra.size() < 7) {
          *retry_after_ms = std::min<int64_t>(std::stoll(ra) * 1000, 3600 * 1000);
        }
        return Unavailable(ch.target + " answered HTTP " + std::to_string(resp->status));
      }
    }
    return InternalError("unknown channel");
  }

  // One pass over the channels; returns the milliseconds until the next attempt is due (or -1).
  // Each alert is sent under a claim on its channel (FleetStore::Claim): on a shared store, two
  // servers never send the same alert; a channel another server holds is skipped.
  int64_t DeliverOnce() {
    int64_t next_due = -1;
    for (const Channel& ch : channels) {
      for (int sent = 0; sent < 100; ++sent) {
        if (cancel.cancelled()) return -1;
        auto claim = store->Claim(ch.name);
        if (!claim.ok()) {
          Log("outbox: " + claim.error().ToString());
          next_due = next_due < 0 ? 1000 : std::min<int64_t>(next_due, 1000);
          break;
        }
        if (*claim == nullptr) {  // another server delivers this channel now
          next_due = next_due < 0 ? 1000 : std::min<int64_t>(next_due, 1000);
          break;
        }
        FleetStore::ChannelClaim& c = **claim;
        int64_t now = NowMs();
        if (c.state().next_attempt > now) {
          int64_t wait = c.state().next_attempt - now;
          next_due = next_due < 0 ? wait : std::min(next_due, wait);
          break;
        }
        auto alerts = c.Alerts(1);
        if (!alerts.ok()) {
          Log("outbox: " + alerts.error().ToString());
          break;
        }
        if (alerts->empty()) break;
        const Alert& a = alerts->front();
        int64_t retry_after = -1;
        Status st = Send(ch, a, &retry_after);
        if (st.ok()) {
          ++delivered;
          if (Status m = c.Delivered(a.seq); !m.ok()) Log("outbox: " + m.error().ToString());
          if (sent == 99) next_due = 0;
          continue;
        }
        ++delivery_failures;
        // Exponential backoff from 1 s to 5 min, or what the receiver asked for.
        int64_t attempts = c.state().attempts;
        int64_t backoff = std::min<int64_t>(int64_t{1000} << std::min<int64_t>(attempts, 9), 300000);
        if (retry_after >= 0) backoff = std::max<int64_t>(retry_after, 100);
        Log("alert " + std::to_string(a.seq) + " on " + ch.name + " not delivered (attempt " +
            std::to_string(attempts + 1) + "): " + st.error().message() + "; next try in " + std::to_string(backoff) +
            " ms");
        if (Status m = c.Failed(st.error().message(), NowMs() + backoff); !m.ok()) {
          Log("outbox: " + m.error().ToString());
        }
        next_due = next_due < 0 ? backoff : std::min(next_due, backoff);
        break;
      }
    }
    return next_due;
  }

  // Leadership on a shared store: tries every second; the server that becomes leader evaluates
  // what is pending first (an update the old leader imported but did not evaluate).
  void LeaderLoop() {
    while (!cancel.cancelled()) {
      auto lead = store->TryLead();
      bool now = lead.ok() && *lead;
      if (!lead.ok()) Log("leadership: " + lead.error().ToString());
      bool was = leader.exchange(now);
      if (now && !was) {
        Log("this server now leads the servers sharing its store");
        std::unique_lock lock(db_mu);
        auto db = OpenDb(vulndb::Store::Mode::kReadOnly);
        if (db.ok()) {
          auto d = EvaluatePending(**db);
          if (!d.ok()) Log("evaluating pending advisory changes: " + d.error().ToString());
        }
      } else if (!now && was) {
        Log("this server no longer leads the servers sharing its store");
      }
      std::unique_lock lock(wake_mu);
      if (wake_cv.wait_for(lock, std::chrono::seconds(1), [&] { return stopping; })) return;
    }
  }

  void DeliveryLoop() {
    while (!cancel.cancelled()) {
      int64_t due = DeliverOnce();
      std::unique_lock lock(wake_mu);
      auto wait = std::chrono::milliseconds(due < 0 ? 5000 : std::min<int64_t>(due, 5000));
      wake_cv.wait_for(lock, wait, [&] { return wake || stopping; });
      wake = false;
      if (stopping) return;
    }
  }

  void ScheduleLoop() {
    auto next = Clock::now() + options.db_interval;
    while (!cancel.cancelled()) {
      {
        std::unique_lock lock(wake_mu);
        if (wake_cv.wait_until(lock, next, [&] { return stopping; })) return;
      }
      if (leader.load()) {
        auto r = Update("");
        if (!r.ok()) Log("scheduled update failed: " + r.error().ToString());
      }
      next = Clock::now() + options.db_interval;
    }
  }

  // ---- running containers ----

  ContainerRow RowOf(const std::string& runtime, const RunningContainer& c) {
    ContainerRow row;
    row.runtime = runtime;
    row.id = c.id;
    row.name = c.name;
    row.image_ref = c.image;
    row.image_id = c.image_id;
    row.namespace_ = c.pod_namespace;
    row.pod = c.pod_name;
    row.node = node;
    row.started = c.created > 0 ? FormatRfc3339(static_cast<std::time_t>(c.created)) : "";
    return row;
  }

  // Follows `runtime` ("unix:///run/podman/podman.sock"): its list replaces what the store knows
  // of it, events keep it current, and an outage marks it stale (its containers are kept, marked
  // as possibly out of date, never dropped in silence).
  Status Watch(const std::string& runtime) {
    WatchOptions wo;
    wo.socket = runtime.substr(std::string("unix://").size());
    ContainerWatcher::Sink sink;
    sink.snapshot = [this, runtime](std::vector<RunningContainer> running) {
      std::vector<ContainerRow> rows;
      // Exports are queued before the containers are stored, so that no reader sees a container
      // whose image is neither stored nor on its way.
      std::set<std::string> seen;
      for (const auto& c : running) {
        if (seen.insert(c.image_id).second) ConsiderExport(runtime, c);
      }
      for (const auto& c : running) rows.push_back(RowOf(runtime, c));
      if (Status st = store->ReplaceContainers(runtime, rows); !st.ok()) Log(runtime + ": " + st.error().ToString());
      Log(runtime + ": " + std::to_string(rows.size()) + " running containers");
    };
    sink.started = [this, runtime](const RunningContainer& c) {
      ConsiderExport(runtime, c);
      if (Status st = store->PutContainer(RowOf(runtime, c)); !st.ok()) Log(runtime + ": " + st.error().ToString());
    };
    sink.stopped = [this, runtime](const std::string& id) {
      if (Status st = store->RemoveContainer(runtime, id); !st.ok()) Log(runtime + ": " + st.error().ToString());
    };
    sink.stale = [this, runtime](const Error& why) {
      Log(runtime + ": the container inventory is stale: " + why.ToString());
      if (Status st = store->MarkRuntime(runtime, "stale", why.message()); !st.ok()) {
        Log(runtime + ": " + st.error().ToString());
      }
    };
    auto w = std::make_unique<ContainerWatcher>(wo, std::move(sink));
    VIGIL_RETURN_IF_ERROR(w->Start());
    watchers.push_back(std::move(w));
    return OkStatus();
  }

  // ---- images of running containers the store does not have ----

  // Queues the export of `c`'s image unless it is stored, queued, being exported, or failed less
  // than export_retry ago. Called from a watcher's thread: never blocks on an export.
  void ConsiderExport(const std::string& runtime, const RunningContainer& c) {
    if (!options.export_images) return;
    auto due = [&]() {
      auto it = exports.find(c.image_id);
      if (it == exports.end()) return true;
      if (it->second.state != "unscanned") return false;  // queued or being exported
      return it->second.retry_when_seen || Clock::now() - it->second.failed_at >= options.export_retry;
    };
    {
      std::lock_guard lock(export_mu);
      if (!due()) return;
    }
    auto found = store->FindImage(c.image_id);
    if (found.ok()) {  // stored since (added through the API): what failed before no longer matters
      std::lock_guard lock(export_mu);
      if (auto it = exports.find(c.image_id); it != exports.end() && it->second.state == "unscanned") {
        exports.erase(it);
      }
      return;
    }
    if (found.error().code() != ErrorCode::kNotFound) {
      Log(runtime + ": image " + c.image_id + ": " + found.error().ToString());
      return;
    }
    std::lock_guard lock(export_mu);
    if (export_stopping || !due()) return;
    ExportState& e = exports[c.image_id];
    e.image_ref = c.image;
    e.runtime = runtime;
    if (export_queue.size() >= options.export_queue) {
      e.state = "unscanned";
      e.reason = "not exported: the export queue is full (" + std::to_string(export_queue.size()) +
                 " images waiting); tried again when its runtime next reports it";
      e.retry_when_seen = true;
      e.failed_at = Clock::now();
      ++export_failures;
      return;
    }
    e.state = "queued";
    e.reason.clear();
    e.retry_when_seen = false;
    export_queue.push_back({c.image_id, c.image, runtime});
    export_cv.notify_one();
  }

  // A name for an exported image: the reference its container was started from, unless that is
  // only an id.
  static std::string ExportName(const std::string& ref) {
    std::string_view r = ref;
    if (r.starts_with("sha256:")) r.remove_prefix(7);
    bool hex = r.size() >= 12 && std::all_of(r.begin(), r.end(), [](char ch) {
                 return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
               });
    return hex ? "" : ref;
  }

  // Exports `job`'s image to a file under <data_dir>/exports, scans and stores it; the file is
  // removed whatever happens.
  Status ExportAndStore(const ExportJob& job) {
    ExportOptions eo;
    eo.socket = job.runtime.substr(std::string("unix://").size());
    eo.dir = exports_dir;
    eo.max_bytes = options.export_max_bytes;
    eo.cancel = &cancel;
    VIGIL_ASSIGN_OR_RETURN(std::string path, ExportImage(eo, job.image_id));
    struct Remove {
      std::string path;
      ~Remove() { ::unlink(path.c_str()); }
    } remove{path};
    match::ScanRequest req;
    req.image = path;
    std::string name = ExportName(job.image_ref);
    auto stored = ScanAndStore(req, name, name.empty() ? job.image_id : name, job.image_id);
    if (stored.ok()) return OkStatus();
    // The temporary file's name means nothing to a reader of the API (and names the data folder).
    std::string message = stored.error().message();
    if (message.starts_with(path + ": ")) message.erase(0, path.size() + 2);
    for (const std::string& named : {"'" + path + "'", path}) {
      for (size_t at; (at = message.find(named)) != std::string::npos;)
        message.replace(at, named.size(), "the archive");
    }
    return Error(stored.error().code(), job.runtime + ": the image exported from it: " + message);
  }

  // The export worker: one image at a time, in the order they were queued.
  void ExportLoop() {
    for (;;) {
      ExportJob job;
      {
        std::unique_lock lock(export_mu);
        export_cv.wait(lock, [&] { return export_stopping || !export_queue.empty(); });
        if (export_stopping) return;
        job = std::move(export_queue.front());
        export_queue.pop_front();
        exports[job.image_id].state = "exporting";
      }
      Log(job.runtime + ": exporting image " + job.image_id + " (" + job.image_ref + ") to scan it");
      Status st = ExportAndStore(job);
      std::lock_guard lock(export_mu);
      if (st.ok()) {
        ++exported;
        exports.erase(job.image_id);
        continue;
      }
      ++export_failures;
      ExportState& e = exports[job.image_id];
      e.state = "unscanned";
      e.reason = st.error().ToString();
      e.failed_at = Clock::now();
      e.retry_when_seen = false;
      Log(job.runtime + ": image " + job.image_id + " is not scanned: " + e.reason);
    }
  }

  // Whether container `c` is scanned ("scanned"), waiting for its image's export ("pending"),
  // or not ("unscanned"), and why when it is not.
  std::pair<std::string, std::string> ScanStateOf(const ContainerRow& c) {
    if (c.image != 0) return {"scanned", ""};
    {
      std::lock_guard lock(export_mu);
      auto it = exports.find(c.image_id);
      if (it != exports.end()) {
        if (it->second.state == "queued") return {"pending", "queued to be exported from its runtime and scanned"};
        if (it->second.state == "exporting") return {"pending", "being exported from its runtime and scanned"};
        return {"unscanned", it->second.reason};
      }
    }
    if (c.runtime.starts_with("unix://")) {
      if (!options.export_images) {
        return {"unscanned",
                "the server does not have this image, and exporting images from runtimes is off "
                "(--no-export)"};
      }
      return {"unscanned", "the server does not have this image; it is exported when its runtime next reports it"};
    }
    return {"unscanned", "the server does not have this image (add it with `vigil fleet images add`)"};
  }

  // The running containers of a pod, as container rows of runtime `runtime`.
  std::vector<ContainerRow> RowsOf(const KubePod& pod, const std::string& runtime) {
    std::vector<ContainerRow> rows;
    for (const KubeContainer& c : pod.containers) {
      if (!c.running) continue;
      ContainerRow row;
      row.runtime = runtime;
      row.id = c.container_id.empty() ? pod.uid + "/" + c.name : c.container_id;
      row.name = c.pod_name + "/" + c.name;
      row.image_ref = c.image;
      row.image_id = c.digest;
      row.namespace_ = c.pod_namespace;
      row.pod = c.pod_name;
      row.node = c.node;
      rows.push_back(std::move(row));
    }
    return rows;
  }

  // Follows the cluster's pods: a list replaces what the store knows of it, watch events keep
  // each pod current, and an outage marks it stale.
  Status WatchKube() {
    const std::string runtime = "k8s:" + kube_config->server;
    KubeWatchOptions ko;
    ko.config = *kube_config;
    KubeWatcher::Sink sink;
    sink.snapshot = [this, runtime](std::vector<KubePod> pods) {
      std::vector<ContainerRow> rows;
      for (const KubePod& p : pods) {
        auto r = RowsOf(p, runtime);
        rows.insert(rows.end(), r.begin(), r.end());
      }
      if (Status st = store->ReplaceContainers(runtime, rows); !st.ok()) Log(runtime + ": " + st.error().ToString());
      Log(runtime + ": " + std::to_string(pods.size()) + " pods, " + std::to_string(rows.size()) +
          " running containers");
    };
    sink.upsert = [this, runtime](const KubePod& pod) {
      if (Status st = store->ReplacePodContainers(runtime, pod.pod_namespace, pod.name, RowsOf(pod, runtime));
          !st.ok()) {
        Log(runtime + ": " + st.error().ToString());
      }
    };
    sink.removed = [this, runtime](const std::string& ns, const std::string& name) {
      if (Status st = store->ReplacePodContainers(runtime, ns, name, {}); !st.ok()) {
        Log(runtime + ": " + st.error().ToString());
      }
    };
    sink.stale = [this, runtime](const Error& why) {
      Log(runtime + ": the pod inventory is stale: " + why.ToString());
      if (Status st = store->MarkRuntime(runtime, "stale", why.message()); !st.ok()) {
        Log(runtime + ": " + st.error().ToString());
      }
    };
    kube = std::make_unique<KubeWatcher>(ko, std::move(sink));
    return kube->Start();
  }

  // ---- HTTP ----

  std::string Metrics() {
    std::string out;
    auto gauge = [&](const char* name, const char* help, double v, const char* type = "gauge") {
      out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
             std::to_string(v) + "\n";
    };
    if (auto c = store->Count(); c.ok()) {
      gauge("vigil_fleet_images", "Images in the fleet store.", static_cast<double>(c->images));
      gauge("vigil_fleet_index_packages", "Packages in the inverted index.", static_cast<double>(c->packages));
      gauge("vigil_fleet_findings", "Stored findings.", static_cast<double>(c->findings));
      gauge("vigil_fleet_containers", "Running containers known.", static_cast<double>(c->containers));
      gauge("vigil_fleet_alerts", "Alerts queued in the outbox (all time).", static_cast<double>(c->alerts));
      gauge("vigil_fleet_store_bytes", "Size of the store (SQLite: the file and its WAL; PostgreSQL: its tables).",
            static_cast<double>(c->bytes));
    }
    gauge("vigil_fleet_sensor_alerts_total", "Sensor alerts stored (each (node, seq) once).",
          static_cast<double>(sensor_alerts.load()), "counter");
    gauge("vigil_fleet_sensor_dropped_total", "Alerts sensors reported as dropped (full or unreadable spool).",
          static_cast<double>(sensor_dropped.load()), "counter");
    gauge("vigil_fleet_leader", "1 when this server leads the servers sharing its store (runs updates).",
          leader.load() ? 1.0 : 0.0);
    gauge("vigil_fleet_updates_total", "Advisory updates run.", static_cast<double>(updates.load()), "counter");
    gauge("vigil_fleet_update_failures_total", "Advisory updates that failed.",
          static_cast<double>(update_failures.load()), "counter");
    gauge("vigil_fleet_delta_added_total", "Findings added by deltas.", static_cast<double>(deltas_added.load()),
          "counter");
    gauge("vigil_fleet_delta_resolved_total", "Findings resolved by deltas.",
          static_cast<double>(deltas_resolved.load()), "counter");
    gauge("vigil_fleet_last_delta_seconds", "Time of the last delta evaluation (index load included).",
          last_delta_seconds.load());
    gauge("vigil_fleet_alerts_delivered_total", "Alert deliveries that succeeded.",
          static_cast<double>(delivered.load()), "counter");
    gauge("vigil_fleet_alert_delivery_failures_total", "Alert delivery attempts that failed.",
          static_cast<double>(delivery_failures.load()), "counter");
    gauge("vigil_fleet_images_ingested_total", "Images stored through the API.", static_cast<double>(ingested.load()),
          "counter");
    gauge("vigil_fleet_ingest_failures_total", "Image ingestions that failed.",
          static_cast<double>(ingest_failures.load()), "counter");
    gauge("vigil_fleet_images_exported_total", "Images of running containers exported from a runtime and stored.",
          static_cast<double>(exported.load()), "counter");
    gauge("vigil_fleet_image_export_failures_total",
          "Exports of running containers' images that failed (the image is then not scanned).",
          static_cast<double>(export_failures.load()), "counter");
    {
      size_t pending = 0, unscanned = 0;
      {
        std::lock_guard lock(export_mu);
        for (const auto& [id, e] : exports) ++(e.state == "unscanned" ? unscanned : pending);
      }
      gauge("vigil_fleet_image_exports_pending", "Images queued or being exported from a runtime.",
            static_cast<double>(pending));
      gauge("vigil_fleet_images_unscanned", "Images of running containers whose export or scan failed.",
            static_cast<double>(unscanned));
    }
    if (auto alerts = store->Count(); alerts.ok()) {
      out +=
          "# HELP vigil_fleet_alerts_pending Alerts not yet delivered, per channel.\n"
          "# TYPE vigil_fleet_alerts_pending gauge\n";
      for (const Channel& ch : channels) {
        auto st = store->Channel(ch.name);
        if (!st.ok()) continue;
        int64_t pending = static_cast<int64_t>(alerts->alerts) - st->delivered;
        std::string label = ch.name;
        std::string escaped;
        for (char c : label) {
          if (c == '\\' || c == '"') escaped += '\\';
          if (c == '\n') {
            escaped += "\\n";
            continue;
          }
          escaped += c;
        }
        out += "vigil_fleet_alerts_pending{channel=\"" + escaped + "\"} " +
               std::to_string(std::max<int64_t>(0, pending)) + "\n";
      }
    }
    return out;
  }

  // A sensor's node name: 1..253 bytes of [A-Za-z0-9._-].
  static Result<std::string> NodeOf(const json& body) {
    if (!body.is_object() || !body.contains("node") || !body["node"].is_string()) {
      return InvalidArgument("\"node\" (a string) is required");
    }
    std::string node = body["node"].get<std::string>();
    bool ok = !node.empty() && node.size() <= 253;
    for (char c : node) {
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                  c == '_');
    }
    if (!ok) return InvalidArgument("\"node\" must be 1 to 253 bytes of letters, digits, '.', '-', '_'");
    return node;
  }

  static Result<std::string> ShortString(const json& o, const char* key, size_t max, bool required) {
    auto it = o.find(key);
    if (it == o.end() || it->is_null()) {
      if (required) return InvalidArgument(std::string("\"") + key + "\" is required");
      return std::string();
    }
    if (!it->is_string()) return InvalidArgument(std::string("\"") + key + "\" must be a string");
    std::string v = it->get<std::string>();
    if (v.size() > max) {
      return InvalidArgument(std::string("\"") + key + "\" is longer than " + std::to_string(max) + " bytes");
    }
    return v;
  }

  // POST /v1/sensor/alerts: a sensor's spooled alerts, stored once per (node, seq).
  Result<net::ServerResponse> SensorAlerts(const net::ServerRequest& r) {
    VIGIL_ASSIGN_OR_RETURN(json body, BodyJson(r));
    VIGIL_ASSIGN_OR_RETURN(std::string node, NodeOf(body));
    auto list = body.find("alerts");
    if (list == body.end() || !list->is_array()) return InvalidArgument("\"alerts\" (an array) is required");
    if (list->size() > kMaxSensorAlertsPerRequest) {
      return InvalidArgument("at most " + std::to_string(kMaxSensorAlertsPerRequest) + " alerts per request");
    }
    uint64_t dropped = 0;
    if (auto d = body.find("dropped"); d != body.end()) {
      if (!d->is_number_unsigned()) return InvalidArgument("\"dropped\" must be a non-negative integer");
      dropped = d->get<uint64_t>();
    }
    std::vector<RuntimeAlert> alerts;
    for (size_t i = 0; i < list->size(); ++i) {
      const json& a = (*list)[i];
      std::string where = "alerts[" + std::to_string(i) + "]";
      if (!a.is_object()) return InvalidArgument(where + " must be an object");
      auto seq = a.find("seq");
      if (seq == a.end() || !seq->is_number_integer() || seq->get<int64_t>() < 1) {
        return InvalidArgument(where + ".seq must be a positive integer");
      }
      RuntimeAlert ra;
      ra.seq = seq->get<int64_t>();
      auto kind = ShortString(a, "kind", 128, true);
      if (!kind.ok()) return kind.error().Context(where);
      auto container = ShortString(a, "container", 128, false);
      if (!container.ok()) return container.error().Context(where);
      ra.kind = *kind;
      ra.container = *container;
      auto ev = a.find("event");
      if (ev == a.end() || !ev->is_object()) return InvalidArgument(where + ".event must be an object");
      ra.payload = ev->dump(-1, ' ', false, json::error_handler_t::replace);
      if (ra.payload.size() > kMaxSensorEventBytes) {
        return InvalidArgument(where + ".event is larger than " + std::to_string(kMaxSensorEventBytes) + " bytes");
      }
      alerts.push_back(std::move(ra));
    }
    VIGIL_ASSIGN_OR_RETURN(size_t added, store->AddRuntimeAlerts(node, alerts));
    sensor_alerts += added;
    if (dropped > 0) {
      sensor_dropped += dropped;
      Log("sensor " + node + " dropped " + std::to_string(dropped) + " alerts (its spool was full or unreadable)");
    }
    return net::ServerResponse::Json(
        Dump(json{{"stored", added}, {"duplicates", alerts.size() - added}, {"dropped_reported", dropped}}));
  }

  // PUT /v1/sensor/containers: what a sensor's node runs now (replaces its earlier report).
  Result<net::ServerResponse> SensorContainers(const net::ServerRequest& r) {
    VIGIL_ASSIGN_OR_RETURN(json body, BodyJson(r));
    VIGIL_ASSIGN_OR_RETURN(std::string node, NodeOf(body));
    auto list = body.find("containers");
    if (list == body.end() || !list->is_array()) return InvalidArgument("\"containers\" (an array) is required");
    if (list->size() > kMaxListedContainers) {
      return InvalidArgument("at most " + std::to_string(kMaxListedContainers) + " containers per node");
    }
    std::vector<ContainerRow> rows;
    for (size_t i = 0; i < list->size(); ++i) {
      const json& c = (*list)[i];
      std::string where = "containers[" + std::to_string(i) + "]";
      if (!c.is_object()) return InvalidArgument(where + " must be an object");
      ContainerRow row;
      struct Field {
        const char* key;
        std::string* out;
        bool required;
      } fields[] = {{"id", &row.id, true},
                    {"name", &row.name, false},
                    {"image", &row.image_ref, false},
                    {"image_id", &row.image_id, false},
                    {"namespace", &row.namespace_, false},
                    {"pod", &row.pod, false},
                    {"started", &row.started, false}};
      for (const Field& f : fields) {
        auto v = ShortString(c, f.key, kMaxWatchStringBytes, f.required);
        if (!v.ok()) return v.error().Context(where);
        *f.out = *v;
      }
      row.node = node;
      rows.push_back(std::move(row));
    }
    // Why the list may be incomplete (a runtime the sensor could not read): the node's inventory
    // is then marked stale with it, never shown as complete.
    auto stale = ShortString(body, "stale", 4096, false);
    if (!stale.ok()) return stale.error();
    VIGIL_RETURN_IF_ERROR(store->ReplaceContainers("sensor:" + node, rows));
    if (!stale->empty()) VIGIL_RETURN_IF_ERROR(store->MarkRuntime("sensor:" + node, "stale", *stale));
    return net::ServerResponse::Json(Dump(json{{"containers", rows.size()}}));
  }

  net::AuthResult Authorize(const net::ServerRequest& r) {
    if (r.route == "/healthz" || r.route == "/readyz") return net::AuthResult::Allow();
    int retry = 0;
    std::string client = "addr:" + r.remote_addr;
    if (failed_auth->Empty(client)) {
      return net::AuthResult::TooManyRequests("too many failed authentications from this address", 60);
    }
    std::string h = r.Header("authorization");
    const std::string kBearer = "Bearer ";
    if (h.size() <= kBearer.size() || h.compare(0, kBearer.size(), kBearer) != 0) {
      (void)failed_auth->Take(client, &retry);
      return net::AuthResult::Unauthenticated("a bearer token is required", "Bearer realm=\"vigil\"");
    }
    auto token = store->CheckToken(std::string_view(h).substr(kBearer.size()));
    if (!token.ok()) {
      (void)failed_auth->Take(client, &retry);
      return net::AuthResult::Unauthenticated("the token is not valid",
                                              "Bearer realm=\"vigil\", error=\"invalid_token\"");
    }
    if (!per_token->Take("token:" + std::to_string(token->id), &retry)) {
      return net::AuthResult::TooManyRequests("this token's request rate is exceeded", retry);
    }
    std::string need = "read";
    if (r.route.rfind("/v1/tokens", 0) == 0 || r.route == "/v1/db/update") {
      need = "admin";
    } else if (r.route.rfind("/v1/sensor/", 0) == 0) {
      need = "sensor";  // what sensors send; a sensor token reads and writes nothing else
    } else if (r.method != "GET" && r.method != "HEAD") {
      need = "write";
    }
    const auto& s = token->scopes;
    bool ok = std::find(s.begin(), s.end(), "admin") != s.end() || std::find(s.begin(), s.end(), need) != s.end();
    if (!ok) return net::AuthResult::Forbidden("this token lacks the '" + need + "' scope");
    return net::AuthResult::Allow();
  }

  static Result<json> BodyJson(const net::ServerRequest& r) {
    if (r.body.empty()) return json::object();
    json j = json::parse(r.body, nullptr, false);
    if (j.is_discarded()) return InvalidArgument("the body is not JSON");
    return j;
  }

  // Every image's summary, by id (shared, read-only).
  Result<std::shared_ptr<const std::vector<ImageSummary>>> Summaries() {
    // A store other servers write too (PostgreSQL) changes behind this server's back: read afresh.
    if (store->shared()) {
      VIGIL_ASSIGN_OR_RETURN(std::vector<ImageSummary> all, store->Images());
      return std::make_shared<const std::vector<ImageSummary>>(std::move(all));
    }
    uint64_t generation;
    {
      std::lock_guard lock(summaries_mu);
      if (summaries) return summaries;
      generation = summaries_generation;
    }
    VIGIL_ASSIGN_OR_RETURN(std::vector<ImageSummary> all, store->Images());
    auto list = std::make_shared<const std::vector<ImageSummary>>(std::move(all));
    std::lock_guard lock(summaries_mu);
    // Kept only when no change happened while it was read.
    if (generation == summaries_generation) summaries = list;
    return list;
  }
  void ImagesChanged() {
    std::lock_guard lock(summaries_mu);
    summaries.reset();
    ++summaries_generation;
  }

  Result<net::ServerResponse> Affected(const std::string& id) {
    VIGIL_ASSIGN_OR_RETURN(std::vector<StoredFinding> rows, store->Affected(id));
    std::map<int64_t, std::vector<const StoredFinding*>> by_image;
    for (const auto& f : rows) by_image[f.image].push_back(&f);
    // The cached image list, not FindImage per image: FindImage scans the image table (it also
    // matches tags), which made a vulnerability in 1,000 images take seconds.
    std::shared_ptr<const std::vector<ImageSummary>> all;
    if (!by_image.empty()) {
      VIGIL_ASSIGN_OR_RETURN(all, Summaries());
    }
    json images = json::array();
    size_t running = 0;
    for (const auto& [image, list] : by_image) {
      auto found =
          std::lower_bound(all->begin(), all->end(), image, [](const ImageSummary& a, int64_t b) { return a.id < b; });
      if (found == all->end() || found->id != image) continue;  // removed since its findings were read
      const ImageSummary& s = *found;
      VIGIL_ASSIGN_OR_RETURN(std::vector<ContainerRow> cs, store->ContainersOf(image));
      json pk = json::array();
      for (const StoredFinding* f : list) pk.push_back(FindingJson(*f));
      json cj = json::array();
      for (const auto& c : cs) cj.push_back(ContainerJson(c));
      running += cs.size();
      json ij = SummaryJson(s);
      ij["packages_affected"] = std::move(pk);
      ij["containers"] = std::move(cj);
      images.push_back(std::move(ij));
    }
    return net::ServerResponse::Json(
        Dump(json{{"vulnerability", id}, {"images", images}, {"running_containers", running}}));
  }

  // Images with their running containers and findings by severity; `fixable_only` keeps images
  // with at least one finding that has a fix (what to rebuild), ordered by running containers
  // then severity.
  Result<json> Exposure(std::string_view ns, bool fixable_only) {
    VIGIL_ASSIGN_OR_RETURN(std::vector<ImageSummary> images, store->Images());
    VIGIL_ASSIGN_OR_RETURN(std::vector<ContainerRow> containers, store->Containers(ns));
    std::map<int64_t, std::vector<const ContainerRow*>> running;
    for (const auto& c : containers) {
      if (c.image != 0) running[c.image].push_back(&c);
    }
    struct Row {
      json j;
      size_t running;
      int worst;
      size_t fixable;
    };
    std::vector<Row> rows;
    for (const auto& i : images) {
      if (!ns.empty() && running.count(i.id) == 0) continue;
      VIGIL_ASSIGN_OR_RETURN(std::vector<StoredFinding> fs, store->Findings(i.id));
      std::map<std::string, size_t> by_sev;
      std::set<std::string> fixes;
      int worst = 0;
      size_t fixable = 0;
      for (const auto& f : fs) {
        ++by_sev[f.severity.empty() ? "UNKNOWN" : f.severity];
        worst = std::max(worst, Rank(f.severity));
        if (!f.fix.empty()) {
          ++fixable;
          fixes.insert(f.package + " " + f.fix);
        }
      }
      if (fixable_only && fixable == 0) continue;
      json cj = json::array();
      for (const ContainerRow* c : running[i.id]) cj.push_back(ContainerJson(*c));
      json j = SummaryJson(i);
      j["running"] = running[i.id].size();
      j["containers"] = std::move(cj);
      j["by_severity"] = by_sev;
      j["fixable"] = fixable;
      if (fixable_only) j["upgrades"] = std::vector<std::string>(fixes.begin(), fixes.end());
      rows.push_back({std::move(j), running[i.id].size(), worst, fixable});
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
      if (a.running != b.running) return a.running > b.running;
      if (a.worst != b.worst) return a.worst > b.worst;
      return a.fixable > b.fixable;
    });
    json out = json::array();
    for (auto& r : rows) out.push_back(std::move(r.j));
    std::set<std::string> unscanned;
    for (const auto& c : containers) {
      if (c.image == 0) unscanned.insert(c.runtime + " " + c.id);
    }
    return json{{"images", out}, {"containers_of_unscanned_images", unscanned.size()}};
  }

  Status Routes() {
    auto& s = *http;
    VIGIL_RETURN_IF_ERROR(s.Handle("GET", "/healthz", [](const net::ServerRequest&) -> Result<net::ServerResponse> {
      return net::ServerResponse::Json(R"({"status":"ok"})");
    }));
    VIGIL_RETURN_IF_ERROR(s.Handle("GET", "/readyz", [this](const net::ServerRequest&) -> Result<net::ServerResponse> {
      auto db = match::OpenDatabase(db_dir);
      if (!db.ok()) return Unavailable("not ready: " + db.error().message());
      return net::ServerResponse::Json(Dump(json{{"status", "ready"}, {"advisories", db->records}}));
    }));
    VIGIL_RETURN_IF_ERROR(s.Handle("GET", "/metrics", [this](const net::ServerRequest&) -> Result<net::ServerResponse> {
      return net::ServerResponse::Text(Metrics(), "text/plain; version=0.0.4; charset=utf-8");
    }));
    VIGIL_RETURN_IF_ERROR(
        s.Handle("GET", "/v1/images", [this](const net::ServerRequest&) -> Result<net::ServerResponse> {
          VIGIL_ASSIGN_OR_RETURN(std::shared_ptr<const std::vector<ImageSummary>> images, Summaries());
          json arr = json::array();
          for (const auto& i : *images) arr.push_back(SummaryJson(i));
          json out = json::object();
          out["images"] = std::move(arr);  // moved: json{{"images", arr}} copies every summary
          return net::ServerResponse::Json(Dump(out));
        }));
    VIGIL_RETURN_IF_ERROR(
        s.Handle("POST", "/v1/images", [this](const net::ServerRequest& r) -> Result<net::ServerResponse> {
          VIGIL_ASSIGN_OR_RETURN(json body, BodyJson(r));
          auto out = Ingest(body);
          if (!out.ok()) {
            ++ingest_failures;
            return out.error();
          }
          ++ingested;
          return net::ServerResponse::Json(Dump(*out), 201);
        }));
    VIGIL_RETURN_IF_ERROR(
        s.Handle("GET", "/v1/images/{ref...}", [this](const net::ServerRequest& r) -> Result<net::ServerResponse> {
          VIGIL_ASSIGN_OR_RETURN(ImageSummary image, store->FindImage(r.Param("ref")));
          VIGIL_ASSIGN_OR_RETURN(std::string report, ScanReportOf(image));
          net::ServerResponse resp = net::ServerResponse::Json(std::move(report));
          resp.headers.emplace_back("X-Vigil-Image-Id", std::to_string(image.id));
          return resp;
        }));
    VIGIL_RETURN_IF_ERROR(
        s.Handle("DELETE", "/v1/images/{ref...}", [this](const net::ServerRequest& r) -> Result<net::ServerResponse> {
          VIGIL_ASSIGN_OR_RETURN(ImageSummary image, store->FindImage(r.Param("ref")));
          Status removed = store->RemoveImage(image.id);
          ImagesChanged();
          VIGIL_RETURN_IF_ERROR(removed);
          return net::ServerResponse::Json(Dump(json{{"removed", image.id}}));
        }));
    VIGIL_RETURN_IF_ERROR(
        s.Handle("GET", "/v1/containers", [this](const net::ServerRequest& r) -> Result<net::ServerResponse> {
          VIGIL_ASSIGN_OR_RETURN(std::vector<ContainerRow> cs, store->Containers(r.Query("namespace")));
          VIGIL_ASSIGN_OR_RETURN(std::vector<RuntimeState> rts, store->Runtimes());
          json arr = json::array();
          // Images not scanned, with why and how many containers run each: never shown as clean.
          std::map<std::string, json> unscanned;
          for (const auto& c : cs) {
            json cj = ContainerJson(c);
            auto [state, reason] = ScanStateOf(c);
            cj["scan_state"] = state;
            cj["scan_reason"] = reason;
            if (c.image == 0) {
              json& u = unscanned[c.image_id];
              if (u.is_null()) {
                u = {{"image_id", c.image_id},
                     {"image_ref", c.image_ref},
                     {"scan_state", state},
                     {"scan_reason", reason},
                     {"containers", 0}};
              }
              u["containers"] = u["containers"].get<size_t>() + 1;
            }
            arr.push_back(std::move(cj));
          }
          json uj = json::array();
          for (auto& [id, u] : unscanned) uj.push_back(std::move(u));
          json rj = json::array();
          for (const auto& rt : rts) {
            rj.push_back({{"runtime", rt.runtime},
                          {"state", rt.state},
                          {"reason", rt.reason},
                          {"updated", rt.updated},
                          {"containers", rt.containers}});
          }
          return net::ServerResponse::Json(Dump(json{{"containers", arr}, {"runtimes", rj}, {"unscanned_images", uj}}));
        }));
    VIGIL_RETURN_IF_ERROR(s.Handle(
        "GET", "/v1/affected/{id}",
        [this](const net::ServerRequest& r) -> Result<net::ServerResponse> { return Affected(r.Param("id")); }));
    VIGIL_RETURN_IF_ERROR(
        s.Handle("GET", "/v1/exposure", [this](const net::ServerRequest& r) -> Result<net::ServerResponse> {
          VIGIL_ASSIGN_OR_RETURN(json out, Exposure(r.Query("namespace"), false));
          return net::ServerResponse::Json(Dump(out));
        }));
    VIGIL_RETURN_IF_ERROR(
        s.Handle("GET", "/v1/rebuild", [this](const net::ServerRequest& r) -> Result<net::ServerResponse> {
          VIGIL_ASSIGN_OR_RETURN(json out, Exposure(r.Query("namespace"), true));
          return net::ServerResponse::Json(Dump(out));
        }));
    VIGIL_RETURN_IF_ERROR(
        s.Handle("GET", "/v1/alerts", [this](const net::ServerRequest& r) -> Result<net::ServerResponse> {
          int64_t since = 0;
          size_t limit = 1000;
          std::string sv = r.Query("since"), lv = r.Query("limit");
          auto number = [](const std::string& v, const char* what) -> Result<int64_t> {
            if (v.empty() || v.size() > 18 ||
                !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
              return InvalidArgument(std::string("'") + what + "' must be a non-negative integer");
            }
            return static_cast<int64_t>(std::stoll(v));
          };
          if (!sv.empty()) {
            VIGIL_ASSIGN_OR_RETURN(since, number(sv, "since"));
          }
          if (!lv.empty()) {
            VIGIL_ASSIGN_OR_RETURN(int64_t l, number(lv, "limit"));
            limit = static_cast<size_t>(std::clamp<int64_t>(l, 1, 10000));
          }
          VIGIL_ASSIGN_OR_RETURN(std::vector<Alert> alerts, store->Alerts(since, limit));
          json arr = json::array();
          int64_t next = since;
          for (const Alert& a : alerts) {
            json p = json::parse(a.payload, nullptr, false);
            arr.push_back({{"seq", a.seq}, {"alert", p.is_discarded() ? json(a.payload) : p}});
            next = a.seq;
          }
          return net::ServerResponse::Json(Dump(json{{"alerts", arr}, {"next", next}}));
        }));
    VIGIL_RETURN_IF_ERROR(
        s.Handle("POST", "/v1/sensor/alerts",
                 [this](const net::ServerRequest& r) -> Result<net::ServerResponse> { return SensorAlerts(r); }));
    VIGIL_RETURN_IF_ERROR(
        s.Handle("PUT", "/v1/sensor/containers",
                 [this](const net::ServerRequest& r) -> Result<net::ServerResponse> { return SensorContainers(r); }));
    VIGIL_RETURN_IF_ERROR(
        s.Handle("GET", "/v1/runtime-alerts", [this](const net::ServerRequest& r) -> Result<net::ServerResponse> {
          int64_t after = 0;
          size_t limit = 1000;
          if (std::string v = r.Query("after"); !v.empty()) {
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), after);
            if (ec != std::errc() || p != v.data() + v.size() || after < 0) {
              return InvalidArgument("after must be a non-negative integer");
            }
          }
          if (std::string v = r.Query("limit"); !v.empty()) {
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
            if (ec != std::errc() || p != v.data() + v.size() || limit == 0 || limit > 10000) {
              return InvalidArgument("limit must be an integer from 1 to 10000");
            }
          }
          VIGIL_ASSIGN_OR_RETURN(std::vector<RuntimeAlert> list, store->RuntimeAlerts(after, limit));
          json out = json::array();
          for (const RuntimeAlert& a : list) {
            json event = json::parse(a.payload, nullptr, false);
            out.push_back({{"id", a.id},
                           {"node", a.node},
                           {"seq", a.seq},
                           {"received", a.received},
                           {"kind", a.kind},
                           {"container", a.container},
                           {"event", event.is_discarded() ? json(nullptr) : event}});
          }
          return net::ServerResponse::Json(Dump(json{{"alerts", std::move(out)}}));
        }));
    VIGIL_RETURN_IF_ERROR(s.Handle("GET", "/v1/db", [this](const net::ServerRequest&) -> Result<net::ServerResponse> {
      VIGIL_ASSIGN_OR_RETURN(int64_t cursor, store->Cursor());
      json j{{"cursor", cursor}, {"sources", options.db_sources}};
      auto db = match::OpenDatabase(db_dir);
      if (db.ok()) {
        j["records"] = db->records;
        j["built_at"] = db->built_at;
      } else {
        j["error"] = db.error().message();
      }
      return net::ServerResponse::Json(Dump(j));
    }));
    VIGIL_RETURN_IF_ERROR(
        s.Handle("POST", "/v1/db/update", [this](const net::ServerRequest& r) -> Result<net::ServerResponse> {
          VIGIL_ASSIGN_OR_RETURN(json body, BodyJson(r));
          std::string source;
          if (body.is_object() && body.contains("source")) {
            if (!body["source"].is_string()) return InvalidArgument("\"source\" must be a string");
            source = body["source"].get<std::string>();
            VIGIL_RETURN_IF_ERROR(CheckSource(source));
          }
          VIGIL_ASSIGN_OR_RETURN(json out, Update(source));
          return net::ServerResponse::Json(Dump(out));
        }));
    VIGIL_RETURN_IF_ERROR(
        s.Handle("GET", "/v1/tokens", [this](const net::ServerRequest&) -> Result<net::ServerResponse> {
          VIGIL_ASSIGN_OR_RETURN(std::vector<TokenInfo> ts, store->Tokens());
          json arr = json::array();
          for (const auto& t : ts) {
            arr.push_back(
                {{"id", t.id}, {"name", t.name}, {"scopes", t.scopes}, {"created", t.created}, {"revoked", t.revoked}});
          }
          return net::ServerResponse::Json(Dump(json{{"tokens", arr}}));
        }));
    VIGIL_RETURN_IF_ERROR(
        s.Handle("POST", "/v1/tokens", [this](const net::ServerRequest& r) -> Result<net::ServerResponse> {
          VIGIL_ASSIGN_OR_RETURN(json body, BodyJson(r));
          if (!body.is_object() || !body.contains("name") || !body["name"].is_string()) {
            return InvalidArgument("the body must be {\"name\": \"...\", \"scopes\": [\"read\", ...]}");
          }
          std::vector<std::string> scopes;
          if (body.contains("scopes")) {
            if (!body["scopes"].is_array()) return InvalidArgument("\"scopes\" must be an array of strings");
            for (const auto& sc : body["scopes"]) {
              if (!sc.is_string()) return InvalidArgument("\"scopes\" must be an array of strings");
              scopes.push_back(sc.get<std::string>());
            }
          } else {
            scopes = {"read"};
          }
          int64_t id = 0;
          VIGIL_ASSIGN_OR_RETURN(std::string secret, store->CreateToken(body["name"].get<std::string>(), scopes, &id));
          Log("token " + std::to_string(id) + " created");
          return net::ServerResponse::Json(Dump(json{{"id", id}, {"token", secret}, {"scopes", scopes}}), 201);
        }));
    VIGIL_RETURN_IF_ERROR(
        s.Handle("DELETE", "/v1/tokens/{id}", [this](const net::ServerRequest& r) -> Result<net::ServerResponse> {
          std::string v = r.Param("id");
          if (v.empty() || v.size() > 18 ||
              !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return InvalidArgument("a token id is a number");
          }
          VIGIL_RETURN_IF_ERROR(store->RevokeToken(std::stoll(v)));
          Log("token " + v + " revoked");
          return net::ServerResponse::Json(Dump(json{{"revoked", std::stoll(v)}}));
        }));
    return OkStatus();
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { Stop(); }

Result<std::unique_ptr<Server>> Server::Open(ServerOptions options) {
  if (options.data_dir.empty()) return InvalidArgument("the server needs a data folder (--data DIR)");
  if (options.webhook_format != "json" && options.webhook_format != "slack") {
    return InvalidArgument("unknown webhook format '" + options.webhook_format + "' (json, slack)");
  }
  auto impl = std::make_unique<Impl>();
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return IoError("cannot create " + options.data_dir + ": " + ec.message());
  ::chmod(options.data_dir.c_str(), 0700);
  impl->db_dir = options.db_dir.empty() ? options.data_dir + "/db" : options.db_dir;
  // Exported images are written here only (never outside the data folder); what a crash left
  // behind is removed.
  impl->exports_dir = options.data_dir + "/exports";
  {
    struct stat st {};
    if (::lstat(impl->exports_dir.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
      return InvalidArgument(impl->exports_dir + " is not a folder (a link is not followed)");
    }
    std::filesystem::create_directories(impl->exports_dir, ec);
    if (ec) return IoError("cannot create " + impl->exports_dir + ": " + ec.message());
    ::chmod(impl->exports_dir.c_str(), 0700);
    for (const auto& entry : std::filesystem::directory_iterator(impl->exports_dir, ec)) {
      std::error_code rm_ec;
      std::filesystem::remove_all(entry.path(), rm_ec);
    }
  }
  if (options.export_queue == 0) return InvalidArgument("the export queue must hold at least one image");
  for (const std::string& r : options.image_roots) {
    std::filesystem::path canon = std::filesystem::canonical(r, ec);
    if (ec || !std::filesystem::is_directory(canon)) return InvalidArgument("--image-root '" + r + "' is not a folder");
    impl->roots.push_back(canon.string());
  }
  for (const std::string& r : options.source_roots) {
    std::filesystem::path canon = std::filesystem::canonical(r, ec);
    if (ec || !std::filesystem::is_directory(canon))
      return InvalidArgument("--source-root '" + r + "' is not a folder");
    impl->source_roots.push_back(canon.string());
  }
  for (const std::string& w : options.webhooks) {
    if (w.rfind("https://", 0) != 0 && w.rfind("http://", 0) != 0) {
      return InvalidArgument("webhook '" + w + "' is not an http(s) URL");
    }
    impl->channels.push_back({"webhook:" + w, Channel::kWebhook, w});
  }
  if (!options.alerts_file.empty()) {
    std::string abs = std::filesystem::absolute(options.alerts_file, ec).string();
    impl->channels.push_back({"file:" + abs, Channel::kFile, abs});
  }
  if (options.syslog) impl->channels.push_back({"syslog", Channel::kSyslog, ""});
  for (const std::string& r : options.runtimes) {
    if (r.rfind("unix:///", 0) != 0) {
      return InvalidArgument("--runtime '" + r + "' is not unix:///PATH (a Docker-Engine-API socket)");
    }
  }
  if (!options.kubeconfig.empty() && options.in_cluster) {
    return InvalidArgument("--kubeconfig and --in-cluster name two clusters: give one");
  }
  if (!options.kubeconfig.empty()) {
    VIGIL_ASSIGN_OR_RETURN(KubeConfig kc, LoadKubeConfig(options.kubeconfig));
    impl->kube_config = std::move(kc);
  } else if (options.in_cluster) {
    VIGIL_ASSIGN_OR_RETURN(KubeConfig kc, InClusterConfig());
    impl->kube_config = std::move(kc);
  }
  {
    char host[256] = {0};
    if (::gethostname(host, sizeof host - 1) == 0) impl->node = host;
  }
  impl->per_token = std::make_unique<RateLimiter>(options.rate_limit, 2 * options.rate_limit);
  impl->failed_auth =
      std::make_unique<RateLimiter>(options.failed_auth_per_minute / 60.0, options.failed_auth_per_minute);
  impl->options = std::move(options);
  const ServerOptions& o = impl->options;

  VIGIL_ASSIGN_OR_RETURN(impl->store, FleetStore::Open(o.store.empty() ? o.data_dir + "/fleet.db" : o.store));
  bool created = false;
  VIGIL_ASSIGN_OR_RETURN(impl->webhook_key,
                         ReadOrCreateSecret(
                             o.data_dir + "/webhook.secret", [] { return RandomHex(32); }, &created));
  std::string token_path = o.data_dir + "/admin.token";
  std::error_code exists_ec;
  if (!std::filesystem::exists(token_path, exists_ec)) {
    int64_t id = 0;
    VIGIL_ASSIGN_OR_RETURN(std::string secret, impl->store->CreateToken("admin", {"admin"}, &id));
    VIGIL_ASSIGN_OR_RETURN(std::string written, ReadOrCreateSecret(
                                                    token_path, [&] { return secret; }, &created));
    (void)written;
    impl->Log("an admin token was written to " + token_path + " (mode 0600)");
  }
  // A new store starts at the database's current position: images stored later are scanned
  // against the database as it is then.
  {
    VIGIL_ASSIGN_OR_RETURN(int64_t cursor, impl->store->Cursor());
    VIGIL_ASSIGN_OR_RETURN(std::vector<ImageSummary> images, impl->store->Images());
    if (cursor == 0 && images.empty()) {
      auto db = impl->OpenDb(vulndb::Store::Mode::kReadOnly);
      if (db.ok()) {
        VIGIL_ASSIGN_OR_RETURN(int64_t latest, Impl::LatestSeq(**db, 0));
        VIGIL_RETURN_IF_ERROR(impl->store->SetCursor(latest));
      }
    }
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Status Server::Start() {
  Impl& im = *impl_;
  if (im.started.exchange(true)) return InvalidArgument("the server was started already");
  // Changes a crash left unevaluated (an update imported, its delta not stored) come first, on the
  // leader.
  {
    VIGIL_ASSIGN_OR_RETURN(bool lead, im.store->TryLead());
    im.leader = lead;
    if (im.store->shared()) im.Log(lead ? "this server leads the servers sharing its store" : "another server leads");
  }
  if (im.leader.load()) {
    std::unique_lock lock(im.db_mu);
    auto db = im.OpenDb(vulndb::Store::Mode::kReadOnly);
    if (db.ok()) {
      auto d = im.EvaluatePending(**db);
      if (!d.ok()) return d.error().Context("evaluating the advisory changes not yet evaluated");
    }
  }
  net::ServerOptions so;
  so.listen = im.options.listen;
  so.tls_cert_file = im.options.tls_cert_file;
  so.tls_key_file = im.options.tls_key_file;
  so.max_body_bytes = im.options.max_body_bytes;
  so.threads = im.options.threads;
  so.read_timeout = std::chrono::seconds(30);
  so.write_timeout = std::chrono::seconds(30);
  so.auth = [&im](const net::ServerRequest& r) { return im.Authorize(r); };
  so.log = [&im](const net::RequestLogEntry& e) {
    if (!e.error.empty()) im.Log(e.method + " " + e.path + " -> " + std::to_string(e.status) + ": " + e.error);
  };
  im.http = std::make_unique<net::HttpServer>(so);
  VIGIL_RETURN_IF_ERROR(im.Routes());
  VIGIL_RETURN_IF_ERROR(im.http->Start());
  im.Log("listening on " + im.options.listen + (im.options.tls_cert_file.empty() ? "" : " (TLS)") + ", port " +
         std::to_string(im.http->port()));
  for (const std::string& runtime : im.options.runtimes) {
    if (Status st = im.Watch(runtime); !st.ok()) {
      im.http->Stop();
      return st.error().Context(runtime);
    }
  }
  if (im.kube_config) {
    if (Status st = im.WatchKube(); !st.ok()) {
      im.http->Stop();
      for (auto& w : im.watchers) w->Stop();
      return st.error().Context("kubernetes");
    }
  }
  if (im.options.export_images && !im.options.runtimes.empty()) im.exporter = std::thread([&im] { im.ExportLoop(); });
  im.deliverer = std::thread([&im] { im.DeliveryLoop(); });
  if (im.store->shared()) im.leader_thread = std::thread([&im] { im.LeaderLoop(); });
  if (im.options.db_interval.count() > 0) im.scheduler = std::thread([&im] { im.ScheduleLoop(); });
  im.Wake();
  return OkStatus();
}

void Server::Stop() {
  Impl& im = *impl_;
  if (!im.started.load() || im.stopped.exchange(true)) return;
  if (im.http) im.http->Stop();
  for (auto& w : im.watchers) w->Stop();
  if (im.kube) im.kube->Stop();
  im.cancel.Cancel();
  {
    std::lock_guard lock(im.wake_mu);
    im.stopping = true;
  }
  im.wake_cv.notify_all();
  {
    std::lock_guard lock(im.export_mu);
    im.export_stopping = true;
  }
  im.export_cv.notify_all();
  if (im.exporter.joinable()) im.exporter.join();
  if (im.deliverer.joinable()) im.deliverer.join();
  if (im.scheduler.joinable()) im.scheduler.join();
  if (im.leader_thread.joinable()) im.leader_thread.join();
  im.store->StepDown();
}

int Server::port() const { return impl_->http ? impl_->http->port() : 0; }

std::string Server::admin_token_path() const { return impl_->options.data_dir + "/admin.token"; }

}  // namespace vigil::fleet
