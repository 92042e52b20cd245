#include "catalog/inventory.h"

namespace vigil::catalog {

std::string ImageName(const Inventory& inv) {
  return inv.image.tags.empty() ? inv.image.source : inv.image.tags.front();
}

std::string Describe(const UnreadFile& file) {
  std::string out = file.layer >= 0 ? "layer " + std::to_string(file.layer) + ": " : "";
  out += file.path;
  if (!file.cataloger.empty()) out += " (" + file.cataloger + ")";
  return out + ": " + file.reason;
}

}  // namespace vigil::catalog
