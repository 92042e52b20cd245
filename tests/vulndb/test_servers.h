// Test support for tests/vulndb: temporary folders, child processes, a test PKI, nginx over TLS
// on 127.0.0.1 and a scripted python3 HTTP server. Header-only (an unnamed namespace), included
// by one .cc file per test binary.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../support/loopback.h"
#include "../test_util.h"

extern char** environ;

namespace vigil::vulndb {
namespace {

using vigil::testing::Accepts;

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Helpers: files, processes, ports.

std::string ReadText(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void WriteText(const fs::path& p, std::string_view data) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << data;
}

// Sets a file's mtime `seconds` into the future, so that validators built from it change even
// when the test rewrites it within the same second.
void BumpMtime(const fs::path& p, int seconds) {
  struct stat st {};
  ASSERT_EQ(stat(p.c_str(), &st), 0);
  timespec times[2] = {st.st_atim, st.st_mtim};
  times[1].tv_sec += seconds;
  ASSERT_EQ(utimensat(AT_FDCWD, p.c_str(), times, 0), 0);
}

// A fresh folder, removed with its content at the end of the test.
class TempDir : public vigil::testing::ScopedTempDir {
 public:
  TempDir() : ScopedTempDir("fetch-test") {}
};

// Starts argv[0] (looked up in PATH) with stdout and stderr appended to `log`.
pid_t Spawn(const std::vector<std::string>& argv, const fs::path& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

// Runs a command to its end; its exit status, or -1.
int RunCommand(const std::vector<std::string>& argv, const fs::path& log) {
  pid_t pid = Spawn(argv, log);
  if (pid < 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void Stop(pid_t& pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  pid = -1;
}

// A port nobody listens on right now (the kernel's choice for port 0).
int FreePort() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = -1;
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(s);
  return port;
}

bool Exited(pid_t pid) {
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == pid;
}

// A stored (uncompressed) zip with one member: the kind of file osv.dev serves, made here.
uint32_t Crc32(std::string_view d) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : d) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

std::string StoredZip(const std::string& name, const std::string& content) {
  std::string out;
  auto u16 = [&](uint32_t v) {
    out += static_cast<char>(v & 0xff);
    out += static_cast<char>((v >> 8) & 0xff);
  };
  auto u32 = [&](uint32_t v) {
    u16(v & 0xffff);
    u16(v >> 16);
  };
  uint32_t crc = Crc32(content), size = static_cast<uint32_t>(content.size());
  u32(0x04034b50), u16(10), u16(0), u16(0), u16(0), u16(0x21), u32(crc), u32(size), u32(size);
  u16(static_cast<uint32_t>(name.size())), u16(0);
  out += name + content;
  auto cd_offset = static_cast<uint32_t>(out.size());
  u32(0x02014b50), u16(20), u16(10), u16(0), u16(0), u16(0), u16(0x21), u32(crc), u32(size), u32(size);
  u16(static_cast<uint32_t>(name.size())), u16(0), u16(0), u16(0), u16(0), u32(0), u32(0);
  out += name;
  auto cd_size = static_cast<uint32_t>(out.size()) - cd_offset;
  u32(0x06054b50), u16(0), u16(0), u16(1), u16(1), u32(cd_size), u32(cd_offset), u16(0);
  return out;
}

[[maybe_unused]] std::string OsvZip(const std::string& id, const std::string& extra = "") {
  return StoredZip(id + ".json", "{\"id\":\"" + id + "\",\"summary\":\"" + extra + "\"}");
}

// ---------------------------------------------------------------------------------------------
// A test CA, a server certificate for 127.0.0.1/localhost signed by it, and an unrelated CA.
// Made once per test process with the openssl CLI (EC keys: milliseconds).

struct Pki {
  fs::path ca, other_ca, cert, key;
};

const Pki& TestPki() {
  static TempDir* dir = new TempDir();  // lives as long as the process; removed at exit below
  static Pki pki = [] {
    std::atexit([] { delete dir; });
    const fs::path& d = dir->path();
    fs::path log = d / "openssl.log";
    WriteText(d / "server.ext",
              "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
              "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n");
    auto ca = [&](const std::string& name) {
      return RunCommand({"openssl",
                         "req",
                         "-x509",
                         "-newkey",
                         "ec",
                         "-pkeyopt",
                         "ec_paramgen_curve:prime256v1",
                         "-nodes",
                         "-keyout",
                         (d / (name + ".key")).string(),
                         "-out",
                         (d / (name + ".pem")).string(),
                         "-days",
                         "2",
                         "-subj",
                         "/CN=vigil test " + name,
                         "-addext",
                         "basicConstraints=critical,CA:TRUE",
                         "-addext",
                         "keyUsage=critical,keyCertSign,cRLSign"},
                        log);
    };
    bool ok =
        ca("ca") == 0 && ca("other-ca") == 0 &&
        RunCommand({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                    (d / "server.key").string(), "-out", (d / "server.csr").string(), "-subj", "/CN=127.0.0.1"},
                   log) == 0 &&
        RunCommand({"openssl", "x509", "-req", "-in", (d / "server.csr").string(), "-CA", (d / "ca.pem").string(),
                    "-CAkey", (d / "ca.key").string(), "-set_serial", "2", "-days", "2", "-extfile",
                    (d / "server.ext").string(), "-out", (d / "server.pem").string()},
                   log) == 0;
    if (!ok) {
      std::fprintf(stderr, "openssl failed:\n%s\n", ReadText(log).c_str());
      std::abort();
    }
    return Pki{d / "ca.pem", d / "other-ca.pem", d / "server.pem", d / "server.key"};
  }();
  return pki;
}

// ---------------------------------------------------------------------------------------------
// nginx over TLS on 127.0.0.1, in the foreground, everything inside one temporary folder.

class Nginx {
 public:
  explicit Nginx(const fs::path& dir) : dir_(dir), www_(dir / "www") {
    fs::create_directories(www_);
    fs::create_directories(dir_ / "tmp");
  }
  ~Nginx() { Stop(pid_); }

  const fs::path& www() const { return www_; }
  int port() const { return port_; }
  std::string Url(const std::string& path) const { return "https://127.0.0.1:" + std::to_string(port_) + path; }
  // nginx logs a request after the client has its answer: wait for `lines` lines (3 s at most).
  std::string AccessLog(size_t lines) const {
    std::string log;
    for (int i = 0; i < 300; ++i) {
      log = ReadText(dir_ / "access.log");
      if (static_cast<size_t>(std::count(log.begin(), log.end(), '\n')) >= lines) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return log;
  }

  // Starts nginx; a port taken between FreePort() and nginx's bind is retried.
  ::testing::AssertionResult Start() {
    const Pki& pki = TestPki();
    std::string why;
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = FreePort();
      std::string d = dir_.string(), p = std::to_string(port_);
      WriteText(dir_ / "nginx.conf",
                "daemon off;\nmaster_process off;\nworker_processes 1;\n"
                "pid " +
                    d + "/nginx.pid;\nerror_log " + d +
                    "/error.log info;\n"
                    "events { worker_connections 64; }\n"
                    "http {\n"
                    "  access_log " +
                    d +
                    "/access.log;\n"
                    "  client_body_temp_path " +
                    d + "/tmp/body;\n  proxy_temp_path " + d +
                    "/tmp/proxy;\n"
                    "  fastcgi_temp_path " +
                    d + "/tmp/fastcgi;\n  uwsgi_temp_path " + d +
                    "/tmp/uwsgi;\n"
                    "  scgi_temp_path " +
                    d +
                    "/tmp/scgi;\n"
                    "  types { application/zip zip; text/plain txt; }\n"
                    "  default_type application/octet-stream;\n"
                    "  server {\n"
                    "    listen 127.0.0.1:" +
                    p +
                    " ssl;\n"
                    "    listen 127.0.0.2:" +
                    p +
                    " ssl;\n"
                    "    server_name localhost;\n"
                    "    ssl_certificate " +
                    pki.cert.string() +
                    ";\n"
                    "    ssl_certificate_key " +
                    pki.key.string() +
                    ";\n"
                    "    root " +
                    www_.string() +
                    ";\n"
                    "    etag on;\n"
                    "    location = /to-http { return 302 http://127.0.0.1:" +
                    p +
                    "/first.zip; }\n"
                    "    location = /moved { return 301 /first.zip; }\n"
                    "    location = /loop { return 302 /loop; }\n"
                    "  }\n"
                    "}\n");
      pid_ = Spawn({"nginx", "-p", d + "/", "-c", d + "/nginx.conf", "-e", d + "/error.log"}, dir_ / "nginx.out");
      if (pid_ < 0) return ::testing::AssertionFailure() << "cannot start nginx (scripts/setup.sh --test installs it)";
      for (int i = 0; i < 500; ++i) {
        if (Accepts(port_)) return ::testing::AssertionSuccess();
        if (Exited(pid_)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      why = ReadText(dir_ / "error.log") + ReadText(dir_ / "nginx.out");
      Stop(pid_);
      if (why.find("Address already in use") == std::string::npos) break;
    }
    return ::testing::AssertionFailure() << "nginx did not start:\n" << why;
  }

 private:
  fs::path dir_, www_;
  pid_t pid_ = -1;
  int port_ = -1;
};

// tests/vulndb/testdata/scripted_http_server.py: one scripted response per request.
class ScriptedServer {
 public:
  explicit ScriptedServer(const fs::path& dir) : dir_(dir) { fs::create_directories(dir_); }
  ~ScriptedServer() { Stop(pid_); }

  ::testing::AssertionResult Start(const std::string& script_json) {
    WriteText(dir_ / "script.json", script_json);
    pid_ =
        Spawn({"python3", testing::TestData("vulndb", "scripted_http_server.py"), dir_.string()}, dir_ / "server.log");
    if (pid_ < 0) return ::testing::AssertionFailure() << "cannot start python3";
    for (int i = 0; i < 500; ++i) {
      std::string port = ReadText(dir_ / "port");
      if (!port.empty()) {
        port_ = std::stoi(port);
        return ::testing::AssertionSuccess();
      }
      if (Exited(pid_)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return ::testing::AssertionFailure() << "server did not start:\n" << ReadText(dir_ / "server.log");
  }

  std::string Url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  // One JSON line per request received.
  std::vector<std::string> Requests() const {
    std::vector<std::string> out;
    std::istringstream in(ReadText(dir_ / "requests.log"));
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
  int port_ = -1;
};

}  // namespace
}  // namespace vigil::vulndb
