#include "sbom/internal/common.h"

#include <cstdlib>
#include <ctime>

#include "common/sha256.h"
#include "license/license.h"

namespace vigil::sbom {

std::string DocumentTime(const WriteOptions& options) {
  if (!options.timestamp.empty()) return options.timestamp;
  std::time_t t = std::time(nullptr);
  if (const char* e = std::getenv("SOURCE_DATE_EPOCH"); e != nullptr && *e) {
    t = static_cast<std::time_t>(std::strtoll(e, nullptr, 10));
  }
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string DerivedUuid(const catalog::Inventory& inv, const std::string& salt) {
  std::string seed = inv.image.config_digest + "|" + inv.image.source + "|" + salt;
  for (const auto& l : inv.image.layers) seed += "|" + l.diff_id;
  std::string h = Sha256Digest(seed).substr(7);
  // 8-4-4-4-12 with the version nibble 4 and variant bits 10xx.
  std::string u = h.substr(0, 8) + "-" + h.substr(8, 4) + "-4" + h.substr(13, 3) + "-";
  const char variants[] = "89ab";
  u += variants[std::stoi(h.substr(16, 1), nullptr, 16) & 3];
  u += h.substr(17, 3) + "-" + h.substr(20, 12);
  return u;
}

std::string LicenseOf(const catalog::Package& p) {
  return p.license.empty() && !p.licenses.empty() ? license::Normalize(p.licenses) : p.license;
}

std::string DistroName(const catalog::Distro& d) {
  if (d.id.empty()) return "";
  return d.version_id.empty() ? d.id : d.id + " " + d.version_id;
}

}  // namespace vigil::sbom
