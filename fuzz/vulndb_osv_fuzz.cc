// libFuzzer target for OSV records (src/vulndb/osv.h): OsvParser::Parse on any bytes must return
// a record or an error, never crash; a record it returns must survive ToOsvJson and parse back to
// the same id, modified and affected entries (the store keeps converted records that way).
// Seeds: fuzz/corpus/vulndb_osv/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "vulndb/osv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static vigil::vulndb::OsvParser parser;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto a = parser.Parse(text, "fuzz");
  (void)vigil::vulndb::MinifyJson(text);
  (void)vigil::TimeMicros(text.substr(0, 40));
  if (!a.ok()) return 0;
  std::string json = vigil::vulndb::ToOsvJson(*a);
  vigil::vulndb::OsvParser second;
  auto b = second.Parse(json, "round trip");
  // Text fields holding invalid UTF-8 are replaced on output, so only structure is compared.
  if (!b.ok() || b->id != a->id || b->modified != a->modified || b->affected.size() != a->affected.size()) {
    std::fprintf(stderr, "round trip failed: %s\n", b.ok() ? "fields differ" : b.error().ToString().c_str());
    std::abort();
  }
  for (size_t i = 0; i < a->affected.size(); ++i) {
    if (a->affected[i].spec.ranges.size() != b->affected[i].spec.ranges.size() ||
        a->affected[i].spec.versions.size() != b->affected[i].spec.versions.size()) {
      std::fprintf(stderr, "round trip changed affected[%zu]\n", i);
      std::abort();
    }
  }
  return 0;
}
