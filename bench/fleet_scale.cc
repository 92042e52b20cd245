// The fleet at scale (issue 14, "Scale"): a synthetic fleet of 10,000 running containers over
// 2,000 images, generated deterministically from real inventories, stored with the whole
// advisory database's findings; then what answering advisory changes costs on it.
//
//   fleet_scale DATA_DIR DB_DIR OUT_DIR [--images N] [--containers N] [--rounds N] [--seed N]
//               [--generate-only]
//
// DATA_DIR is ../shared/data (its pkgdb/ fixtures), DB_DIR a database `vigil db import` built from
// it (bench/fleet-scale.sh does both and then runs a real `vigil serve` on OUT_DIR). The generator:
//   base package sets  30, from 12 real OS package sets: the test images' Debian 12 inventories
//                      (tests/match/testdata/images base and app) and the dpkg, apk and rpm
//                      databases of DATA_DIR/pkgdb (Debian 10/11/12, Ubuntu 18.04, Alpine 3.4/3.16/
//                      3.18, AlmaLinux 8/9), each catalogued by vigil from a root folder with an
//                      os-release; the popular ones in several point-release variants (a share of
//                      their versions one step older), one shared base layer (diff_id) each
//   application stacks the language packages of the test images (app, many) and of 13 lock files
//                      of DATA_DIR/pkgdb (npm, yarn, pnpm, Pipfile, poetry, Cargo, Gemfile,
//                      composer, NuGet), catalogued the same way
//   images             a base (Zipf-weighted: a few bases carry most images) + 0-2 stacks, with per
//                      image variations: a quarter of the language packages left out, a quarter one
//                      version step older, and sometimes a few OS packages older; a unique config
//                      digest each
//   containers         every image runs at least once; the rest Zipf-weighted over the images;
//                      25 runtimes (nodes), with namespace and pod; stored with ReplaceContainers
// The store OUT_DIR/fleet.db is what `vigil serve --data OUT_DIR` opens (its cursor is the
// database's newest change, so the server does not re-evaluate at start). Also written:
// OUT_DIR/representative.cdx.json (an image of the most common base, for the `vigil scan` rescan
// baseline) and OUT_DIR/affected-ids.txt (vulnerability ids to ask /v1/affected about: the widest
// first, then every vulnerability of the fleet in a seeded order). Unless --generate-only, the measures run on a copy
// (OUT_DIR/work):
//   one changed advisory   Reevaluate of one existing id (unchanged: empty delta), the server's
//                          path (only those names' advisories loaded), median and p99
//   one new advisory       a new record imported into a copy of the database, for a package few
//                          images have: findings stored, alerts queued, cursor moved (p99)
//   half the fleet         a new record for the package name closest to half of the images
//   1,000 advisories       1,000 existing ids in one Reevaluate; and 1,000 new records in one update
//   whole database         every id of the change log against the whole fleet
//   affected               FleetStore::Affected + each image's summary and containers (what
//                          GET /v1/affected/ID reads), for the widest id and for every id in turn
//   full re-match          the cheapest rescan: every image's inventory matched again in memory
// Prints one line per measure; docs/BENCHMARKS.md ("Fleet at 10,000 containers") has the figures.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "catalog/analyzer.h"
#include "catalog/purl.h"
#include "fleet/fleet_store.h"
#include "match/matcher.h"
#include "sbom/reader.h"
#include "sbom/sbom.h"
#include "vulndb/importer.h"
#include "vulndb/index.h"
#include "vulndb/sqlite_store.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using vigil::catalog::Inventory;
using vigil::catalog::Package;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "fleet_scale: %s\n", what.c_str());
  std::exit(2);
}

template <typename T>
T Must(vigil::Result<T> r, const std::string& what) {
  if (!r.ok()) Die(what + ": " + r.error().ToString());
  return std::move(*r);
}

void MustOk(const vigil::Status& s, const std::string& what) {
  if (!s.ok()) Die(what + ": " + s.error().ToString());
}

// "median X ms, p99 Y ms" of `t` (seconds; sorted here).
std::string Percentiles(std::vector<double> t) {
  if (t.empty()) return "no rounds";
  std::sort(t.begin(), t.end());
  char b[96];
  std::snprintf(b, sizeof b, "median %.1f ms, p99 %.1f ms, max %.1f ms", t[t.size() / 2] * 1e3,
                t[std::min(t.size() - 1, t.size() * 99 / 100)] * 1e3, t.back() * 1e3);
  return b;
}

// One version step older: the last run of digits lowered by one when it is above zero
// ("2.36-9+deb12u4" → "2.36-9+deb12u3", "1.0.2" → "1.0.1"); the version unchanged otherwise.
std::string OlderVersion(const std::string& v) {
  size_t end = v.find_last_of("0123456789");
  if (end == std::string::npos) return v;
  size_t begin = v.find_last_not_of("0123456789", end);
  begin = begin == std::string::npos ? 0 : begin + 1;
  std::string digits = v.substr(begin, end + 1 - begin);
  if (digits.size() > 6) return v;
  long n = std::atol(digits.c_str());
  if (n <= 0) return v;
  return v.substr(0, begin) + std::to_string(n - 1) + v.substr(end + 1);
}

void MakeOlder(Package& p) {
  std::string old = p.version;
  p.version = OlderVersion(old);
  if (p.version == old) return;
  size_t at = p.purl.find("@" + vigil::catalog::PurlEncode(old));
  if (at == std::string::npos) at = p.purl.find("@" + old);
  if (at != std::string::npos) {
    size_t end = p.purl.find_first_of("?#", at);
    p.purl.replace(at + 1, (end == std::string::npos ? p.purl.size() : end) - at - 1,
                   vigil::catalog::PurlEncode(p.version));
  }
}

// A root folder made of fixture files (copied under their catalogued names) and an os-release,
// catalogued by vigil as `vigil sbom dir:ROOT` would.
Inventory Catalogue(const fs::path& root, const std::vector<std::pair<fs::path, std::string>>& files,
                    const std::string& os_release) {
  fs::remove_all(root);
  for (const auto& [from, to] : files) {
    if (!fs::exists(from)) Die("missing fixture " + from.string() + " (is DATA_DIR ../shared/data?)");
    fs::create_directories((root / to).parent_path());
    fs::copy(from, root / to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  }
  if (!os_release.empty()) {
    fs::create_directories(root / "etc");
    std::ofstream(root / "etc/os-release") << os_release;
  }
  vigil::catalog::AnalyzeImageRequest req;
  req.ref = "dir:" + root.string();
  req.options.threads = 1;
  return Must(vigil::catalog::AnalyzeImage(req), "catalogue " + root.string());
}

bool IsOs(const Package& p) { return p.type == "deb" || p.type == "apk" || p.type == "rpm"; }

struct Base {
  std::string name;
  Inventory inv;  // OS packages only, layer 0
  int variants;   // point-release variants of it among the ~30 base package sets
};

struct Stack {
  std::string name;
  std::vector<Package> packages;
};

std::string Hex64(const std::string& prefix, uint64_t a, uint64_t b) {
  char d[96];
  std::snprintf(d, sizeof d, "%s%032llx%032llx", prefix.c_str(), static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return d;
}

// Zipf-like weights 1/(k+1)^s over n items.
std::discrete_distribution<size_t> Zipf(size_t n, double s) {
  std::vector<double> w(n);
  for (size_t k = 0; k < n; ++k) w[k] = 1.0 / std::pow(static_cast<double>(k + 1), s);
  return std::discrete_distribution<size_t>(w.begin(), w.end());
}

struct Options {
  std::string data, db, out;
  size_t images = 2000, containers = 10000, rounds = 200;
  uint64_t seed = 20261207;
  bool generate_only = false;
};

// The lookup name the matcher uses for a package (the source package for debs, as the index).
std::string LookupName(const Package& p) {
  if ((p.type == "deb" || p.type == "apk" || p.type == "rpm") && !p.source_name.empty()) return p.source_name;
  return p.name_space.empty() || p.type != "npm" ? p.name : p.name_space + "/" + p.name;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  Options o;
  std::vector<std::string> pos;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--images") {
      o.images = std::stoul(next());
    } else if (a == "--containers") {
      o.containers = std::stoul(next());
    } else if (a == "--rounds") {
      o.rounds = std::stoul(next());
    } else if (a == "--seed") {
      o.seed = std::stoull(next());
    } else if (a == "--generate-only") {
      o.generate_only = true;
    } else {
      pos.push_back(a);
    }
  }
  if (pos.size() != 3) {
    Die("usage: fleet_scale DATA_DIR DB_DIR OUT_DIR [--images N] [--containers N] [--rounds N] [--seed N] "
        "[--generate-only]");
  }
  o.data = pos[0], o.db = pos[1], o.out = pos[2];
  const fs::path pkgdb = fs::path(o.data) / "pkgdb";
  const fs::path out = o.out;
  fs::create_directories(out);
  const fs::path scratch = out / "roots";

  // ---- the real package sets ----
  auto t_gen = Clock::now();
  auto test_image = [](const char* name) {
    return Must(
        vigil::sbom::ReadSbomFile(std::string(VIGIL_SOURCE_DIR) + "/tests/match/testdata/images/" + name + ".cdx.json"),
        name);
  };
  Inventory app = test_image("app"), many = test_image("many"), bookworm = test_image("base");
  auto os_only = [](Inventory inv) {
    std::erase_if(inv.packages, [](const Package& p) { return !IsOs(p); });
    for (auto& p : inv.packages) p.layer = 0;
    return inv;
  };
  auto os_release = [](const char* id, const char* version) {
    return std::string("ID=") + id + "\nVERSION_ID=\"" + version + "\"\n";
  };
  auto fixture = [&](const std::string& dir, const char* id, const char* version) {
    return os_only(Catalogue(scratch / dir, {{pkgdb / dir, "."}}, os_release(id, version)));
  };
  auto rpm_fixture = [&](const std::string& dir, const std::string& file, const char* id, const char* version) {
    return os_only(Catalogue(scratch / dir, {{pkgdb / dir / file, "var/lib/rpm/" + file}}, os_release(id, version)));
  };
  // Variants per base add up to 30; the Debian test images (the most complete real sets) get the most.
  std::vector<Base> bases = {
      {"debian-12 (test image base)", os_only(bookworm), 8},
      {"debian-12 (test image app)", os_only(app), 4},
      {"ubuntu-18.04 (texlive)", fixture("dpkg/ubuntu-18.04-texlive", "ubuntu", "18.04"), 3},
      {"ubuntu-18.04 (trivy)", fixture("dpkg/ubuntu-18.04-trivy", "ubuntu", "18.04"), 3},
      {"debian-11 (distroless)", fixture("dpkg/distroless-syft", "debian", "11"), 2},
      {"alpine-3.4", fixture("apk/alpine-3.4-trivy-with-invalid-entry", "alpine", "3.4.6"), 2},
      {"alpine-3.16", fixture("apk/alpine-3.16-syft", "alpine", "3.16.0"), 2},
      {"alpine-3.18", fixture("apk/alpine-3.18-scalibr", "alpine", "3.18.0"), 2},
      {"debian-10 (postgresql)", fixture("dpkg/debian-10-postgresql", "debian", "10"), 1},
      {"debian-12 (scalibr)", fixture("dpkg/bookworm-era-scalibr", "debian", "12"), 1},
      {"almalinux-8 (libuuid)", rpm_fixture("rpm/bdb-libuuid-rhel8", "Packages", "almalinux", "8.9"), 1},
      {"almalinux-9 (epoch)", rpm_fixture("rpm/bdb-scalibr-epoch", "Packages", "almalinux", "9.3"), 1},
  };
  std::vector<Stack> stacks;
  for (const auto* inv : {&app, &many}) {
    Stack s{inv == &app ? "test image app" : "test image many", {}};
    for (const auto& p : inv->packages) {
      if (!IsOs(p)) s.packages.push_back(p);
    }
    stacks.push_back(std::move(s));
  }
  {
    const std::vector<std::tuple<std::string, std::string, std::string>> locks = {
        {"npm-v1", "npm/trivy/package-lock_v1.json", "package-lock.json"},
        {"npm-v2", "npm/trivy/package-lock_v2.json", "package-lock.json"},
        {"npm-v3", "npm/trivy/package-lock_v3.json", "package-lock.json"},
        {"yarn", "npm/trivy/yarn_happy.lock", "yarn.lock"},
        {"pnpm", "npm/trivy/pnpm-lock_many.yaml", "pnpm-lock.yaml"},
        {"pipenv", "python/trivy/Pipfile_many.lock", "Pipfile.lock"},
        {"poetry", "python/trivy/poetry_v2_flask.lock", "poetry.lock"},
        {"cargo", "rust/trivy/cargo_normal.lock", "Cargo.lock"},
        {"cargo-v3", "rust/trivy/cargo_v3.lock", "Cargo.lock"},
        {"gem", "ruby/syft/Gemfile.lock", "Gemfile.lock"},
        {"composer", "php/trivy/composer_happy.lock", "composer.lock"},
        {"nuget", "dotnet/syft/packages.lock.json", "packages.lock.json"},
        {"nuget-deps", "dotnet/trivy/happy.deps.json", "app.deps.json"},
    };
    std::vector<std::pair<fs::path, std::string>> files;
    for (const auto& [name, from, to] : locks) files.emplace_back(pkgdb / from, "srv/" + name + "/" + to);
    Inventory langs = Catalogue(scratch / "stacks", files, "");
    for (const auto& [name, from, to] : locks) {
      Stack s{name, {}};
      for (const auto& p : langs.packages) {
        if (p.location.rfind("srv/" + name + "/", 0) == 0) s.packages.push_back(p);
      }
      if (!s.packages.empty()) stacks.push_back(std::move(s));
    }
  }
  fs::remove_all(scratch);

  // ---- ~30 base package sets: point-release variants of the real ones ----
  std::mt19937_64 rng(o.seed);
  struct BaseSet {
    size_t base;
    int variant;
    std::vector<Package> packages;
    std::string diff_id;
  };
  std::vector<BaseSet> sets;
  for (size_t b = 0; b < bases.size(); ++b) {
    for (int v = 0; v < bases[b].variants; ++v) {
      BaseSet s{b, v, bases[b].inv.packages, Hex64("sha256:", 0xba5e0000 + b, static_cast<uint64_t>(v))};
      // Variant v has about 8·v % of its packages one step older: an earlier snapshot of the release.
      for (auto& p : s.packages) {
        if (v > 0 && rng() % 100 < static_cast<uint64_t>(8 * v)) MakeOlder(p);
      }
      sets.push_back(std::move(s));
    }
  }
  // The popular sets first for the Zipf weights, in a fixed shuffle so that base 0 is not always first.
  std::vector<size_t> set_order(sets.size());
  for (size_t i = 0; i < sets.size(); ++i) set_order[i] = i;
  std::shuffle(set_order.begin() + 1, set_order.end(), rng);

  // ---- images ----
  auto pick_set = Zipf(sets.size(), 0.9);
  std::vector<Inventory> images;
  images.reserve(o.images);
  std::vector<size_t> image_set(o.images);
  for (size_t i = 0; i < o.images; ++i) {
    const BaseSet& s = sets[set_order[pick_set(rng)]];
    image_set[i] = &s - sets.data();
    Inventory inv;
    inv.distro = bases[s.base].inv.distro;
    inv.image.config_digest = Hex64("sha256:", 0xc0f1600000000000ull + i, o.seed);
    inv.image.manifest_digest = Hex64("sha256:", 0x3a41f00000000000ull + i, o.seed);
    inv.image.tags = {"registry.example/fleet/svc-" + std::to_string(i) + ":" + std::to_string(1 + rng() % 40)};
    inv.image.format = "oci-archive";
    inv.image.source = inv.image.tags[0];
    vigil::image::Layer base_layer;
    base_layer.index = 0;
    base_layer.diff_id = s.diff_id;
    base_layer.created_by = "base " + bases[s.base].name + " variant " + std::to_string(s.variant);
    vigil::image::Layer app_layer;
    app_layer.index = 1;
    app_layer.diff_id = Hex64("sha256:", 0xa990000000000000ull + i, o.seed);
    inv.image.layers = {base_layer, app_layer};
    inv.image.config.diff_ids = {base_layer.diff_id, app_layer.diff_id};
    inv.packages = s.packages;
    // Sometimes a few OS packages at another version (an image built on another day).
    if (rng() % 10 < 3 && !inv.packages.empty()) {
      for (int k = 0, n = 1 + static_cast<int>(rng() % 3); k < n; ++k)
        MakeOlder(inv.packages[rng() % inv.packages.size()]);
    }
    // Alpine and distroless images carry one application stack; the others 0-2.
    size_t n_stacks = inv.distro.id == "alpine" || s.base == 4 ? 1 : rng() % 3;
    std::set<size_t> chosen;
    while (chosen.size() < n_stacks) chosen.insert(rng() % stacks.size());
    for (size_t st : chosen) {
      for (Package p : stacks[st].packages) {
        unsigned roll = static_cast<unsigned>(rng() % 4);
        if (roll == 0) continue;
        if (roll == 1) MakeOlder(p);
        p.layer = 1;
        inv.packages.push_back(std::move(p));
      }
    }
    images.push_back(std::move(inv));
  }

  // ---- the store: every image with the whole database's findings ----
  auto db = Must(vigil::vulndb::SqliteStore::Open(o.db, vigil::vulndb::Store::Mode::kReadOnly), "open " + o.db);
  auto t_idx = Clock::now();
  auto index = Must(vigil::vulndb::Index::Load(*db), "index load");
  double index_load = Seconds(t_idx, Clock::now());
  fs::remove(out / "fleet.db");
  fs::remove(out / "fleet.db-wal");
  fs::remove(out / "fleet.db-shm");
  size_t packages = 0, findings = 0;
  double match_s = 0;
  std::map<std::string, size_t> hits;  // vulnerability → images
  {
    auto fleet = Must(vigil::fleet::FleetStore::Open((out / "fleet.db").string()), "open the store");
    for (const auto& inv : images) {
      vigil::match::MatchStats stats;
      auto m0 = Clock::now();
      auto found = Must(vigil::match::Match(inv, *index, vigil::match::MatchOptions{}, &stats), "match");
      match_s += Seconds(m0, Clock::now());
      packages += inv.packages.size();
      findings += found.size();
      std::set<std::string> ids;
      for (const auto& f : found) ids.insert(f.id);
      for (const auto& id : ids) ++hits[id];
      Must(fleet->PutImage(inv, found, stats.unchecked), "store an image");
    }
    // Containers: one per image, the rest Zipf-weighted; 25 runtimes (nodes).
    std::vector<size_t> per_image(images.size(), 1);
    auto pick_image = Zipf(images.size(), 0.8);
    for (size_t c = images.size(); c < o.containers; ++c) ++per_image[pick_image(rng)];
    const size_t kNodes = 25;
    std::vector<std::vector<vigil::fleet::ContainerRow>> by_node(kNodes);
    size_t serial = 0;
    for (size_t i = 0; i < images.size(); ++i) {
      for (size_t k = 0; k < per_image[i]; ++k, ++serial) {
        vigil::fleet::ContainerRow r;
        size_t node = rng() % kNodes;
        r.runtime = "unix:///run/node-" + std::to_string(node) + "/docker.sock";
        r.id = Hex64("", 0xc047a1000000ull + serial, o.seed).substr(0, 64);
        r.name = "svc-" + std::to_string(i) + "-" + std::to_string(k);
        r.image_ref = images[i].image.tags[0];
        r.image_id = images[i].image.config_digest;
        r.namespace_ = "team-" + std::to_string(i % 40);
        r.pod = "svc-" + std::to_string(i) + "-" + std::to_string(rng() % 100000);
        r.node = "node-" + std::to_string(node);
        r.started = "2026-12-07T00:00:00Z";
        by_node[node].push_back(std::move(r));
      }
    }
    for (size_t n = 0; n < kNodes; ++n) {
      MustOk(fleet->ReplaceContainers("unix:///run/node-" + std::to_string(n) + "/docker.sock", by_node[n]),
             "containers");
      MustOk(fleet->MarkRuntime("unix:///run/node-" + std::to_string(n) + "/docker.sock", "ok", ""), "runtime");
    }
    int64_t seq = 0;
    for (;;) {
      auto page = Must(db->ChangesSince(seq, 100000), "change log");
      if (page.empty()) break;
      for (const auto& c : page) seq = std::max(seq, c.seq);
    }
    MustOk(fleet->SetCursor(seq), "cursor");
    auto counts = Must(fleet->Count(), "count");
    size_t distinct_sets = 0;
    {
      std::set<size_t> used(image_set.begin(), image_set.end());
      distinct_sets = used.size();
    }
    std::printf(
        "fleet: %zu images over %zu base package sets (%zu real OS package sets, %zu application stacks), "
        "%llu containers on %zu runtimes, %zu packages, %zu findings, %zu vulnerabilities\n",
        images.size(), distinct_sets, bases.size(), stacks.size(), static_cast<unsigned long long>(counts.containers),
        kNodes, packages, findings, hits.size());
    std::printf("generated and stored in %.1f s (index load %.2f s, match %.1f s); store %.1f MB\n",
                Seconds(t_gen, Clock::now()), index_load, match_s, static_cast<double>(counts.bytes) / 1e6);
  }
  {
    // The representative inventory for the rescan baseline: the largest image of the most used base set.
    size_t best = 0;
    std::map<size_t, size_t> uses;
    for (size_t s : image_set) ++uses[s];
    size_t top =
        std::max_element(uses.begin(), uses.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
    for (size_t i = 0; i < images.size(); ++i) {
      if (image_set[i] == top && images[i].packages.size() > images[best].packages.size()) best = i;
    }
    if (image_set[best] != top) best = std::find(image_set.begin(), image_set.end(), top) - image_set.begin();
    vigil::sbom::WriteOptions wo;
    wo.timestamp = "2026-12-07T00:00:00Z";
    std::ofstream(out / "representative.cdx.json") << vigil::sbom::WriteCycloneDx(images[best], wo);
    std::vector<std::pair<size_t, std::string>> by_hits;
    for (const auto& [id, n] : hits) by_hits.emplace_back(n, id);
    std::sort(by_hits.rbegin(), by_hits.rend());
    size_t widest = by_hits.empty() ? 0 : by_hits[0].first;
    // The widest first (the single-request figure), then every vulnerability of the fleet in a
    // seeded order: what the wrk runs ask for in turn, so each is asked as often as any other.
    std::ofstream ids(out / "affected-ids.txt");
    if (!by_hits.empty()) ids << by_hits[0].second << "\n";
    std::shuffle(by_hits.begin() + (by_hits.empty() ? 0 : 1), by_hits.end(), rng);
    for (size_t k = 1; k < by_hits.size(); ++k) ids << by_hits[k].second << "\n";
    std::printf("representative image: %zu packages; widest vulnerability %s in %zu images\n",
                images[best].packages.size(), by_hits.empty() ? "-" : by_hits[0].second.c_str(), widest);
  }
  if (o.generate_only) return 0;

  // ---- the measures, on copies ----
  const fs::path work = out / "work";
  fs::remove_all(work);
  fs::create_directories(work);
  fs::copy(out / "fleet.db", work / "fleet.db");
  fs::copy(o.db, work / "db", fs::copy_options::recursive);
  auto fleet = Must(vigil::fleet::FleetStore::Open((work / "fleet.db").string()), "open the copy");
  auto wdb = Must(vigil::vulndb::SqliteStore::Open((work / "db").string(), vigil::vulndb::Store::Mode::kReadWrite),
                  "open the database copy");
  // As the server reads an update's advisories (src/fleet/server.cc, EvaluatePending): those of the
  // names concerned, or past 300 names the whole database's index (faster then).
  vigil::fleet::FleetStore::IndexForNames by_name =
      [&wdb](const std::vector<std::string>& names) -> vigil::Result<std::shared_ptr<const vigil::vulndb::Index>> {
    auto idx = names.size() > 300 ? vigil::vulndb::Index::Load(*wdb) : vigil::vulndb::Index::LoadForNames(*wdb, names);
    if (!idx.ok()) return idx.error();
    return std::shared_ptr<const vigil::vulndb::Index>(std::move(*idx));
  };
  int64_t seq = Must(fleet->Cursor(), "cursor");

  // Existing advisory records that name packages of the fleet (the change log's ids are record ids:
  // DSA-…, DEBIAN-CVE-…, GHSA-…), in a fixed shuffle.
  std::vector<std::string> ids;
  {
    std::set<std::string> names;
    for (const auto& inv : images) {
      for (auto& n : vigil::match::NeedsOf(inv).names) names.insert(std::move(n));
    }
    ids = Must(wdb->IdsAffecting(std::vector<std::string>(names.begin(), names.end())), "ids affecting");
    std::shuffle(ids.begin(), ids.end(), rng);
    std::printf("advisory records naming packages of the fleet: %zu (of %zu names)\n", ids.size(), names.size());
  }
  if (ids.empty()) Die("no advisory names a package of the fleet: is DB_DIR built from ../shared/data?");

  // The server's path (only the changed names' advisories loaded per update), or the whole
  // database's index held in memory (loaded once; valid while the database does not change).
  auto reeval = [&](bool in_memory, const std::vector<std::string>& changed) {
    return in_memory ? fleet->Reevaluate(*wdb, *index, changed, vigil::fleet::ReevaluateOptions{})
                     : fleet->Reevaluate(*wdb, by_name, changed, vigil::fleet::ReevaluateOptions{});
  };
  auto path_name = [](bool in_memory) { return in_memory ? "whole index in memory" : "server path, names loaded"; };
  auto report_phases = [](const std::vector<std::pair<std::string, double>>& sum, size_t n) {
    std::printf("  phases per round:");
    for (const auto& [name, s] : sum) std::printf(" %s %.2f ms", name.c_str(), s / static_cast<double>(n) * 1e3);
    std::printf("\n");
  };
  auto add_phases = [](std::vector<std::pair<std::string, double>>& sum, const vigil::fleet::Delta& d) {
    for (size_t i = 0; i < d.phases.size(); ++i) {
      if (sum.size() <= i) sum.emplace_back(d.phases[i].first, 0.0);
      sum[i].second += d.phases[i].second;
    }
  };

  for (bool mem : {false, true}) {
    std::vector<double> t;
    std::vector<std::pair<std::string, double>> phases;
    size_t evaluated = 0, groups = 0;
    for (size_t r = 0; r < o.rounds; ++r) {
      auto a = Clock::now();
      auto d = Must(reeval(mem, {ids[r % ids.size()]}), "reevaluate");
      t.push_back(Seconds(a, Clock::now()));
      if (!d.added.empty() || !d.resolved.empty()) Die("an unchanged database gave a delta");
      evaluated += d.images_evaluated;
      groups += d.groups;
      add_phases(phases, d);
    }
    std::printf(
        "one changed advisory (content unchanged, empty delta; %s): %s (%zu rounds; %.0f images, "
        "%.0f package sets evaluated on average)\n",
        path_name(mem), Percentiles(t).c_str(), o.rounds, static_cast<double>(evaluated) / o.rounds,
        static_cast<double>(groups) / o.rounds);
    report_phases(phases, o.rounds);
  }

  // 1,000 advisories in one update: existing ids (records changed upstream, findings unchanged).
  for (bool mem : {false, true}) {
    std::vector<double> t;
    vigil::fleet::Delta last;
    for (int r = 0; r < 5; ++r) {
      std::vector<std::string> batch;
      for (size_t k = 0; k < 1000 && k < ids.size(); ++k) batch.push_back(ids[(r * 1000 + k) % ids.size()]);
      auto a = Clock::now();
      last = Must(reeval(mem, batch), "reevaluate 1000");
      t.push_back(Seconds(a, Clock::now()));
    }
    std::printf(
        "1,000 changed advisories (content unchanged) in one update (%s): %s (5 rounds; %zu names, %zu "
        "images)\n",
        path_name(mem), Percentiles(t).c_str(), last.names, last.images_evaluated);
    report_phases(last.phases, 1);
  }
  // The whole database against the whole fleet: every id of the change log.
  for (bool mem : {false, true}) {
    std::vector<std::string> every;
    for (const auto& [id, meta] : Must(wdb->AllMeta(), "all ids")) every.push_back(id);

    std::vector<double> t;
    vigil::fleet::Delta last;
    for (int r = 0; r < 3; ++r) {
      auto a = Clock::now();
      last = Must(reeval(mem, every), "reevaluate all");
      t.push_back(Seconds(a, Clock::now()));
    }
    std::printf(
        "whole database (%zu advisories) against the whole fleet (%s): %s (3 rounds; %zu names, %zu of %zu "
        "images)\n",
        every.size(), path_name(mem), Percentiles(t).c_str(), last.names, last.images_evaluated, last.images_in_fleet);
    report_phases(last.phases, 1);
  }

  // What GET /v1/affected/ID reads from the store: the findings naming it, then each image's
  // summary and its running containers. Before this bench, the handler called FindImage and
  // ContainersOf per image; now the summaries come from a list the server keeps (FleetStore::Images
  // once, until it writes images or findings; its cost is printed apart). Both are measured, on few
  // rounds for the widest vulnerability (seconds each: ContainersOf, docs/BENCHMARKS.md).
  {
    std::vector<std::string> asked;
    {
      std::ifstream f(out / "affected-ids.txt");
      for (std::string l; std::getline(f, l);) asked.push_back(l);
    }
    {
      std::vector<double> t;
      for (int r = 0; r < 10; ++r) {
        auto a = Clock::now();
        Must(fleet->Images(), "images");
        t.push_back(Seconds(a, Clock::now()));
      }
      std::printf("FleetStore::Images (the summaries the server keeps; GET /v1/images reads them): %s (10 rounds)\n",
                  Percentiles(t).c_str());
    }
    for (bool before : {true, false}) {
      for (const auto& [label, list] :
           {std::pair<std::string, std::vector<std::string>>("the widest vulnerability (" + asked[0] + ")", {asked[0]}),
            std::pair<std::string, std::vector<std::string>>(
                "each of the " + std::to_string(asked.size()) + " vulnerabilities in turn", asked)}) {
        std::vector<double> t;
        size_t n_images = 0, n_containers = 0;
        size_t rounds = before || list.size() == 1 ? 3 : o.rounds;
        for (size_t r = 0; r < rounds; ++r) {
          auto a = Clock::now();
          auto rows = Must(fleet->Affected(list[r % list.size()]), "affected");
          std::set<int64_t> imgs;
          for (const auto& f : rows) imgs.insert(f.image);
          for (int64_t i : imgs) {
            if (before) Must(fleet->FindImage(std::to_string(i)), "find image");
            n_containers += Must(fleet->ContainersOf(i), "containers of").size();
          }
          t.push_back(Seconds(a, Clock::now()));
          n_images += imgs.size();
        }
        std::printf(
            "affected, %s, the handler's store reads (%s): %s (%zu rounds; %.0f images, %.0f containers "
            "each)\n",
            label.c_str(), before ? "before: per-image lookups" : "now", Percentiles(t).c_str(), rounds,
            static_cast<double>(n_images) / rounds, static_cast<double>(n_containers) / rounds);
      }
    }
  }

  // New records: written as OSV JSON lines, imported into the database copy, then evaluated as the
  // server evaluates an update (names' advisories loaded, cursor moved, alerts queued).
  std::map<std::string, std::set<size_t>> name_images;           // "eco\tname" → images
  std::map<std::string, std::set<std::string>> name_ecosystems;  // name → "Debian:12", "npm", ...
  for (size_t i = 0; i < images.size(); ++i) {
    auto key = vigil::match::DistroFor(images[i].distro);
    for (const auto& p : images[i].packages) {
      std::string eco;
      if (p.type == "deb" && key.ok()) eco = key->family + ":" + key->release;
      if (p.type == "npm") eco = "npm";
      if (eco.empty()) continue;
      std::string name = LookupName(p);
      name_images[name].insert(i);
      name_ecosystems[name].insert(eco);
    }
  }
  int serial = 0;
  auto record = [&](const std::string& name) {
    std::string id = "VIGIL-SCALE-" + std::to_string(++serial);
    std::string affected;
    auto ecos = name_ecosystems.find(name);
    for (const auto& eco : ecos == name_ecosystems.end() ? std::set<std::string>{"npm"} : ecos->second) {
      bool npm = eco == "npm";
      if (!affected.empty()) affected += ",";
      affected += R"({"package":{"ecosystem":")" + eco + R"(","name":")" + name + R"("},"ranges":[{"type":")" +
                  (npm ? "SEMVER" : "ECOSYSTEM") + R"(","events":[{"introduced":"0"},{"fixed":")" +
                  (npm ? "999.0.0" : "99:1") + R"("}]}]})";
    }
    return R"({"id":")" + id + R"(","modified":"2026-12-07T00:00:00Z","summary":"bench","affected":[)" + affected +
           "]}";
  };
  auto import_and_evaluate = [&](const std::vector<std::string>& lines, vigil::fleet::Delta* out_delta) {
    fs::path file = work / ("new-" + std::to_string(serial) + ".jsonl");
    {
      std::ofstream f(file);
      for (const auto& l : lines) f << l << "\n";
    }
    vigil::vulndb::ImportReport report;
    MustOk(vigil::vulndb::Import(*wdb, {{file.string(), "bench", {}}}, vigil::vulndb::ImportOptions{}, &report),
           "import");
    std::vector<std::string> changed;
    for (;;) {
      auto page = Must(wdb->ChangesSince(seq, 100000), "change log");
      if (page.empty()) break;
      for (const auto& c : page) {
        changed.push_back(c.id);
        seq = std::max(seq, c.seq);
      }
    }
    vigil::fleet::ReevaluateOptions ro;
    ro.cursor = seq;
    auto a = Clock::now();
    *out_delta = Must(fleet->Reevaluate(*wdb, by_name, changed, ro), "reevaluate new");
    return Seconds(a, Clock::now());
  };
  {
    // A package few images have, and the one closest to half the fleet.
    std::string rare, half;
    size_t rare_n = SIZE_MAX, half_gap = SIZE_MAX;
    for (const auto& [name, set] : name_images) {
      size_t n = set.size();
      if (n >= 3 && n < rare_n) rare = name, rare_n = n;
      size_t gap = n > images.size() / 2 ? n - images.size() / 2 : images.size() / 2 - n;
      if (gap < half_gap) half = name, half_gap = gap;
    }
    for (const auto& [name, label, rounds] :
         {std::tuple(rare, "a package few images have", o.rounds),
          std::tuple(half, "the package closest to half the fleet", std::max<size_t>(5, o.rounds / 20))}) {
      std::vector<double> t;
      std::vector<std::pair<std::string, double>> phases;
      size_t added = 0, alerts = 0;
      for (size_t r = 0; r < rounds; ++r) {
        vigil::fleet::Delta d;
        t.push_back(import_and_evaluate({record(name)}, &d));
        added += d.added.size();
        alerts += d.alerts;
        add_phases(phases, d);
      }
      std::string ecos;
      for (const auto& e : name_ecosystems[name]) ecos += (ecos.empty() ? "" : ",") + e;
      std::printf(
          "one new advisory for %s (%s in %s, %zu images): %s; %.0f findings and %.0f alerts stored per "
          "advisory (%zu rounds)\n",
          label, name.c_str(), ecos.c_str(), name_images[name].size(), Percentiles(t).c_str(),
          static_cast<double>(added) / rounds, static_cast<double>(alerts) / rounds, rounds);
      report_phases(phases, rounds);
    }
  }

  // 1,000 new records in one update, as a day of a real feed: most name packages the fleet does not
  // have; one in ten names a package of the fleet (picked at random; every version affected, so it
  // hits every image with that name).
  {
    std::vector<std::string> names;
    for (const auto& [name, set] : name_images) names.push_back(name);
    std::vector<double> t;
    vigil::fleet::Delta last;
    size_t added = 0, alerts = 0;
    for (int r = 0; r < 3; ++r) {
      std::vector<std::string> lines;
      for (int k = 0; k < 1000; ++k) {
        lines.push_back(record(k % 10 == 0 ? names[rng() % names.size()]
                                           : "vigil-scale-absent-" + std::to_string(r) + "-" + std::to_string(k)));
      }
      t.push_back(import_and_evaluate(lines, &last));
      added += last.added.size();
      alerts += last.alerts;
    }
    std::printf(
        "1,000 new advisories (100 naming fleet packages) in one update: %s (3 rounds; last: %zu names, %zu images; "
        "%zu findings and "
        "%zu alerts stored per update on average)\n",
        Percentiles(t).c_str(), last.names, last.images_evaluated, added / 3, alerts / 3);
    report_phases(last.phases, 1);
  }

  // The cheapest rescan: the whole index loaded and every inventory matched again in memory.
  {
    auto a = Clock::now();
    auto full = Must(vigil::vulndb::Index::Load(*db), "index");
    for (const auto& inv : images) Must(vigil::match::Match(inv, *full, vigil::match::MatchOptions{}), "match");
    std::printf("full re-match in memory (index load + match of every image, no image read): %.2f s\n",
                Seconds(a, Clock::now()));
  }
  fleet.reset();
  wdb.reset();
  fs::remove_all(work);
  return 0;
}
