// The inventory of an image: the model every later stage reads (SBOM writers, the matcher,
// reports, the fleet store). catalog::Analyze (analyzer.h) makes one from an image;
// sbom::ReadSbom makes one from an SBOM document.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/package.h"
#include "image/image.h"

namespace vigil::catalog {

// How one layer was read.
struct LayerReport {
  image::Layer layer;
  bool from_cache = false;
  uint64_t entries = 0;
  uint64_t uncompressed_size = 0;
};

// The result of analysing an image.
struct Inventory {
  image::ImageInfo image;
  Distro distro;
  std::vector<Package> packages;  // sorted by layer, type, name, version
  std::vector<LayerReport> layers;
  std::vector<std::string> warnings;  // cataloger failures and skipped files, each naming the file
};

// The name reports and SBOMs give the image: its first repository tag, else its source (the
// reference it was opened from).
std::string ImageName(const Inventory& inv);

}  // namespace vigil::catalog
