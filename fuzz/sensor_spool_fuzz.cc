// libFuzzer target for the sensor's spool as fleet::SensorLink reads it back after a crash
// (fleet/sensor_link.h): the input's first line is the ack file, the rest the spool file, as a
// crash or a stranger may have left them. Invariants: Open never fails on their content (only
// on the file system), never counts more pending alerts than the spool has lines, and after one
// Enqueue a new Open counts exactly one pending alert more: a torn line never swallows the next
// alert, and the new alert's seq is above every seq in the spool. Any violation aborts.
// Seeds: fuzz/corpus/sensor_spool/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "common/file.h"
#include "fleet/sensor_link.h"

namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "sensor_spool_fuzz: %s\n", what.c_str());
  std::abort();
}

const std::string& Dir() {
  static const std::string* dir = [] {
    char tmpl[] = "/tmp/vigil-spool-fuzz-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) Fail("mkdtemp");
    return new std::string(tmpl);
  }();
  return *dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 16) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view ack = nl == std::string_view::npos ? in : in.substr(0, nl);
  std::string_view spool = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  const std::string dir = Dir() + "/spool";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/acked", std::ios::binary) << ack;
  std::ofstream(dir + "/alerts.jsonl", std::ios::binary) << spool;
  vigil::fleet::SensorLinkOptions o;
  o.server = "http://127.0.0.1:9";
  o.token = "vgl_fuzz";
  o.node = "fuzz";
  o.spool_dir = dir;
  uint64_t pending = 0;
  {
    auto link = vigil::fleet::SensorLink::Open(o);
    if (!link.ok()) Fail("Open failed on spool content: " + link.error().ToString());
    size_t lines = 0;
    for (char c : spool) lines += c == '\n';
    pending = (*link)->stats().pending;
    if (pending > lines) Fail("more pending alerts than lines");
    vigil::Status st = (*link)->Enqueue("k", "c", R"({"n":1})");
    if (!st.ok()) Fail("Enqueue: " + st.error().ToString());
  }
  auto again = vigil::fleet::SensorLink::Open(o);
  if (!again.ok()) Fail("reopen: " + again.error().ToString());
  if ((*again)->stats().pending != pending + 1) {
    Fail("pending " + std::to_string(pending) + " then " + std::to_string((*again)->stats().pending) +
         " after one alert");
  }
  return 0;
}
