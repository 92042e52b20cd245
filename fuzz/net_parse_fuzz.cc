// libFuzzer target for the text the HTTP adapters parse from outside: HTTP dates (Retry-After,
// Last-Modified; common/time.h) and listen addresses (net/http_server.h).
//
// Whatever the input, ParseHttpDate either refuses it or returns a time that HttpDate writes
// back into a date that parses to the same time (within years 0000..9999); ParseListenAddress
// either fails with kInvalidArgument and a message that quotes the input, or returns a unix path
// (non-empty, no NUL) or a non-empty host without NUL and a port 0..65535. Any violation aborts.
// Seeds: fuzz/corpus/net_parse/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/time.h"
#include "net/http_server.h"

namespace {

[[noreturn]] void Fail(std::string_view what, std::string_view input) {
  std::fprintf(stderr, "net_parse_fuzz: %.*s: '%.*s'\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(input.size()), input.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto t = vigil::ParseHttpDate(text)) {
    // 0000-01-01T00:00:00Z .. 9999-12-31T23:59:59Z: the years HttpDate writes with four digits.
    if (*t >= -62167219200 && *t <= 253402300799) {
      std::string written = vigil::HttpDate(*t);
      auto again = vigil::ParseHttpDate(written);
      if (!again || *again != *t) Fail("HttpDate does not parse back", written);
    }
  }

  auto address = vigil::net::ParseListenAddress(text);
  if (!address.ok()) {
    if (address.error().code() != vigil::ErrorCode::kInvalidArgument) Fail("not invalid argument", text);
    if (address.error().message().rfind("'" + std::string(text) + "'", 0) != 0) Fail("input not quoted", text);
  } else if (!address->unix_path.empty()) {
    if (address->unix_path.find('\0') != std::string::npos) Fail("NUL in the unix path", text);
  } else {
    if (address->host.empty() || address->host.find('\0') != std::string::npos) Fail("bad host", text);
    if (address->port < 0 || address->port > 65535) Fail("port out of range", text);
  }
  return 0;
}
