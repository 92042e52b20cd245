// Decoding the kernel's records (synthetic bytes laid out by bpf/events.h) and the JSON lines.
#include "runtime/event.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "runtime/bpf/events.h"

namespace vigil::runtime {
namespace {

template <typename T>
std::vector<uint8_t> Bytes(const T& record) {
  std::vector<uint8_t> b(sizeof record);
  std::memcpy(b.data(), &record, sizeof record);
  return b;
}

void Header(vigil_header& h, uint32_t type, uint32_t size) {
  h.ts_ns = 1000;
  h.type = type;
  h.size = size;
  h.pid = 42;
  h.tid = 43;
  h.ppid = 1;
  h.ns_pid = 7;
  h.uid = 1000;
  h.gid = 1000;
  h.loginuid = 0xffffffff;
  h.mnt_ns = 4026532000;
  h.pid_ns = 4026532001;
  h.net_ns = 4026532002;
  h.cgroup_id = 1;
  h.cgroup_v1_id = 2;
  std::memcpy(h.comm, "bash", 5);
  std::memcpy(h.tty, "pts3", 5);
}

TEST(DecodeEvent, Exec) {
  vigil_exec r{};
  Header(r.h, VIGIL_EV_EXEC, sizeof r);
  std::strcpy(r.filename, "/usr/bin/id");
  const char args[] = "id\0-u\0";
  std::memcpy(r.args, args, sizeof args - 1);
  r.args_len = sizeof args - 1;
  r.flags = VIGIL_EXEC_PARENT_HOST | VIGIL_EXEC_OVERLAY;
  auto e = DecodeEvent(Bytes(r));
  ASSERT_TRUE(e.ok()) << e.error().ToString();
  EXPECT_EQ(e->type, EventType::kExec);
  EXPECT_EQ(e->filename, "/usr/bin/id");
  EXPECT_EQ(e->argv, (std::vector<std::string>{"id", "-u"}));
  EXPECT_TRUE(e->parent_outside);
  EXPECT_TRUE(e->overlay);
  EXPECT_FALSE(e->memfd);
  EXPECT_EQ(e->process.comm, "bash");
  EXPECT_EQ(e->process.tty, "pts3");
  EXPECT_EQ(e->process.ns_pid, 7u);
}

TEST(DecodeEvent, StringsWithoutNulAndCutArgv) {
  vigil_exec r{};
  Header(r.h, VIGIL_EV_EXEC, sizeof r);
  std::memset(r.h.comm, 'x', sizeof r.h.comm);  // no NUL: read to the array's end
  std::memset(r.filename, 'f', sizeof r.filename);
  std::memset(r.args, 'a', sizeof r.args);
  r.args_len = 100000;  // larger than the array: clamped
  r.flags = VIGIL_EXEC_ARGS_CUT;
  auto e = DecodeEvent(Bytes(r));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->process.comm, std::string(VIGIL_COMM_LEN, 'x'));
  EXPECT_EQ(e->filename.size(), size_t{VIGIL_PATH_LEN});
  ASSERT_EQ(e->argv.size(), 1u);
  EXPECT_EQ(e->argv[0].size(), size_t{VIGIL_ARGS_LEN});
  EXPECT_TRUE(e->argv_truncated);
}

TEST(DecodeEvent, OpenConnectExitFork) {
  vigil_open o{};
  Header(o.h, VIGIL_EV_OPEN, sizeof o);
  std::strcpy(o.path, "/etc/shadow");
  o.result = 3;
  auto eo = DecodeEvent(Bytes(o));
  ASSERT_TRUE(eo.ok());
  EXPECT_EQ(eo->path, "/etc/shadow");
  EXPECT_EQ(eo->result, 3);

  vigil_connect c{};
  Header(c.h, VIGIL_EV_CONNECT, sizeof c);
  c.family = AF_INET;
  c.port = 80;
  c.result = -101;
  inet_pton(AF_INET, "169.254.169.254", c.addr);
  auto ec = DecodeEvent(Bytes(c));
  ASSERT_TRUE(ec.ok());
  EXPECT_EQ(ec->Address(), "169.254.169.254");
  EXPECT_EQ(ec->port, 80);
  c.family = AF_INET6;
  inet_pton(AF_INET6, "::1", c.addr);
  EXPECT_EQ(DecodeEvent(Bytes(c))->Address(), "::1");
  c.family = AF_UNIX;
  std::strcpy(c.unix_path, "/run/podman/podman.sock");
  EXPECT_EQ(DecodeEvent(Bytes(c))->Address(), "/run/podman/podman.sock");

  vigil_exit x{};
  Header(x.h, VIGIL_EV_EXIT, sizeof x);
  x.exit_code = 2 << 8;
  EXPECT_EQ(DecodeEvent(Bytes(x))->exit_code, 512);
  vigil_fork f{};
  Header(f.h, VIGIL_EV_FORK, sizeof f);
  f.child_pid = 99;
  EXPECT_EQ(DecodeEvent(Bytes(f))->child_pid, 99u);
}

TEST(DecodeEvent, BadRecords) {
  EXPECT_FALSE(DecodeEvent({}).ok());
  std::vector<uint8_t> short_header(sizeof(vigil_header) - 1, 0);
  auto a = DecodeEvent(short_header);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message().find("shorter than its header"), std::string::npos);
  vigil_exec r{};
  Header(r.h, VIGIL_EV_EXEC, sizeof r + 8);  // size disagrees
  auto b = DecodeEvent(Bytes(r));
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message().find("says"), std::string::npos);
  vigil_header h{};
  Header(h, VIGIL_EV_EXEC, sizeof h);  // an exec type with only a header
  EXPECT_FALSE(DecodeEvent(Bytes(h)).ok());
  Header(h, 77, sizeof h);
  auto c = DecodeEvent(Bytes(h));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("unknown type 77"), std::string::npos);
}

TEST(ToJsonLine, ContainerExecAndHostCall) {
  vigil_exec r{};
  Header(r.h, VIGIL_EV_EXEC, sizeof r);
  std::strcpy(r.filename, "/bin/sh");
  std::memcpy(r.args, "sh\0", 3);
  r.args_len = 3;
  auto e = DecodeEvent(Bytes(r));
  ASSERT_TRUE(e.ok());
  ContainerFields c{std::string(64, 'a'), "podman", "web", "localhost/app:1", "", ""};
  Verdicts v;
  v.container_exec = true;
  nlohmann::json j = nlohmann::json::parse(ToJsonLine(*e, c, v, 5));
  EXPECT_EQ(j["type"], "exec");
  EXPECT_EQ(j["time_ns"], 1005);
  EXPECT_EQ(j["container"]["id"], std::string(64, 'a'));
  EXPECT_EQ(j["exec"]["container_exec"], true);
  EXPECT_EQ(j["exec"]["argv"], nlohmann::json::array({"sh"}));
  EXPECT_TRUE(j["process"]["loginuid"].is_null());
  // Invalid UTF-8 in a path stays valid JSON.
  vigil_open o{};
  Header(o.h, VIGIL_EV_OPEN, sizeof o);
  o.path[0] = '/';
  o.path[1] = static_cast<char>(0xff);
  std::string line = ToJsonLine(*DecodeEvent(Bytes(o)), {}, {}, 0);
  EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  EXPECT_TRUE(nlohmann::json::parse(line)["container"].is_null());
}

TEST(ToJsonLine, EscapesEveryString) {
  vigil_open o{};
  Header(o.h, VIGIL_EV_OPEN, sizeof o);
  // quote, backslash, control bytes, valid 2/3/4-byte UTF-8, an overlong '/', a lone
  // continuation byte, a surrogate half, a cut 3-byte sequence at the end
  const char path[] = "/a\"b\\c\n\x01\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc0\xaf\x80\xed\xa0\x80\xe2\x82";
  std::memcpy(o.path, path, sizeof path);
  auto e = DecodeEvent(Bytes(o));
  ASSERT_TRUE(e.ok());
  std::string line = ToJsonLine(*e, {}, {}, 0);
  ASSERT_TRUE(nlohmann::json::accept(line)) << line;
  std::string decoded = nlohmann::json::parse(line)["open"]["path"];
  EXPECT_EQ(decoded, "/a\"b\\c\n\x01\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
                     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_NE(line.find("\\u0001"), std::string::npos);
}

}  // namespace
}  // namespace vigil::runtime
