// Throwaway TLS material for tests that serve HTTPS on loopback: a CA, a server certificate for
// 127.0.0.1 signed by it, and another CA that signed nothing the server has. Made once per test
// program with the openssl command (scripts/setup.sh installs it), in a temporary folder.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../test_util.h"

namespace vigil::testing {

struct TestCertificates {
  std::string dir;
  std::string ca_file, ca_pem;
  std::string other_ca_file, other_ca_pem;
  std::string server_cert, server_key;
};

// The certificates (made on the first call; a failure is reported with openssl's output).
inline const TestCertificates& TestCerts() {
  static ScopedTempDir* dir = new ScopedTempDir("test-certs");
  static TestCertificates* certs = [] {
    auto* c = new TestCertificates;
    c->dir = dir->str();
    auto at = [&](const std::string& f) { return c->dir + "/" + f; };
    auto read = [](const std::string& path) {
      std::ifstream in(path, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      return ss.str();
    };
    std::ofstream(at("ext.cnf")) << "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n";
    std::string log = " >>" + at("openssl.log") + " 2>&1";
    std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ";
    std::vector<std::string> cmds = {
        "openssl req -x509 " + ec + "-days 1 -subj /CN=vigil-test-ca -keyout " + at("ca.key") + " -out " +
            at("ca.crt") + log,
        "openssl req -x509 " + ec + "-days 1 -subj /CN=vigil-test-other-ca -keyout " + at("other.key") + " -out " +
            at("other.crt") + log,
        "openssl req " + ec + "-subj /CN=127.0.0.1 -keyout " + at("server.key") + " -out " + at("server.csr") + log,
        "openssl x509 -req -in " + at("server.csr") + " -CA " + at("ca.crt") + " -CAkey " + at("ca.key") +
            " -CAcreateserial -days 1 -extfile " + at("ext.cnf") + " -out " + at("server.crt") + log,
    };
    for (const std::string& cmd : cmds) {
      if (std::system(cmd.c_str()) != 0) {
        ADD_FAILURE() << cmd << "\n" << read(at("openssl.log"));
        break;
      }
    }
    c->ca_file = at("ca.crt");
    c->ca_pem = read(c->ca_file);
    c->other_ca_file = at("other.crt");
    c->other_ca_pem = read(c->other_ca_file);
    c->server_cert = at("server.crt");
    c->server_key = at("server.key");
    return c;
  }();
  return *certs;
}

}  // namespace vigil::testing
