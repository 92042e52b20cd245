// Matching speed: an inventory against the whole advisory index, on one thread. Target (issue 5):
// 1,000,000 package instances in <= 2 s on one core.
// Needs a database built first, named by VIGIL_BENCH_DB (bench/match.sh builds one from
// ../shared/data and runs this):
//   vigil db --db /tmp/bench-db import ../shared/data/osv/*.jsonl ...
//   VIGIL_BENCH_DB=/tmp/bench-db build/bench/bench/match_bench
// The packages are the CycloneDX inventories of the test images in
// tests/match/testdata/images (VIGIL_BENCH_SBOMS: other files, colon-separated).
//
// BM_MatchMillion: the real packages of every SBOM, repeated round after round, each copy with a
// version drawn (fixed seed) from the original one and, when the index has advisories for the
// package, the fixed versions of those advisories and their neighbours (just below: affected;
// just above: not), so that a realistic share of the copies has findings.
// BM_MatchImage/N: the Nth SBOM's inventory as read (0 base, 1 app, 2 many): one scan's matching.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/analyzer.h"
#include "common/file.h"
#include "match/matcher.h"
#include "sbom/reader.h"
#include "version/names.h"
#include "vulndb/index.h"
#include "vulndb/sqlite_store.h"
#include "vulndb/store.h"

namespace vigil::match {
namespace {

constexpr size_t kMillion = 1'000'000;
constexpr uint64_t kSeed = 20261129;

std::vector<std::string> SbomPaths() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("VIGIL_BENCH_SBOMS"); env && *env) {
    std::string_view rest = env;
    while (!rest.empty()) {
      size_t colon = rest.find(':');
      if (colon != 0) out.emplace_back(rest.substr(0, colon));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
    return out;
  }
  for (const char* image : {"base", "app", "many"}) {
    out.push_back(std::string(VIGIL_SOURCE_DIR) + "/tests/match/testdata/images/" + image + ".cdx.json");
  }
  return out;
}

// The index key the matcher looks a package up under (see the table in match/matcher.h), for
// finding the advisories a package has; {"", ""} for packages the matcher does not look up.
std::pair<std::string, std::string> FamilyAndName(const catalog::Package& p, const DistroKey* distro) {
  if (p.type == "deb" || p.type == "apk" || p.type == "rpm") {
    if (!distro) return {};
    const std::string& name = p.type == "rpm" || p.source_name.empty() ? p.name : p.source_name;
    return {distro->family, version::NormalizeName(distro->family, name)};
  }
  static const std::pair<std::string_view, std::string_view> kFamilies[] = {
      {"npm", "npm"},         {"pypi", "PyPI"},    {"golang", "Go"},          {"maven", "Maven"},
      {"cargo", "crates.io"}, {"gem", "RubyGems"}, {"composer", "Packagist"}, {"nuget", "NuGet"},
  };
  for (const auto& [type, family] : kFamilies) {
    if (type != p.type) continue;
    std::string name = p.name;
    if (!p.name_space.empty()) {
      if (p.type == "maven") {
        name = p.name_space + ":" + p.name;
      } else if (p.type == "npm" && p.name_space.front() != '@') {
        name = "@" + p.name_space + "/" + p.name;
      } else {
        name = p.name_space + "/" + p.name;
      }
    }
    return {std::string(family), version::NormalizeName(family, name)};
  }
  return {};
}

// `v` with its last run of digits changed by `delta` (+1 or -1); "" when there is none or it
// would go below 0. Valid in every scheme the original is valid in, which "~" or ".1" are not.
std::string Bump(const std::string& v, int delta) {
  size_t end = v.find_last_of("0123456789");
  if (end == std::string::npos) return {};
  size_t begin = end;
  while (begin > 0 && v[begin - 1] >= '0' && v[begin - 1] <= '9') --begin;
  std::string digits = v.substr(begin, end + 1 - begin);
  if (digits.size() > 18) return {};
  uint64_t n = std::stoull(digits);
  if (delta < 0 && n == 0) return {};
  n = delta < 0 ? n - 1 : n + 1;
  return v.substr(0, begin) + std::to_string(n) + v.substr(end + 1);
}

// The versions one package's copies are drawn from: the original first, then every fixed version
// (valid in the entry's scheme) of its index entries with a version just below (affected by that
// entry) and just above it. dpkg has exact neighbours: "~" sorts before anything, ".1" after; other
// schemes get the last number bumped down and up.
std::vector<std::string> Candidates(const catalog::Package& p, const std::string& original,
                                    std::span<const vulndb::IndexEntry> entries) {
  std::vector<std::string> out{original};
  auto add = [&](std::string v) {
    if (!v.empty() && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(std::move(v));
  };
  for (const vulndb::IndexEntry& e : entries) {
    for (const std::string& fixed : e.fixed) {
      // GIT ranges' fixed events are commits, not versions.
      if (!e.ranges || !e.ranges->scheme().Parse(fixed).ok()) continue;
      add(fixed);
      if (p.type == "deb") {
        add(fixed + "~");
        add(fixed + ".1");
      } else {
        add(Bump(fixed, -1));
        add(Bump(fixed, +1));
      }
    }
  }
  return out;
}

// Sets the version the matcher compares (see match/matcher.h) to `v`.
void SetVersion(catalog::Package& p, const std::string& v) {
  if (p.type == "deb" && !p.source_version.empty()) {
    if (p.version == p.source_version) p.version = v;
    p.source_version = v;
  } else {
    p.version = v;
  }
}

// What every benchmark shares, built once: the index, the SBOMs' inventories, the million.
struct Fixture {
  std::string error;  // set when the fixture could not be built
  std::unique_ptr<vulndb::Index> index;
  std::vector<catalog::Inventory> images;  // as read, in SbomPaths() order
  catalog::Inventory million;
  size_t with_advisories = 0;  // real packages whose key the index has
};

std::unique_ptr<Fixture> BuildFixture() {
  auto f = std::make_unique<Fixture>();
  const char* db = std::getenv("VIGIL_BENCH_DB");
  if (!db || !*db) {
    f->error = "set VIGIL_BENCH_DB to a built database (bench/match.sh builds one)";
    return f;
  }
  auto store = vulndb::SqliteStore::Open(db, vulndb::Store::Mode::kReadOnly);
  if (!store.ok()) {
    f->error = "VIGIL_BENCH_DB: " + store.error().ToString();
    return f;
  }
  auto index = vulndb::Index::Load(**store);
  if (!index.ok()) {
    f->error = "loading the index: " + index.error().ToString();
    return f;
  }
  f->index = std::move(*index);

  for (const std::string& path : SbomPaths()) {
    Result<std::string> text = ReadFile(path);
    if (!text.ok()) {
      f->error = "VIGIL_BENCH_SBOMS: " + text.error().ToString();
      return f;
    }
    Result<catalog::Inventory> inv = sbom::ReadSbom(*text, path);
    if (!inv.ok()) {
      f->error = path + ": " + inv.error().ToString();
      return f;
    }
    f->images.push_back(std::move(*inv));
  }

  // The real packages, each with the versions its copies are drawn from.
  struct Source {
    const catalog::Package* package;
    std::vector<std::string> versions;
  };
  std::vector<Source> sources;
  for (const catalog::Inventory& inv : f->images) {
    if (f->million.distro.empty()) f->million.distro = inv.distro;
  }
  Result<DistroKey> distro = DistroFor(f->million.distro);
  for (const catalog::Inventory& inv : f->images) {
    for (const catalog::Package& p : inv.packages) {
      auto [family, name] = FamilyAndName(p, distro.ok() ? &*distro : nullptr);
      std::span<const vulndb::IndexEntry> entries;
      if (!family.empty()) {
        entries = f->index->Lookup(family, p.type == "deb" || p.type == "apk" || p.type == "rpm" ? distro->release : "",
                                   name);
      }
      if (!entries.empty()) ++f->with_advisories;
      const std::string& original = p.type == "deb" && !p.source_version.empty() ? p.source_version : p.version;
      sources.push_back({&p, Candidates(p, original, entries)});
    }
  }
  if (sources.empty()) {
    f->error = "the SBOMs have no packages";
    return f;
  }

  // Round after round over the real packages. Of a package with advisories, half of the copies
  // keep the original version and the other half take one of the other candidates. mt19937_64's
  // output is fixed by the standard, so the inventory is the same on every platform.
  std::mt19937_64 rng(kSeed);
  f->million.packages.reserve(kMillion);
  while (f->million.packages.size() < kMillion) {
    for (const Source& s : sources) {
      if (f->million.packages.size() == kMillion) break;
      catalog::Package p = *s.package;
      p.files.clear();  // not read by the matcher; would only cost memory
      uint64_t r = rng();
      if (s.versions.size() > 1 && (r & 1)) {
        SetVersion(p, s.versions[1 + (r >> 1) % (s.versions.size() - 1)]);
      }
      f->million.packages.push_back(std::move(p));
    }
  }
  return f;
}

const Fixture& Shared() {
  static const std::unique_ptr<Fixture> fixture = BuildFixture();
  return *fixture;
}

void Run(benchmark::State& state, const catalog::Inventory& inventory, const Fixture& f) {
  size_t findings = 0, affected = 0;
  MatchStats stats;
  for (auto _ : state) {
    stats = MatchStats{};
    Result<std::vector<Finding>> r = Match(inventory, *f.index, {}, &stats);
    if (!r.ok()) {
      state.SkipWithError(r.error().ToString().c_str());
      return;
    }
    findings = r->size();
    benchmark::DoNotOptimize(r);
    // Findings are ordered by package: count the packages with at least one (a pass over the
    // findings, timed with the rest: pausing the timer would cost more).
    affected = 0;
    for (size_t i = 0; i < r->size(); ++i) {
      affected += i == 0 || (*r)[i].package != (*r)[i - 1].package;
    }
  }
  double n = static_cast<double>(inventory.packages.size());
  state.counters["packages"] = n;
  state.counters["findings"] = static_cast<double>(findings);
  state.counters["affected"] = static_cast<double>(affected);  // packages with findings
  state.counters["matched"] = static_cast<double>(stats.packages_matched);
  state.counters["invalid_versions"] = static_cast<double>(stats.invalid_versions);
  state.counters["packages_per_s"] = benchmark::Counter(n, benchmark::Counter::kIsIterationInvariantRate);
  // Seconds per package (the console prints it with a unit prefix, "805ns").
  state.counters["time_per_package"] =
      benchmark::Counter(n, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_MatchMillion(benchmark::State& state) {
  const Fixture& f = Shared();
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  Run(state, f.million, f);
  size_t real = 0;
  for (const catalog::Inventory& inv : f.images) real += inv.packages.size();
  state.counters["real_packages"] = static_cast<double>(real);
  state.counters["real_with_advisories"] = static_cast<double>(f.with_advisories);
}
BENCHMARK(BM_MatchMillion)->Unit(benchmark::kMillisecond);

// One SBOM's inventory as read (argument: its position in SbomPaths()): one scan's matching.
void BM_MatchImage(benchmark::State& state) {
  const Fixture& f = Shared();
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  const catalog::Inventory& image = f.images[static_cast<size_t>(state.range(0))];
  Run(state, image, f);
  state.SetLabel(image.image.source.substr(image.image.source.find_last_of('/') + 1));
}
BENCHMARK(BM_MatchImage)->Unit(benchmark::kMicrosecond)->Apply([](benchmark::internal::Benchmark* b) {
  for (size_t i = 0; i < SbomPaths().size(); ++i) b->Arg(static_cast<int64_t>(i));
});

}  // namespace
}  // namespace vigil::match

BENCHMARK_MAIN();
