#include "runtime/sensor.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#ifdef VIGIL_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cstdarg>
#include <mutex>

#include "runtime/bpf/events.h"
#include "runtime/internal/event_table.h"
#include "runtime/internal/syscalls.h"
#include "sensor.skel.h"
#endif

namespace vigil::runtime {

uint64_t SensorStats::Attempted() const {
  uint64_t n = 0;
  for (uint64_t v : attempted) n += v;
  return n;
}
uint64_t SensorStats::RingFull() const {
  uint64_t n = 0;
  for (uint64_t v : ring_full) n += v;
  return n;
}
uint64_t SensorStats::Delivered() const {
  uint64_t n = 0;
  for (uint64_t v : delivered) n += v;
  return n;
}

std::vector<std::string> SensorOptions::DefaultReadPrefixes() {
  return {"/etc/shadow", "/etc/gshadow",  "/etc/sudoers",     "/etc/ssh/ssh_host_",
          "/root/.ssh/", "/run/secrets/", "/var/run/secrets/"};
}

std::vector<std::string> SensorOptions::DefaultIgnorePrefixes() { return {"/dev/null", "/dev/tty", "/dev/pts/"}; }

namespace {

Status CheckPrefixes(const std::vector<std::string>& prefixes, const char* what) {
  if (prefixes.size() > 1024) return InvalidArgument(std::string("more than 1024 ") + what + " path prefixes");
  for (const std::string& p : prefixes) {
    if (p.empty() || p[0] != '/') {
      return InvalidArgument(std::string(what) + " path prefix '" + p + "' is not absolute");
    }
    if (p.size() > 64) {
      return InvalidArgument(std::string(what) + " path prefix '" + p.substr(0, 64) +
                             "...' is longer than 64 bytes (the kernel compares the first 64 bytes of a path)");
    }
  }
  return OkStatus();
}

}  // namespace

std::string Sensor::KernelRelease() {
  utsname u{};
  return uname(&u) == 0 ? u.release : "unknown";
}

#ifndef VIGIL_HAVE_BPF

struct Sensor::Impl {
  std::vector<ProbeStatus> probes;
};
Sensor::Sensor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Sensor::~Sensor() = default;
const std::vector<ProbeStatus>& Sensor::probes() const { return impl_->probes; }
Result<std::unique_ptr<Sensor>> Sensor::Start(const SensorOptions&) {
  return Unsupported(
      "this vigil was built without eBPF support (VIGIL_BUILD_BPF=OFF: clang, bpftool or libbpf-dev "
      "were missing at build time); rebuild after scripts/setup.sh");
}
Result<size_t> Sensor::Poll(int, const std::function<void(const Event&)>&) { return size_t{0}; }
void Sensor::Detach() {}
SensorStats Sensor::Stats() const { return {}; }

#else

namespace {

// libbpf's messages for the probe being loaded (warnings only), to explain a failure.
std::mutex g_log_mu;
std::string g_log;

int Print(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char buf[1024];
  int n = vsnprintf(buf, sizeof buf, format, args);
  std::lock_guard<std::mutex> lock(g_log_mu);
  if (g_log.size() < 16384) g_log.append(buf, n > 0 ? std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1) : 0);
  return 0;
}

std::string TakeLog() {
  std::lock_guard<std::mutex> lock(g_log_mu);
  std::string out;
  out.swap(g_log);
  // The last lines say what failed; the verifier's full log is long.
  if (out.size() > 600) out = "..." + out.substr(out.size() - 600);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// The kernel programs, and which of the table's probes each one is (runtime/event_types.h,
// probe column): a program runs only when a type of its probe is enabled.
struct ProgramSlot {
  const char* name;
  Probe probe;
  bpf_program* (*get)(vigil_sensor*);
};

const ProgramSlot kPrograms[] = {
    {"exec", Probe::kExec, [](vigil_sensor* s) { return s->progs.vigil_exec; }},
    {"exit", Probe::kExit, [](vigil_sensor* s) { return s->progs.vigil_exit; }},
    {"fork", Probe::kFork, [](vigil_sensor* s) { return s->progs.vigil_fork; }},
    {"tcp_state", Probe::kTcpState, [](vigil_sensor* s) { return s->progs.vigil_tcp_state; }},
    {"sys_enter", Probe::kSyscalls, [](vigil_sensor* s) { return s->progs.vigil_sys_enter; }},
    {"sys_exit", Probe::kSyscalls, [](vigil_sensor* s) { return s->progs.vigil_sys_exit; }},
};
constexpr size_t kProgramCount = sizeof(kPrograms) / sizeof(kPrograms[0]);

uint32_t MountNamespaceOf(const char* path) {
  std::error_code ec;
  std::string link = std::filesystem::read_symlink(path, ec).string();  // "mnt:[4026531840]"
  size_t open = link.find('[');
  return open == std::string::npos ? 0 : static_cast<uint32_t>(std::strtoul(link.c_str() + open + 1, nullptr, 10));
}

// Opens the skeleton with only the programs whose `enabled` flag is set, and loads it.
Result<vigil_sensor*> OpenAndLoad(const SensorOptions& options, const bool* enabled) {
  vigil_sensor* s = vigil_sensor__open();
  if (!s) return Unavailable(std::string("cannot open the BPF object: ") + std::strerror(errno) + " " + TakeLog());
  for (size_t i = 0; i < kProgramCount; ++i) bpf_program__set_autoload(kPrograms[i].get(s), enabled[i]);
  bpf_map__set_max_entries(s->maps.vigil_events, options.ring_buffer_mb << 20);
  if (int err = vigil_sensor__load(s); err != 0) {
    vigil_sensor__destroy(s);
    return Unavailable(std::string("load failed: ") + std::strerror(-err) + ": " + TakeLog());
  }
  return s;
}

}  // namespace

struct Sensor::Impl {
  vigil_sensor* skel = nullptr;
  ring_buffer* rb = nullptr;
  std::vector<bpf_link*> links;  // detached before the skeleton is destroyed
  std::vector<ProbeStatus> probes;
  SensorStats local;  // delivered, undecodable
  const std::function<void(const Event&)>* sink = nullptr;
  int ncpus = 1;

  ~Impl() {
    for (bpf_link* l : links) bpf_link__destroy(l);
    if (rb) ring_buffer__free(rb);
    if (skel) vigil_sensor__destroy(skel);
  }

  static int OnRecord(void* ctx, void* data, size_t size) {
    auto* self = static_cast<Impl*>(ctx);
    Result<Event> e = DecodeEvent(std::span<const uint8_t>(static_cast<const uint8_t*>(data), size));
    if (!e.ok()) {
      ++self->local.undecodable;
      return 0;
    }
    ++self->local.delivered[static_cast<size_t>(e->type) % kEventTypeSlots];
    if (self->sink) (*self->sink)(*e);
    return 0;
  }
};

Sensor::Sensor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Sensor::~Sensor() = default;
const std::vector<ProbeStatus>& Sensor::probes() const { return impl_->probes; }

Result<std::unique_ptr<Sensor>> Sensor::Start(const SensorOptions& options) {
  if (options.ring_buffer_mb == 0 || (options.ring_buffer_mb & (options.ring_buffer_mb - 1)) != 0 ||
      options.ring_buffer_mb > 1024) {
    return InvalidArgument("ring buffer size " + std::to_string(options.ring_buffer_mb) +
                           " MiB is not a power of two between 1 and 1024");
  }
  VIGIL_RETURN_IF_ERROR(CheckPrefixes(options.read_prefixes, "read"));
  VIGIL_RETURN_IF_ERROR(CheckPrefixes(options.ignore_prefixes, "ignore"));
  if (!std::filesystem::exists("/sys/kernel/btf/vmlinux")) {
    return Unsupported("kernel " + KernelRelease() +
                       " has no BTF (/sys/kernel/btf/vmlinux is missing): the sensor "
                       "needs a kernel built with CONFIG_DEBUG_INFO_BTF");
  }
  if (geteuid() != 0) {
    return Unavailable("the sensor needs root (or CAP_BPF, CAP_PERFMON and CAP_SYS_RESOURCE) to load eBPF programs");
  }
  libbpf_set_print(Print);
  TakeLog();
  auto impl = std::make_unique<Impl>();
  // A probe runs only when an event type it reports is enabled: the system call probes cost
  // every system call something, whether they report it or not.
  auto on = [&](EventType t) {
    return std::find(options.events.begin(), options.events.end(), t) != options.events.end();
  };
  bool enabled[kProgramCount] = {};
  for (size_t i = 0; i < kProgramCount; ++i) {
    enabled[i] = std::any_of(options.events.begin(), options.events.end(),
                             [&](EventType t) { return ProbeOf(t) == kPrograms[i].probe; });
  }
  Result<vigil_sensor*> all = OpenAndLoad(options, enabled);
  if (!all.ok()) {
    // Find the probes that fail on their own and load the others.
    for (size_t i = 0; i < kProgramCount; ++i) {
      if (!enabled[i]) continue;
      bool only[kProgramCount] = {};
      only[i] = true;
      Result<vigil_sensor*> one = OpenAndLoad(options, only);
      if (one.ok()) {
        vigil_sensor__destroy(*one);
      } else {
        enabled[i] = false;
        impl->probes.push_back({kPrograms[i].name, false, one.error().message()});
      }
    }
    all = OpenAndLoad(options, enabled);
    if (!all.ok()) {
      std::string why;
      for (const ProbeStatus& p : impl->probes) why += "; " + p.name + ": " + p.error;
      return Unavailable("no probe of the sensor could be loaded on kernel " + KernelRelease() + why);
    }
  }
  impl->skel = *all;
  impl->ncpus = libbpf_num_possible_cpus();
  vigil_config cfg{};
  for (EventType t : options.events) cfg.enabled |= 1u << static_cast<uint32_t>(t);
  cfg.watch_host = options.watch_host ? 1 : 0;
  // The host's mount namespace: init's, else (init's unreadable, as in some sandboxes) the
  // sensor's own.
  cfg.host_mnt_ns = MountNamespaceOf("/proc/1/ns/mnt");
  if (cfg.host_mnt_ns == 0) cfg.host_mnt_ns = MountNamespaceOf("/proc/self/ns/mnt");
  cfg.self_tgid = static_cast<uint32_t>(getpid());
  cfg.wakeup_bytes = std::min<uint64_t>(options.wakeup_bytes, (uint64_t{options.ring_buffer_mb} << 20) / 4);
  uint32_t key = 0;
  if (bpf_map__update_elem(impl->skel->maps.vigil_config_map, &key, sizeof key, &cfg, sizeof cfg, BPF_ANY) != 0) {
    return IoError(std::string("cannot write the sensor's configuration map: ") + std::strerror(errno));
  }
  // Which system calls the probes watch, and how (only those of enabled types).
  for (const SyscallSpec& spec : WatchedSyscalls()) {
    if (!on(spec.type) || spec.nr >= VIGIL_MAX_SYSCALLS) continue;
    vigil_syscall_spec v{};
    v.type = static_cast<uint8_t>(spec.type);
    v.path_arg = spec.path_arg;
    v.path2_arg = spec.path2_arg;
    v.str_arg = spec.str_arg;
    v.flags_arg = spec.flags_arg;
    v.filter = spec.filter;
    v.implied = spec.implied_flags ? 1 : 0;
    uint32_t nr = spec.nr;
    if (bpf_map__update_elem(impl->skel->maps.vigil_syscalls, &nr, sizeof nr, &v, sizeof v, BPF_ANY) != 0) {
      return IoError("cannot write the sensor's system call map (" + std::string(spec.name) +
                     "): " + std::strerror(errno));
    }
  }
  // The path prefixes; an ignored prefix wins over a read prefix when both are the same.
  auto put_prefix = [&](const std::string& prefix, uint32_t value) -> Status {
    vigil_prefix_key k{};
    k.prefixlen = static_cast<uint32_t>(prefix.size() * 8);
    std::memcpy(k.path, prefix.data(), prefix.size());
    if (bpf_map__update_elem(impl->skel->maps.vigil_prefixes, &k, sizeof k, &value, sizeof value, BPF_ANY) != 0) {
      return IoError("cannot write the sensor's path prefix map (" + prefix + "): " + std::strerror(errno));
    }
    return OkStatus();
  };
  for (const std::string& p : options.read_prefixes) VIGIL_RETURN_IF_ERROR(put_prefix(p, VIGIL_PATH_READS));
  for (const std::string& p : options.ignore_prefixes) VIGIL_RETURN_IF_ERROR(put_prefix(p, VIGIL_PATH_IGNORE));
  bool any = false;
  for (size_t i = 0; i < kProgramCount; ++i) {
    if (!enabled[i]) continue;
    bpf_program* prog = kPrograms[i].get(impl->skel);
    bpf_link* link = bpf_program__attach(prog);
    if (!link) {
      impl->probes.push_back(
          {kPrograms[i].name, false, std::string("attach failed: ") + std::strerror(errno) + " " + TakeLog()});
      continue;
    }
    impl->links.push_back(link);
    impl->probes.push_back({kPrograms[i].name, true, ""});
    any = true;
  }
  if (!any) {
    std::string why;
    for (const ProbeStatus& p : impl->probes) why += "; " + p.name + ": " + p.error;
    return Unavailable("no probe of the sensor could be attached on kernel " + KernelRelease() + why);
  }
  impl->rb = ring_buffer__new(bpf_map__fd(impl->skel->maps.vigil_events), &Impl::OnRecord, impl.get(), nullptr);
  if (!impl->rb) return IoError(std::string("cannot open the ring buffer: ") + std::strerror(errno));
  return std::unique_ptr<Sensor>(new Sensor(std::move(impl)));
}

Result<size_t> Sensor::Poll(int timeout_ms, const std::function<void(const Event&)>& on_event) {
  uint64_t before = impl_->local.Delivered();
  impl_->sink = &on_event;
  int n = ring_buffer__poll(impl_->rb, timeout_ms);
  // The kernel wakes the reader only for batches (wakeup_bytes): what arrived below the
  // threshold is read now, without waiting for a notification.
  if (n >= 0) {
    int more = ring_buffer__consume(impl_->rb);
    n = more < 0 ? more : n + more;
  }
  impl_->sink = nullptr;
  if (n < 0 && n != -EINTR) return IoError(std::string("polling the sensor's ring buffer: ") + std::strerror(-n));
  return static_cast<size_t>(impl_->local.Delivered() - before);
}

void Sensor::Detach() {
  for (bpf_link* l : impl_->links) bpf_link__destroy(l);
  impl_->links.clear();
}

SensorStats Sensor::Stats() const {
  SensorStats s = impl_->local;
  std::vector<uint64_t> values(static_cast<size_t>(impl_->ncpus));
  for (uint32_t type = 1; type < VIGIL_EV_MAX; ++type) {
    for (uint32_t stat = 0; stat < VIGIL_STAT_COUNT; ++stat) {
      uint32_t key = type * VIGIL_STAT_COUNT + stat;
      if (bpf_map__lookup_elem(impl_->skel->maps.vigil_stats, &key, sizeof key, values.data(),
                               values.size() * sizeof(uint64_t), 0) != 0) {
        continue;
      }
      uint64_t sum = 0;
      for (uint64_t v : values) sum += v;
      (stat == VIGIL_STAT_ATTEMPTED ? s.attempted : s.ring_full)[type] = sum;
    }
  }
  return s;
}

#endif

}  // namespace vigil::runtime
