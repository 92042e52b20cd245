#include "catalog/inventory.h"

namespace vigil::catalog {

std::string ImageName(const Inventory& inv) {
  return inv.image.tags.empty() ? inv.image.source : inv.image.tags.front();
}

}  // namespace vigil::catalog
