#include "runtime/attribution.h"

#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <list>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "runtime/internal/proc.h"

namespace vigil::runtime {
namespace {

enum class KeyKind : uint8_t { kCgroup, kMntNs };

// kCgroup: value = the v2 cgroup id, value2 = the v1 memory cgroup id (0 on pure v2 hosts).
// kMntNs: value = the namespace inode, value2 = 0.
struct Key {
  KeyKind kind;
  uint64_t value;
  uint64_t value2 = 0;
  bool operator==(const Key&) const = default;
  bool empty() const { return value == 0 && value2 == 0; }
};

Key CgroupKey(const EventOrigin& o) { return Key{KeyKind::kCgroup, o.cgroup_id, o.cgroup_v1_id}; }
Key MntKey(const EventOrigin& o) { return Key{KeyKind::kMntNs, o.mnt_ns}; }

struct KeyHash {
  size_t operator()(const Key& k) const {
    // Cgroup ids and namespace inodes are small, dense numbers; spread them.
    uint64_t x = (k.value << 1 | static_cast<uint64_t>(k.kind)) * 0x9E3779B97F4A7C15ull;
    x ^= k.value2 * 0xC2B2AE3D27D4EB4Full;
    return static_cast<size_t>(x ^ (x >> 32));
  }
};

// The metadata of one container id, shared by all entries (keys) naming that container.
struct MetaSlot {
  MetadataState state = MetadataState::kPending;
  std::shared_ptr<const ContainerMetadata> data;
};

struct Entry {
  Key key;
  std::shared_ptr<const ContainerRef> ref;  // null while pending
  std::shared_ptr<MetaSlot> meta;           // null for hosts, pending entries, no resolver
  int32_t last_pid = 0;                     // pending: the pid last read without success
  uint64_t cgroup_id = 0;                   // mount-namespace entries: the event's cgroup ids
  uint64_t cgroup_v1_id = 0;
  uint64_t stamp_ns = 0;  // when resolved or last revalidated
};

// The outcome of reading one process from /proc.
struct ProcRead {
  // The order indexes the counters bumped in Attributor::Attribute.
  enum Kind { kOk, kVanished, kMismatch, kError } kind = kError;
  ProcCgroup cgroup;
};

ProcRead::Kind KindOf(const Error& e) {
  return e.code() == ErrorCode::kNotFound ? ProcRead::kVanished : ProcRead::kError;
}

uint64_t SteadyNowNs() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

}  // namespace

struct Attributor::Core {
  explicit Core(AttributorOptions o) : options(std::move(o)), proc(options.proc_root) {
    if (options.max_entries == 0) options.max_entries = 1;
    if (!options.clock) options.clock = SteadyNowNs;
  }

  AttributorOptions options;
  ProcFs proc;

  mutable std::mutex mu;
  std::unordered_map<uint64_t, uint64_t> last_scan;  // mount namespace → last sibling scan
  std::list<Entry> lru;                              // most recently used first
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index;
  // By container id. Slots outlive their entries until a sweep, so that a container whose
  // answers cannot be cached is not asked about again on every event.
  std::unordered_map<std::string, std::shared_ptr<MetaSlot>> slots;

  struct Counters {
    std::atomic<uint64_t> hits{0}, misses{0}, resolved{0}, unresolved{0}, backfilled{0}, evictions{0}, vanished{0},
        pid_mismatches{0}, proc_errors{0}, metadata_requests{0}, metadata_ready{0}, metadata_failed{0}, siblings{0},
        cgroup_paths{0};
  } n;

  static void Bump(std::atomic<uint64_t>& c) { c.fetch_add(1, std::memory_order_relaxed); }

  // --- everything below with `mu` held, except ReadProc ---

  Entry* Find(const Key& key) const {
    if (key.empty()) return nullptr;
    auto it = index.find(key);
    return it == index.end() ? nullptr : &*it->second;
  }

  void Touch(const Entry* e) {
    auto it = index.find(e->key);
    lru.splice(lru.begin(), lru, it->second);
  }

  // A mount-namespace entry may describe a freed namespace whose inode the kernel gave to a
  // new one: re-read it when old, or when a container's events come from another cgroup.
  bool Fresh(const Entry& e, const EventOrigin& o, uint64_t now, bool check_age) const {
    if (check_age && now - e.stamp_ns > options.mnt_ns_ttl_ns) return false;
    // Another cgroup in the same mount namespace means a process moved: for a container entry,
    // the namespace's inode was reused; for a host entry, a runtime's exec (runc joins the
    // container's mount namespace before it moves into the container's cgroups). Re-read both.
    auto differs = [](uint64_t a, uint64_t b) { return a != 0 && b != 0 && a != b; };
    return !differs(o.cgroup_id, e.cgroup_id) && !differs(o.cgroup_v1_id, e.cgroup_v1_id);
  }

  // The resolved entry answering `o`, or null. Sets *stale to a mount-namespace entry that
  // must be revalidated.
  Entry* Lookup(const EventOrigin& o, uint64_t now, bool check_age, Entry** stale) const {
    Entry* cg = Find(CgroupKey(o));
    if (cg != nullptr && cg->ref) return cg;
    Entry* mn = Find(MntKey(o));
    if (mn != nullptr && mn->ref) {
      if (Fresh(*mn, o, now, check_age)) return mn;
      if (stale != nullptr) *stale = mn;
    }
    return nullptr;
  }

  // True when every key of `o` has a pending entry last tried with this very pid: reading
  // /proc again would fail again. A key without an entry (e.g. the same process seen again
  // after runc moved it into the container's cgroups) is worth a read.
  bool TriedAlready(const EventOrigin& o) const {
    Key keys[] = {CgroupKey(o), MntKey(o)};
    bool any = false;
    for (const Key& key : keys) {
      if (key.empty()) continue;
      Entry* e = Find(key);
      if (e == nullptr || e->last_pid != o.pid) return false;
      any = true;
    }
    return any;
  }

  static Attribution Answer(const Entry& e) {
    Attribution a;
    a.resolved = true;
    a.container = e.ref;
    if (e.meta) {
      a.metadata_state = e.meta->state;
      a.metadata = e.meta->data;
    }
    return a;
  }

  void Evict() {
    while (index.size() > options.max_entries) {
      index.erase(lru.back().key);
      lru.pop_back();
      Bump(n.evictions);
    }
  }

  Entry& Upsert(Key key) {
    auto it = index.find(key);
    if (it != index.end()) {
      lru.splice(lru.begin(), lru, it->second);
      return *it->second;
    }
    lru.push_front(Entry{key, nullptr, nullptr, 0, 0, 0, 0});
    index.emplace(key, lru.begin());
    return lru.front();
  }

  void Erase(Key key) {
    auto it = index.find(key);
    if (it == index.end()) return;
    lru.erase(it->second);
    index.erase(it);
  }

  // The metadata slot for a container; `*request` is set when it was just created.
  std::shared_ptr<MetaSlot> SlotFor(const ContainerRef& ref, bool* request) {
    if (!ref.is_container() || !options.resolver) return nullptr;
    std::shared_ptr<MetaSlot>& slot = slots[ref.id];
    if (slot) return slot;
    slot = std::make_shared<MetaSlot>();
    *request = true;
    std::shared_ptr<MetaSlot> out = slot;
    // At most max_entries slots are held by entries, so a sweep at twice that frees at least
    // half: amortised constant time. In-flight requests hold theirs until answered.
    if (slots.size() > 2 * options.max_entries + 64) {
      std::erase_if(slots, [](const auto& kv) { return kv.second.use_count() == 1; });
    }
    return out;
  }

  // Caches a successful read under the keys it is valid for and returns the answer.
  // `*requested` is set to the metadata slot when this container id is new.
  Attribution StoreResolved(const EventOrigin& o, const ProcCgroup& cg, uint64_t now,
                            std::shared_ptr<MetaSlot>* requested) {
    auto ref = std::make_shared<const ContainerRef>(cg.container);
    bool request = false;
    std::shared_ptr<MetaSlot> slot = SlotFor(*ref, &request);
    if (request) *requested = slot;
    bool by_cgroup = false;
    if (o.cgroup_v1_id == 0) {
      // The kernel's cgroup id is a cgroup v2 id. It names this container only when the
      // container was read from the v2 line; a host answer is safe under it only on a pure v2
      // system. On hybrid systems a runtime may leave containers in a shared v2 cgroup.
      by_cgroup = cg.from_unified || (!cg.container.is_container() && cg.has_unified && cg.v1_lines == 0);
    } else {
      // The pair (v2 id, memory v1 id) names the process's cgroups in both hierarchies. It
      // identifies the answer when the memory cgroup's path names it (for a host: names no
      // container) and the v2 path names it or no container (a shared v2 root). While runc
      // moves a process controller by controller the lines disagree: then the pair is not used.
      auto same = [&](const std::string& path) { return ContainerFromCgroupPath(path) == cg.container; };
      bool v2_ok = !cg.has_unified || same(cg.unified_path) || !ContainerFromCgroupPath(cg.unified_path).is_container();
      by_cgroup = cg.has_v1_memory && same(cg.v1_memory_path) && v2_ok;
    }
    auto put = [&](Key key) {
      Entry& e = Upsert(key);
      if (!e.ref && e.last_pid != 0) Bump(n.backfilled);
      e.ref = ref;
      e.meta = slot;
      e.last_pid = 0;
      e.cgroup_id = o.cgroup_id;
      e.cgroup_v1_id = o.cgroup_v1_id;
      e.stamp_ns = now;
    };
    if (!CgroupKey(o).empty()) {
      if (by_cgroup) {
        put(CgroupKey(o));
      } else {
        Erase(CgroupKey(o));  // a pending entry there would never fill
      }
    }
    if (o.mnt_ns != 0) put(MntKey(o));
    Evict();
    Attribution a;
    a.resolved = true;
    a.container = std::move(ref);
    if (slot) a.metadata_state = slot->state;
    return a;
  }

  void StorePending(const EventOrigin& o) {
    for (Key key : {CgroupKey(o), MntKey(o)}) {
      if (key.empty()) continue;
      Entry& e = Upsert(key);
      if (!e.ref) e.last_pid = o.pid;
    }
    Evict();
  }

  // Reads the process of `o` without the lock held.
  // Whether a /proc scan for another process of `mnt_ns` may run now (once a second per
  // namespace). Takes `mu`.
  bool MayScan(uint64_t mnt_ns, uint64_t now) {
    std::lock_guard lock(mu);
    if (last_scan.size() > 4096) last_scan.clear();
    uint64_t& last = last_scan[mnt_ns];
    if (last != 0 && now - last < 1'000'000'000) return false;
    last = now;
    return true;
  }

  // The event's own cgroups, from their ids through the cgroup file systems (needs the mounts
  // configured): the answer for a process that has exited, as long as its cgroup exists. The
  // container is chosen as ParseProcCgroup does: the v2 path when it names one, else the memory
  // controller's path.
  ProcRead ReadByCgroupIds(const EventOrigin& o) const {
    ProcRead out;
    bool v2 = o.cgroup_id != 0 && !options.cgroup2_mount.empty();
    bool v1 = o.cgroup_v1_id != 0 && !options.cgroup_v1_memory_mount.empty();
    if (!v1 && !v2) return out;
    ProcCgroup cg;
    if (v2) {
      auto path = CgroupPathById(options.cgroup2_mount, o.cgroup_id);
      if (!path.ok()) return out;
      cg.has_unified = true;
      cg.unified_path = *path;
    }
    if (v1) {
      auto path = CgroupPathById(options.cgroup_v1_memory_mount, o.cgroup_v1_id);
      if (!path.ok()) return out;
      cg.has_v1_memory = true;
      cg.v1_memory_path = *path;
      cg.v1_lines = 1;
    }
    ContainerRef from_v2 = v2 ? ContainerFromCgroupPath(cg.unified_path) : ContainerRef{};
    if (from_v2.is_container()) {
      cg.container = from_v2;
      cg.from_unified = true;
    } else if (v1) {
      cg.container = ContainerFromCgroupPath(cg.v1_memory_path);
    }
    out.kind = ProcRead::kOk;
    out.cgroup = std::move(cg);
    return out;
  }

  // Another live process of the event's mount namespace, read with the event's checks.
  ProcRead ReadSibling(const EventOrigin& o) const {
    ProcRead out;
    auto pids = proc.Pids();
    if (!pids.ok()) return out;
    for (int32_t pid : *pids) {
      if (pid == o.pid) continue;
      auto p = proc.Open(pid);
      if (!p.ok()) continue;
      auto ns = p->NamespaceInode(Namespace::kMnt);
      if (!ns.ok() || *ns != o.mnt_ns) continue;
      EventOrigin s = o;
      s.pid = pid;
      s.tid = 0;
      ProcRead r = ReadProc(s);
      if (r.kind == ProcRead::kOk) return r;
    }
    return out;
  }

  ProcRead ReadProc(const EventOrigin& o) const {
    ProcRead out;
    auto p = o.tid > 0 && o.tid != o.pid ? proc.OpenThread(o.pid, o.tid) : proc.Open(o.pid);
    if (!p.ok()) {
      out.kind = KindOf(p.error());
      return out;
    }
    if (o.mnt_ns != 0) {
      auto ns = p->NamespaceInode(Namespace::kMnt);
      if (!ns.ok()) {
        out.kind = KindOf(ns.error());
        return out;
      }
      if (*ns != o.mnt_ns) {
        out.kind = ProcRead::kMismatch;
        return out;
      }
    }
    auto cg = p->Cgroup();
    if (!cg.ok()) {
      out.kind = KindOf(cg.error());
      return out;
    }
    // The event's cgroup ids against the inodes of the live process's cgroup directories.
    auto check = [&](uint64_t id, const std::string& mount, bool has, const std::string& path) {
      if (id == 0 || mount.empty() || !has) return ProcRead::kOk;
      std::string dir = mount;
      if (path != "/") dir += path;
      struct stat st {};
      if (::stat(dir.c_str(), &st) != 0) {
        // The cgroup was removed: its last process has gone.
        return errno == ENOENT ? ProcRead::kVanished : ProcRead::kError;
      }
      return static_cast<uint64_t>(st.st_ino) == id ? ProcRead::kOk : ProcRead::kMismatch;
    };
    out.kind = check(o.cgroup_id, options.cgroup2_mount, cg->has_unified, cg->unified_path);
    if (out.kind != ProcRead::kOk) return out;
    out.kind = check(o.cgroup_v1_id, options.cgroup_v1_memory_mount, cg->has_v1_memory, cg->v1_memory_path);
    if (out.kind != ProcRead::kOk) return out;
    out.kind = ProcRead::kOk;
    out.cgroup = std::move(cg).value();
    return out;
  }
};

Attributor::Attributor(AttributorOptions options) : core_(std::make_shared<Core>(std::move(options))) {}

Attributor::~Attributor() = default;

Attribution Attributor::Attribute(const EventOrigin& o) {
  Core& c = *core_;
  uint64_t now = c.options.clock();
  {
    std::lock_guard lock(c.mu);
    Entry* stale = nullptr;
    if (Entry* e = c.Lookup(o, now, true, &stale)) {
      c.Touch(e);
      Core::Bump(c.n.hits);
      return Core::Answer(*e);
    }
    Core::Bump(c.n.misses);
    if (stale == nullptr && c.TriedAlready(o)) {
      Core::Bump(c.n.unresolved);
      return {};
    }
  }

  ProcRead read = c.ReadProc(o);
  std::atomic<uint64_t>* by_kind[] = {&c.n.resolved, &c.n.vanished, &c.n.pid_mismatches, &c.n.proc_errors};
  Core::Bump(*by_kind[read.kind]);
  if (read.kind == ProcRead::kVanished || read.kind == ProcRead::kMismatch) {
    ProcRead by_ids = c.ReadByCgroupIds(o);
    if (by_ids.kind == ProcRead::kOk) {
      read = std::move(by_ids);
      Core::Bump(c.n.cgroup_paths);
    }
  }
  if ((read.kind == ProcRead::kVanished || read.kind == ProcRead::kMismatch) && o.mnt_ns != 0 &&
      c.MayScan(o.mnt_ns, now)) {
    ProcRead sibling = c.ReadSibling(o);
    if (sibling.kind == ProcRead::kOk) {
      read = std::move(sibling);
      Core::Bump(c.n.siblings);
    }
  }

  Attribution answer;
  std::shared_ptr<MetaSlot> slot;  // set when metadata must be requested
  {
    std::lock_guard lock(c.mu);
    if (read.kind == ProcRead::kOk) {
      answer = c.StoreResolved(o, read.cgroup, now, &slot);
    } else {
      Entry* stale = nullptr;
      if (Entry* e = c.Lookup(o, now, false, &stale)) {
        // A mount-namespace entry that could not be revalidated (its process exited) is
        // still the best answer; re-read it no sooner than one more TTL from now.
        if (e->key.kind == KeyKind::kMntNs) e->stamp_ns = now;
        c.Touch(e);
        answer = Core::Answer(*e);
      } else {
        c.StorePending(o);
        Core::Bump(c.n.unresolved);
      }
    }
  }

  if (slot) {
    Core::Bump(c.n.metadata_requests);
    std::weak_ptr<Core> weak = core_;
    c.options.resolver->Request(*answer.container, [weak, slot](Result<ContainerMetadata> r) {
      std::shared_ptr<Core> core = weak.lock();
      if (!core) return;
      std::lock_guard lock(core->mu);
      if (r.ok()) {
        slot->data = std::make_shared<const ContainerMetadata>(std::move(r).value());
        slot->state = MetadataState::kReady;
        Core::Bump(core->n.metadata_ready);
      } else {
        slot->state = MetadataState::kFailed;
        Core::Bump(core->n.metadata_failed);
      }
    });
  }
  return answer;
}

Attribution Attributor::Peek(const EventOrigin& o) const {
  const Core& c = *core_;
  std::lock_guard lock(c.mu);
  if (const Entry* e = c.Lookup(o, 0, false, nullptr)) return Core::Answer(*e);
  return {};
}

AttributorStats Attributor::stats() const {
  const auto& n = core_->n;
  auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  AttributorStats s;
  s.hits = get(n.hits);
  s.misses = get(n.misses);
  s.resolved = get(n.resolved);
  s.unresolved = get(n.unresolved);
  s.backfilled = get(n.backfilled);
  s.evictions = get(n.evictions);
  s.vanished = get(n.vanished);
  s.pid_mismatches = get(n.pid_mismatches);
  s.proc_errors = get(n.proc_errors);
  s.metadata_requests = get(n.metadata_requests);
  s.metadata_ready = get(n.metadata_ready);
  s.metadata_failed = get(n.metadata_failed);
  s.siblings = get(n.siblings);
  s.cgroup_paths = get(n.cgroup_paths);
  return s;
}

size_t Attributor::size() const {
  std::lock_guard lock(core_->mu);
  return core_->index.size();
}

}  // namespace vigil::runtime
