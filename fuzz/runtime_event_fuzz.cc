// libFuzzer target for decoding the sensor's ring buffer records (src/runtime/event.h).
//
// The kernel writes these records, but a decoder must survive a damaged or foreign one: any bytes
// either decode or are refused with kCorrupt, and a decoded event always writes a valid JSON line.
// Any violation aborts. Seeds: fuzz/corpus/runtime_event/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "runtime/event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  // Records carry their own size; let half the inputs have a consistent one.
  std::vector<uint8_t> bytes(data, data + size);
  if (size >= 16 && (data[0] & 1)) {
    uint32_t n = static_cast<uint32_t>(size);
    std::memcpy(bytes.data() + 12, &n, sizeof n);  // vigil_header.size follows ts_ns and type
  }
  Result<runtime::Event> e = runtime::DecodeEvent(bytes);
  if (!e.ok()) {
    if (e.error().code() != ErrorCode::kCorrupt) {
      std::fprintf(stderr, "runtime_event_fuzz: unexpected error code\n");
      std::abort();
    }
    return 0;
  }
  runtime::ContainerFields c;
  c.id.assign(64, 'a');
  runtime::Verdicts v;
  std::string line = runtime::ToJsonLine(*e, c, v, 0);
  if (!nlohmann::json::accept(line)) {
    std::fprintf(stderr, "runtime_event_fuzz: JSON line is not valid JSON\n");
    std::abort();
  }
  (void)e->Address();
  return 0;
}
