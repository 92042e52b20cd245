// Vulnerability-database speed: loading the in-memory index from the store, and looking up a
// package. Targets (issue 4): index load <= 1 s for all of ../shared/data; lookup <= 1 us.
// Needs a database built first, named by VIGIL_BENCH_DB:
//   vigil db --db /tmp/bench-db import ../shared/data/osv ...
//   VIGIL_BENCH_DB=/tmp/bench-db build/bench/bench/vulndb_bench
// bench/vulndb-import.sh does both and records import speed, size and memory.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "vulndb/index.h"
#include "vulndb/sqlite_store.h"
#include "vulndb/store.h"

namespace vigil::vulndb {
namespace {

std::string DbDir() {
  const char* d = std::getenv("VIGIL_BENCH_DB");
  return d ? d : "";
}

std::unique_ptr<Store> OpenStore(benchmark::State& state) {
  auto s = SqliteStore::Open(DbDir(), Store::Mode::kReadOnly);
  if (!s.ok()) {
    state.SkipWithError(("set VIGIL_BENCH_DB to a built database: " + s.error().ToString()).c_str());
    return nullptr;
  }
  return std::move(*s);
}

void BM_IndexLoad(benchmark::State& state) {
  auto store = OpenStore(state);
  if (!store) return;
  for (auto _ : state) {
    auto index = Index::Load(*store);
    if (!index.ok()) {
      state.SkipWithError(index.error().ToString().c_str());
      return;
    }
    state.counters["advisories"] = static_cast<double>((*index)->stats().advisories);
    state.counters["entries"] = static_cast<double>((*index)->stats().entries);
    benchmark::DoNotOptimize(index);
  }
}
BENCHMARK(BM_IndexLoad)->Unit(benchmark::kMillisecond)->Iterations(3)->Repetitions(3)->ReportAggregatesOnly(true);

// Lookups of packages the index holds, in random order (hits), and of names it does not (misses).
void BM_Lookup(benchmark::State& state) {
  auto store = OpenStore(state);
  if (!store) return;
  auto index = Index::Load(*store);
  if (!index.ok()) {
    state.SkipWithError(index.error().ToString().c_str());
    return;
  }
  std::vector<Index::PackageKey> keys = (*index)->Packages();
  bool miss = state.range(0) == 1;
  if (miss) {
    for (auto& k : keys) k.name += "-not-there";
  }
  std::shuffle(keys.begin(), keys.end(), std::mt19937(42));
  size_t i = 0, found = 0;
  for (auto _ : state) {
    const auto& k = keys[i++ % keys.size()];
    auto entries = (*index)->Lookup(k.family, k.release, k.name);
    found += entries.size();
    benchmark::DoNotOptimize(entries);
  }
  state.counters["packages"] = static_cast<double>(keys.size());
  benchmark::DoNotOptimize(found);
}
BENCHMARK(BM_Lookup)->Arg(0)->Arg(1)->ArgNames({"miss"});

}  // namespace
}  // namespace vigil::vulndb

BENCHMARK_MAIN();
