// libFuzzer target for the parsers of the container runtimes' API answers
// (src/runtime/metadata.h: ParseContainerInspect, ParseImageDigest).
//
// The input is parsed as both answers. What must hold for any input: an error has a message
// that names the answer; a parsed container respects the documented caps (string fields,
// label count, key and value sizes), its name no longer starts with the one '/' the API adds
// unless it had two, and the pod fields equal their labels; a digest is "" or "sha256:" and 64
// lower-case hex digits. Any violation aborts. Seeds: fuzz/corpus/runtime_api/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "runtime/metadata.h"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "runtime_api_fuzz: %s: '%.*s'\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

std::string LabelOr(const vigil::runtime::ContainerMetadata& m, const char* key) {
  auto it = m.labels.find(key);
  return it == m.labels.end() ? std::string() : it->second;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::runtime;
  std::string_view input(reinterpret_cast<const char*>(data), size);

  auto m = ParseContainerInspect(input);
  if (!m.ok()) {
    if (!m.error().message().starts_with("container inspect")) Fail("error without context", m.error().message());
  } else {
    if (m->name.size() > kMaxApiStringBytes || m->image.size() > kMaxApiStringBytes ||
        m->image_id.size() > kMaxApiStringBytes) {
      Fail("string field above the cap", m->name);
    }
    if (!m->image_digest.empty()) Fail("inspect set a digest", m->image_digest);
    if (m->labels.size() > kMaxContainerLabels) Fail("too many labels", input);
    for (const auto& [k, v] : m->labels) {
      if (k.size() > kMaxLabelKeyBytes || v.size() > kMaxLabelValueBytes) Fail("label above the cap", k);
    }
    if (m->pod_name != LabelOr(*m, "io.kubernetes.pod.name")) Fail("pod name", m->pod_name);
    if (m->pod_namespace != LabelOr(*m, "io.kubernetes.pod.namespace")) Fail("pod namespace", m->pod_namespace);
  }

  auto d = ParseImageDigest(input);
  if (!d.ok()) {
    if (!d.error().message().starts_with("image inspect")) Fail("error without context", d.error().message());
  } else if (!d->empty()) {
    if (d->size() != 71 || !d->starts_with("sha256:")) Fail("digest shape", *d);
    for (char c : d->substr(7)) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) Fail("digest not lower-case hex", *d);
    }
  }
  return 0;
}
