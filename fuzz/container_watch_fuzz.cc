// libFuzzer target for the parsers of the container watcher (src/fleet/container_watch.h):
// ParseContainerList, and the events stream as the watcher reads it (LineSplitter, then
// ParseContainerEvent per line).
//
// The input is parsed whole as a list answer, and fed as a stream in pieces (sizes taken from
// its first byte) to a splitter with a small line cap. What must hold for any input: an error
// names the answer ("container list: ", "container event: "); a parsed container respects the
// caps, has a container id, an image id of "sha256:" and 64 lower-case hex digits, and pod fields
// equal to their labels; a parsed event has an action and, for a container event, an id; the
// splitter hands out lines without '\n', none longer than its cap, and accounts for every byte
// it was given. Any violation aborts. Seeds: fuzz/corpus/container_watch/.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fleet/container_watch.h"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "container_watch_fuzz: %s: '%.*s'\n", what,
               static_cast<int>(std::min<size_t>(detail.size(), 200)), detail.data());
  std::abort();
}

bool IsId(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' ||
           c == '-';
  });
}

std::string LabelOr(const vigil::fleet::RunningContainer& c, const char* key) {
  auto it = c.labels.find(key);
  return it == c.labels.end() ? std::string() : it->second;
}

void CheckList(std::string_view input) {
  using namespace vigil::fleet;
  auto list = ParseContainerList(input);
  if (!list.ok()) {
    if (!list.error().message().starts_with("container list: "))
      Fail("list error without context", list.error().message());
    return;
  }
  if (list->size() > kMaxListedContainers) Fail("too many containers", input);
  for (const RunningContainer& c : *list) {
    if (!IsId(c.id)) Fail("container id", c.id);
    if (c.image_id.size() != 71 || !c.image_id.starts_with("sha256:")) Fail("image id shape", c.image_id);
    for (char ch : c.image_id.substr(7)) {
      if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) Fail("image id not lower-case hex", c.image_id);
    }
    if (c.name.size() > kMaxWatchStringBytes || c.image.size() > kMaxWatchStringBytes ||
        c.state.size() > kMaxWatchStringBytes) {
      Fail("string above the cap", c.name);
    }
    if (c.created < 0) Fail("negative created", c.id);
    if (c.labels.size() > kMaxWatchLabels) Fail("too many labels", c.id);
    for (const auto& [k, v] : c.labels) {
      if (k.size() > kMaxWatchLabelKeyBytes || v.size() > kMaxWatchLabelValueBytes) Fail("label above the cap", k);
    }
    if (c.pod_name != LabelOr(c, "io.kubernetes.pod.name")) Fail("pod name", c.pod_name);
    if (c.pod_namespace != LabelOr(c, "io.kubernetes.pod.namespace")) Fail("pod namespace", c.pod_namespace);
  }
}

vigil::Status CheckEvent(std::string_view line) {
  using namespace vigil::fleet;
  auto ev = ParseContainerEvent(line);
  if (!ev.ok()) {
    if (!ev.error().message().starts_with("container event: "))
      Fail("event error without context", ev.error().message());
    return vigil::OkStatus();  // the watcher would stop here; the fuzzer reads on
  }
  if (ev->action.empty() || ev->action.size() > kMaxWatchStringBytes) Fail("action", ev->action);
  if ((ev->type.empty() || ev->type == "container") && !IsId(ev->id)) Fail("container event id", ev->id);
  if (ev->time_nano < 0) Fail("negative time", line);
  return vigil::OkStatus();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckList(input);

  constexpr size_t kCap = 4096;
  vigil::fleet::LineSplitter lines(kCap);
  size_t piece = size == 0 ? 1 : static_cast<size_t>(data[0] % 17) + 1;
  size_t delivered = 0;  // bytes of the lines handed out, each with its '\n'
  auto take = [&](std::string_view line) {
    if (line.find('\n') != std::string_view::npos) Fail("line with a newline", line);
    if (line.size() > kCap) Fail("line above the cap", line);
    delivered += line.size() + 1;
    return CheckEvent(line);
  };
  size_t fed = 0;
  bool failed = false;
  for (size_t at = 0; at < size; at += piece) {
    std::string_view chunk = input.substr(at, piece);
    vigil::Status s = lines.Feed(chunk, take);
    if (!s.ok()) {
      if (s.error().code() != vigil::ErrorCode::kLimitExceeded) Fail("splitter error", s.error().message());
      failed = true;
      break;
    }
    fed += chunk.size();
  }
  if (!failed && delivered + lines.pending() != fed) Fail("splitter lost bytes", input);
  return 0;
}
