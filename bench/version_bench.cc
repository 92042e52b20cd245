// Version comparison and OSV range evaluation speed, on real version strings (the corpus of
// tools/version-diff). Targets (issue 3): >= 50 M pre-parsed comparisons/s per core for dpkg,
// rpm and semver; < 100 ns to evaluate an affected entry of 10 ranges. Figures: docs/VERSIONS.md.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "version/osv_range.h"
#include "version/version.h"

namespace vigil::version {
namespace {

std::vector<Version> LoadCorpus(const Scheme& scheme) {
  std::ifstream in(std::string(VIGIL_SOURCE_DIR) + "/tools/version-diff/corpus/" + std::string(scheme.name()) + ".txt");
  std::vector<Version> out;
  std::string line;
  while (std::getline(in, line)) {
    auto v = scheme.Parse(line);
    if (v.ok()) out.push_back(std::move(v).value());
  }
  return out;
}

// Random pairs of real versions, half of them neighbours in sorted order (which share long
// prefixes and so cost more to tell apart), as a scanner meets them.
void BM_Compare(benchmark::State& state, const char* scheme_name) {
  const Scheme& scheme = *FindScheme(scheme_name);
  std::vector<Version> versions = LoadCorpus(scheme);
  if (versions.size() < 2) {
    state.SkipWithError("empty corpus");
    return;
  }
  std::sort(versions.begin(), versions.end(),
            [&](const Version& a, const Version& b) { return scheme.Compare(a, b) < 0; });
  std::mt19937 rng(1);
  std::vector<std::pair<const Version*, const Version*>> pairs(4096);
  for (size_t i = 0; i < pairs.size(); ++i) {
    size_t a = rng() % versions.size();
    size_t b = (i % 2 == 0) ? rng() % versions.size() : std::min(versions.size() - 1, a + 1);
    pairs[i] = {&versions[a], &versions[b]};
  }
  int64_t sink = 0;
  for (auto _ : state) {
    for (const auto& p : pairs) sink += scheme.Compare(*p.first, *p.second);
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(pairs.size()));
  state.counters["versions"] = static_cast<double>(versions.size());
}
BENCHMARK_CAPTURE(BM_Compare, dpkg, "dpkg");
BENCHMARK_CAPTURE(BM_Compare, rpm, "rpm");
BENCHMARK_CAPTURE(BM_Compare, semver, "semver");
BENCHMARK_CAPTURE(BM_Compare, apk, "apk");
BENCHMARK_CAPTURE(BM_Compare, go, "go");

void BM_Parse(benchmark::State& state, const char* scheme_name) {
  const Scheme& scheme = *FindScheme(scheme_name);
  std::vector<std::string> texts;
  for (const auto& v : LoadCorpus(scheme)) texts.push_back(v.text());
  size_t i = 0;
  for (auto _ : state) {
    auto v = scheme.Parse(texts[i++ % texts.size()]);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_Parse, dpkg, "dpkg");
BENCHMARK_CAPTURE(BM_Parse, rpm, "rpm");
BENCHMARK_CAPTURE(BM_Parse, semver, "semver");

// An affected entry of 10 ECOSYSTEM ranges (introduced/fixed pairs over real Debian versions,
// a last_affected and an introduced "0" among them), queried with real versions.
void BM_IsAffected10Ranges(benchmark::State& state) {
  const Scheme& dpkg = *FindScheme("dpkg");
  std::vector<Version> versions = LoadCorpus(dpkg);
  std::sort(versions.begin(), versions.end(),
            [&](const Version& a, const Version& b) { return dpkg.Compare(a, b) < 0; });
  AffectedSpec spec;
  std::mt19937 rng(7);
  for (int r = 0; r < 10; ++r) {
    size_t a = rng() % (versions.size() - 50);
    RangeSpec range;
    range.events.push_back({RangeEvent::Kind::kIntroduced, r == 0 ? "0" : versions[a].text()});
    range.events.push_back(
        {r == 9 ? RangeEvent::Kind::kLastAffected : RangeEvent::Kind::kFixed, versions[a + 1 + rng() % 40].text()});
    spec.ranges.push_back(range);
  }
  auto entry = AffectedRanges::Build(dpkg, spec);
  if (!entry.ok()) {
    state.SkipWithError(entry.error().message().c_str());
    return;
  }
  std::vector<const Version*> queries(1024);
  for (auto& q : queries) q = &versions[rng() % versions.size()];
  int64_t hits = 0;
  for (auto _ : state) {
    for (const Version* q : queries) hits += entry->IsAffected(*q);
  }
  benchmark::DoNotOptimize(hits);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(queries.size()));
}
BENCHMARK(BM_IsAffected10Ranges);

}  // namespace
}  // namespace vigil::version

BENCHMARK_MAIN();
