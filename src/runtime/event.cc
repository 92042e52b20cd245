#include "runtime/event.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>
#include <nlohmann/json.hpp>

#include "runtime/bpf/events.h"

namespace vigil::runtime {

// The layout is shared with the kernel side: a change there must be a change here.
static_assert(sizeof(vigil_header) == 104, "vigil_header changed: bump VIGIL_EVENT_ABI and the decoder");
static_assert(sizeof(vigil_exec) == 104 + 8 + VIGIL_PATH_LEN + VIGIL_ARGS_LEN, "vigil_exec changed");

namespace {

// A C string inside a fixed array: up to the first NUL or the array's end.
template <size_t N>
std::string Str(const char (&a)[N]) {
  return std::string(a, strnlen(a, N));
}

template <typename T>
bool Fits(std::span<const uint8_t> bytes) {
  return bytes.size() >= sizeof(T);
}

ProcessInfo Process(const vigil_header& h) {
  ProcessInfo p;
  p.pid = h.pid;
  p.tid = h.tid;
  p.ppid = h.ppid;
  p.ns_pid = h.ns_pid;
  p.uid = h.uid;
  p.gid = h.gid;
  p.loginuid = h.loginuid;
  p.mnt_ns = h.mnt_ns;
  p.pid_ns = h.pid_ns;
  p.net_ns = h.net_ns;
  p.cgroup_id = h.cgroup_id;
  p.cgroup_v1_id = h.cgroup_v1_id;
  p.comm = Str(h.comm);
  p.tty = Str(h.tty);
  return p;
}

std::vector<std::string> SplitArgs(const char* data, size_t len) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < len; ++i) {
    if (data[i] == '\0') {
      out.emplace_back(data + start, i - start);
      start = i + 1;
    }
  }
  if (start < len) out.emplace_back(data + start, len - start);  // cut in the middle of one
  return out;
}

}  // namespace

std::string_view EventTypeName(EventType type) {
  switch (type) {
    case EventType::kExec: return "exec";
    case EventType::kExit: return "exit";
    case EventType::kFork: return "fork";
    case EventType::kOpen: return "open";
    case EventType::kConnect: return "connect";
  }
  return "unknown";
}

std::string Event::Address() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET) return inet_ntop(AF_INET, addr.data(), buf, sizeof buf) ? buf : "";
  if (family == AF_INET6) return inet_ntop(AF_INET6, addr.data(), buf, sizeof buf) ? buf : "";
  if (family == AF_UNIX) return unix_path;
  return {};
}

Result<Event> DecodeEvent(std::span<const uint8_t> bytes) {
  if (!Fits<vigil_header>(bytes)) {
    return Corrupt("sensor record of " + std::to_string(bytes.size()) + " bytes is shorter than its header (" +
                   std::to_string(sizeof(vigil_header)) + ")");
  }
  vigil_header h;
  std::memcpy(&h, bytes.data(), sizeof h);
  if (h.size != bytes.size()) {
    return Corrupt("sensor record says " + std::to_string(h.size) + " bytes but has " + std::to_string(bytes.size()));
  }
  Event e;
  e.ts_ns = h.ts_ns;
  e.process = Process(h);
  auto too_short = [&](const char* what) {
    return Corrupt(std::string("sensor ") + what + " record of " + std::to_string(bytes.size()) + " bytes is too short");
  };
  switch (h.type) {
    case VIGIL_EV_EXEC: {
      if (!Fits<vigil_exec>(bytes)) return too_short("exec");
      vigil_exec r;
      std::memcpy(&r, bytes.data(), sizeof r);
      e.type = EventType::kExec;
      e.filename = Str(r.filename);
      e.argv = SplitArgs(r.args, std::min<size_t>(r.args_len, sizeof r.args));
      e.argv_truncated = (r.flags & VIGIL_EXEC_ARGS_CUT) != 0;
      e.memfd = (r.flags & VIGIL_EXEC_MEMFD) != 0;
      e.overlay = (r.flags & VIGIL_EXEC_OVERLAY) != 0;
      e.parent_outside = (r.flags & VIGIL_EXEC_PARENT_HOST) != 0;
      return e;
    }
    case VIGIL_EV_EXIT: {
      if (!Fits<vigil_exit>(bytes)) return too_short("exit");
      vigil_exit r;
      std::memcpy(&r, bytes.data(), sizeof r);
      e.type = EventType::kExit;
      e.exit_code = r.exit_code;
      return e;
    }
    case VIGIL_EV_FORK: {
      if (!Fits<vigil_fork>(bytes)) return too_short("fork");
      vigil_fork r;
      std::memcpy(&r, bytes.data(), sizeof r);
      e.type = EventType::kFork;
      e.child_pid = r.child_pid;
      return e;
    }
    case VIGIL_EV_OPEN: {
      if (!Fits<vigil_open>(bytes)) return too_short("open");
      vigil_open r;
      std::memcpy(&r, bytes.data(), sizeof r);
      e.type = EventType::kOpen;
      e.open_flags = r.flags;
      e.result = r.result;
      e.path = Str(r.path);
      return e;
    }
    case VIGIL_EV_CONNECT: {
      if (!Fits<vigil_connect>(bytes)) return too_short("connect");
      vigil_connect r;
      std::memcpy(&r, bytes.data(), sizeof r);
      e.type = EventType::kConnect;
      e.result = r.result;
      e.family = r.family;
      e.port = r.port;
      std::memcpy(e.addr.data(), r.addr, sizeof r.addr);
      e.unix_path = Str(r.unix_path);
      return e;
    }
    default:
      return Corrupt("sensor record of unknown type " + std::to_string(h.type));
  }
}

std::string ToJsonLine(const Event& e, const ContainerFields& c, const Verdicts& v, int64_t boot_to_unix_ns) {
  using nlohmann::json;
  json j;
  j["type"] = std::string(EventTypeName(e.type));
  j["time_ns"] = static_cast<int64_t>(e.ts_ns) + boot_to_unix_ns;
  const ProcessInfo& p = e.process;
  j["process"] = {{"pid", p.pid},       {"tid", p.tid},         {"ppid", p.ppid},   {"ns_pid", p.ns_pid},
                  {"uid", p.uid},       {"gid", p.gid},         {"comm", p.comm},   {"tty", p.tty},
                  {"mnt_ns", p.mnt_ns}, {"pid_ns", p.pid_ns},   {"net_ns", p.net_ns},
                  {"cgroup_id", p.cgroup_id}, {"cgroup_v1_id", p.cgroup_v1_id}};
  j["process"]["loginuid"] = p.loginuid == 0xffffffffu ? json(nullptr) : json(p.loginuid);
  if (c.id.empty()) {
    j["container"] = nullptr;
  } else {
    j["container"] = {{"id", c.id},         {"runtime", c.runtime},           {"name", c.name},
                      {"image", c.image},   {"image_digest", c.image_digest}, {"pod_uid", c.pod_uid}};
  }
  switch (e.type) {
    case EventType::kExec:
      j["exec"] = {{"filename", e.filename}, {"argv", e.argv},   {"argv_truncated", e.argv_truncated},
                   {"memfd", e.memfd},       {"overlay", e.overlay}, {"parent_outside", e.parent_outside},
                   {"container_exec", v.container_exec}};
      break;
    case EventType::kExit:
      j["exit"] = {{"status", e.exit_code}, {"code", (e.exit_code >> 8) & 0xff}, {"signal", e.exit_code & 0x7f}};
      break;
    case EventType::kFork:
      j["fork"] = {{"child_pid", e.child_pid}};
      break;
    case EventType::kOpen:
      j["open"] = {{"path", e.path}, {"flags", e.open_flags}, {"result", e.result}};
      break;
    case EventType::kConnect: {
      const char* fam = e.family == AF_INET ? "inet" : e.family == AF_INET6 ? "inet6" : e.family == AF_UNIX ? "unix" : "other";
      j["connect"] = {{"family", fam}, {"address", e.Address()}, {"port", e.port}, {"result", e.result}};
      j["connect"]["host_call"] = v.host_call.empty() ? json(nullptr) : json(v.host_call);
      break;
    }
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace vigil::runtime
