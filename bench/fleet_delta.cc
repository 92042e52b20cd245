// Fleet delta evaluation against a full rescan (issue 14): a synthetic fleet of N images made from
// the test images' real inventories (tests/match/testdata/images: base, app, many; each copy with
// some language packages at other versions and some left out, fixed seed), stored in a
// FleetStore with the findings of a full match; then the cost of answering advisory changes:
//   one advisory      FleetStore::Reevaluate with one id (median and p99 of --rounds runs), the
//                     server's index of the whole database in memory (loaded once, as `vigil serve` would)
//   1,000 advisories  one Reevaluate with 1,000 ids that name packages of the fleet
//   full rescan       what answering by rescanning costs: the whole index against every image
// Needs a database (bench/match.sh builds one from ../shared/data):
//   VIGIL_BENCH_DB=/tmp/bench-db build/bench/bench/fleet_delta [IMAGES] [ROUNDS]
// Prints one line per measure; docs/BENCHMARKS.md ("Fleet delta") has the figures and how to rerun.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "fleet/fleet_store.h"
#include "match/matcher.h"
#include "sbom/reader.h"
#include "vulndb/importer.h"
#include "vulndb/index.h"
#include "vulndb/sqlite_store.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "fleet_delta: %s\n", what.c_str());
  std::exit(2);
}

// A copy of `base` as image `n`: a unique digest, a quarter of the language packages dropped and
// a quarter with their patch number lowered (kept only when it is a plain number), so images differ.
vigil::catalog::Inventory Variant(const vigil::catalog::Inventory& base, size_t n, std::mt19937_64& rng) {
  vigil::catalog::Inventory inv = base;
  char digest[80];
  std::snprintf(digest, sizeof digest, "sha256:%064zx", n + 1);
  inv.image.config_digest = digest;
  inv.image.manifest_digest = digest;
  inv.image.tags = {"registry.example/fleet/app-" + std::to_string(n) + ":1"};
  std::vector<vigil::catalog::Package> kept;
  for (auto p : inv.packages) {
    bool os = p.type == "deb" || p.type == "apk" || p.type == "rpm";
    unsigned roll = static_cast<unsigned>(rng() % 4);
    if (!os && roll == 0) continue;
    if (!os && roll == 1) {
      size_t dot = p.version.rfind('.');
      if (dot != std::string::npos && dot + 1 < p.version.size()) {
        std::string patch = p.version.substr(dot + 1);
        if (std::all_of(patch.begin(), patch.end(), [](char c) { return c >= '0' && c <= '9'; }) && patch.size() < 6) {
          int v = std::atoi(patch.c_str());
          if (v > 0) {
            std::string old = p.version;
            p.version = old.substr(0, dot + 1) + std::to_string(v - 1);
            size_t at = p.purl.find("@" + old);
            if (at != std::string::npos) p.purl.replace(at + 1, old.size(), p.version);
          }
        }
      }
    }
    kept.push_back(std::move(p));
  }
  inv.packages = std::move(kept);
  return inv;
}

}  // namespace

int main(int argc, char** argv) {
  const char* db_dir = std::getenv("VIGIL_BENCH_DB");
  if (db_dir == nullptr || *db_dir == '\0') Die("set VIGIL_BENCH_DB to a database folder (bench/match.sh builds one)");
  size_t images = argc > 1 ? static_cast<size_t>(std::atol(argv[1])) : 2000;
  size_t rounds = argc > 2 ? static_cast<size_t>(std::atol(argv[2])) : 50;
  auto db = vigil::vulndb::SqliteStore::Open(db_dir, vigil::vulndb::Store::Mode::kReadOnly);
  if (!db.ok()) Die(db.error().ToString());

  std::vector<vigil::catalog::Inventory> bases;
  for (const char* name : {"base", "app", "many"}) {
    std::string path = std::string(VIGIL_SOURCE_DIR) + "/tests/match/testdata/images/" + name + ".cdx.json";
    auto inv = vigil::sbom::ReadSbomFile(path);
    if (!inv.ok()) Die(inv.error().ToString());
    bases.push_back(std::move(*inv));
  }
  std::string work = (std::filesystem::temp_directory_path() / ("fleet-delta-" + std::to_string(getpid()))).string();
  std::filesystem::remove_all(work);
  auto fleet = vigil::fleet::FleetStore::Open(work + "/fleet.db");
  if (!fleet.ok()) Die(fleet.error().ToString());

  auto t0 = Clock::now();
  auto index = vigil::vulndb::Index::Load(**db);
  if (!index.ok()) Die(index.error().ToString());
  auto t1 = Clock::now();
  std::mt19937_64 rng(20261207);
  std::vector<vigil::catalog::Inventory> fleet_images;
  size_t packages = 0, findings = 0;
  for (size_t i = 0; i < images; ++i) fleet_images.push_back(Variant(bases[i % bases.size()], i, rng));
  double match_seconds = 0;
  auto t2 = Clock::now();
  for (const auto& inv : fleet_images) {
    auto m0 = Clock::now();
    auto found = vigil::match::Match(inv, **index, vigil::match::MatchOptions{});
    match_seconds += Seconds(m0, Clock::now());
    if (!found.ok()) Die(found.error().ToString());
    packages += inv.packages.size();
    findings += found->size();
    auto id = (*fleet)->PutImage(inv, *found);
    if (!id.ok()) Die(id.error().ToString());
  }
  auto t3 = Clock::now();
  struct stat st {};
  ::stat((work + "/fleet.db").c_str(), &st);
  std::printf("fleet: %zu images, %zu packages, %zu findings; store %.1f MB; ingest %.1f s (match %.1f s)\n", images,
              packages, findings, st.st_size / 1e6, Seconds(t2, t3), match_seconds);
  std::printf("full index load: %.2f s\n", Seconds(t0, t1));

  // Advisory ids that name packages of the fleet: those of the stored findings, in a fixed order.
  std::vector<std::string> ids;
  {
    std::set<std::string> seen;
    for (int64_t image = 1; image <= static_cast<int64_t>(std::min<size_t>(images, 3)); ++image) {
      auto rows = (*fleet)->Findings(image);
      if (!rows.ok()) Die(rows.error().ToString());
      for (const auto& r : *rows) {
        auto hits = (*fleet)->Affected(r.vuln);
        (void)hits;
        if (seen.insert(r.vuln).second) ids.push_back(r.vuln);
      }
    }
  }
  if (ids.empty()) Die("the fleet has no findings: is the database the one bench/match.sh builds?");

  // One advisory: the same work as for one changed record.
  std::vector<double> one;
  size_t evaluated = 0, groups = 0;
  std::vector<std::pair<std::string, double>> phase_sum;
  for (size_t r = 0; r < rounds; ++r) {
    const std::string& id = ids[r % ids.size()];
    auto a = Clock::now();
    auto d = (*fleet)->Reevaluate(**db, **index, {id}, vigil::fleet::ReevaluateOptions{});
    one.push_back(Seconds(a, Clock::now()));
    if (!d.ok()) Die(d.error().ToString());
    if (!d->added.empty() || !d->resolved.empty()) Die("an unchanged database gave a delta for " + id);
    evaluated += d->images_evaluated;
    for (size_t i = 0; i < d->phases.size(); ++i) {
      if (phase_sum.size() <= i) phase_sum.emplace_back(d->phases[i].first, 0.0);
      phase_sum[i].second += d->phases[i].second;
    }
    groups += d->groups;
  }
  std::sort(one.begin(), one.end());
  std::printf("one advisory: median %.1f ms, p99 %.1f ms (%zu rounds; %.0f images evaluated on average of %zu)\n",
              one[one.size() / 2] * 1e3, one[std::min(one.size() - 1, one.size() * 99 / 100)] * 1e3, rounds,
              static_cast<double>(evaluated) / static_cast<double>(rounds), images);

  std::printf("  per round on average: %.0f package sets matched;", static_cast<double>(groups) / rounds);
  for (const auto& [name, sum] : phase_sum) std::printf(" %s %.2f ms", name.c_str(), sum / rounds * 1e3);
  std::printf("\n");

  // The server's path: per update, only the advisories of the names concerned are read
  // (Index::LoadForNames), not the whole database held in memory.
  auto by_name = [](vigil::vulndb::Store& store) {
    return vigil::fleet::FleetStore::IndexForNames(
        [&store](const std::vector<std::string>& names) -> vigil::Result<std::shared_ptr<const vigil::vulndb::Index>> {
          auto idx = vigil::vulndb::Index::LoadForNames(store, names);
          if (!idx.ok()) return idx.error();
          return std::shared_ptr<const vigil::vulndb::Index>(std::move(*idx));
        });
  };
  {
    std::vector<double> t;
    for (size_t r = 0; r < rounds; ++r) {
      auto a = Clock::now();
      auto d = (*fleet)->Reevaluate(**db, by_name(**db), {ids[r % ids.size()]}, vigil::fleet::ReevaluateOptions{});
      t.push_back(Seconds(a, Clock::now()));
      if (!d.ok()) Die(d.error().ToString());
      if (!d->added.empty() || !d->resolved.empty()) Die("an unchanged database gave a delta (by name)");
    }
    std::sort(t.begin(), t.end());
    std::printf(
        "one advisory, its names' advisories loaded per update (the server's path): median %.1f ms, p99 %.1f ms\n",
        t[t.size() / 2] * 1e3, t[std::min(t.size() - 1, t.size() * 99 / 100)] * 1e3);
  }

  // New advisories that change findings: a copy of the database gets one new record per round,
  // for a Debian source package most images have, then for a language package few images have;
  // each is evaluated as the server does (by name, alerts queued, cursor moved with the findings).
  {
    std::string copy = work + "/db-new";
    std::filesystem::copy(db_dir, copy, std::filesystem::copy_options::recursive);
    auto store = vigil::vulndb::SqliteStore::Open(copy, vigil::vulndb::Store::Mode::kReadWrite);
    if (!store.ok()) Die(store.error().ToString());
    std::map<std::pair<std::string, std::string>, size_t> count;  // (type, lookup name) → images
    for (const auto& inv : fleet_images) {
      std::set<std::pair<std::string, std::string>> seen;
      for (const auto& p : inv.packages) {
        std::string name = p.type == "deb" && !p.source_name.empty() ? p.source_name : p.name;
        if (p.type == "deb" || p.type == "npm") seen.emplace(p.type, name);
      }
      for (const auto& k : seen) ++count[k];
    }
    std::pair<std::string, std::string> common, rare;
    size_t common_n = 0, rare_n = SIZE_MAX;
    for (const auto& [k, n] : count) {
      if (k.first == "deb" && n > common_n) common = k, common_n = n;
      if (k.first == "npm" && n < rare_n) rare = k, rare_n = n;
    }
    auto cursor = (*store)->ChangesSince(0, 1000000);
    int64_t seq = 0;
    if (cursor.ok()) {
      for (const auto& c : *cursor) seq = std::max(seq, c.seq);
    }
    for (const auto& [pkg, label, n] : {std::tuple(common, "a Debian package in most images", common_n),
                                        std::tuple(rare, "an npm package in few images", rare_n)}) {
      std::vector<double> t;
      size_t added = 0, alerts = 0;
      size_t rs = std::max<size_t>(5, rounds / 5);
      for (size_t r = 0; r < rs; ++r) {
        std::string id = "VIGIL-BENCH-" + pkg.first + "-" + std::to_string(r);
        std::string eco = pkg.first == "deb" ? "Debian:12" : "npm";
        std::string path = work + "/" + id + ".json";
        {
          FILE* f = std::fopen(path.c_str(), "w");
          std::fprintf(f,
                       R"({"id":"%s","modified":"2026-12-07T00:00:00Z","affected":[{"package":{"ecosystem":"%s",)"
                       R"("name":"%s"},"ranges":[{"type":"%s","events":[{"introduced":"0"},{"fixed":"%s"}]}]}]})",
                       id.c_str(), eco.c_str(), pkg.second.c_str(), pkg.first == "deb" ? "ECOSYSTEM" : "SEMVER",
                       pkg.first == "deb" ? "99:1" : "999.0.0");
          std::fclose(f);
        }
        vigil::vulndb::ImportReport report;
        if (!vigil::vulndb::Import(**store, {{path, "bench", {}}}, vigil::vulndb::ImportOptions{}, &report).ok()) {
          Die("import " + id);
        }
        auto changes = (*store)->ChangesSince(seq, 1000000);
        if (!changes.ok()) Die(changes.error().ToString());
        std::vector<std::string> changed;
        for (const auto& c : *changes) {
          changed.push_back(c.id);
          seq = std::max(seq, c.seq);
        }
        vigil::fleet::ReevaluateOptions ro;
        ro.cursor = seq;
        auto a = Clock::now();
        auto d = (*fleet)->Reevaluate(**store, by_name(**store), changed, ro);
        t.push_back(Seconds(a, Clock::now()));
        if (!d.ok()) Die(d.error().ToString());
        added += d->added.size();
        alerts += d->alerts;
      }
      std::sort(t.begin(), t.end());
      std::printf(
          "new advisory for %s (%s, in %zu images): median %.1f ms, p99 %.1f ms; %.0f findings and %.0f alerts "
          "written per advisory (%zu rounds)\n",
          label, pkg.second.c_str(), n, t[t.size() / 2] * 1e3, t[std::min(t.size() - 1, t.size() * 99 / 100)] * 1e3,
          static_cast<double>(added) / rs, static_cast<double>(alerts) / rs, rs);
    }
  }

  // 1,000 advisories (or every id found, when fewer).
  std::vector<std::string> many(ids.begin(), ids.begin() + static_cast<long>(std::min<size_t>(ids.size(), 1000)));
  auto a = Clock::now();
  auto d = (*fleet)->Reevaluate(**db, **index, many, vigil::fleet::ReevaluateOptions{});
  double many_s = Seconds(a, Clock::now());
  if (!d.ok()) Die(d.error().ToString());
  std::printf("%zu advisories at once: %.2f s (%zu names, %zu images evaluated)\n", many.size(), many_s, d->names,
              d->images_evaluated);

  // The baseline: answer by rescanning every image against the whole index.
  auto r0 = Clock::now();
  auto full = vigil::vulndb::Index::Load(**db);
  if (!full.ok()) Die(full.error().ToString());
  for (const auto& inv : fleet_images) {
    auto found = vigil::match::Match(inv, **full, vigil::match::MatchOptions{});
    if (!found.ok()) Die(found.error().ToString());
  }
  double rescan = Seconds(r0, Clock::now());
  std::printf("full rescan (index load + match of every image, no image read): %.2f s; ratio to one advisory: %.0fx\n",
              rescan, rescan / one[one.size() / 2]);
  std::filesystem::remove_all(work);
  return 0;
}
