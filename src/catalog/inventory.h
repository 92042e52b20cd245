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

// A file the final filesystem holds that a cataloger wanted but could not read (over its size
// limit, or an OS package database that did not parse): the packages it lists are unknown. It
// hides whatever lower layers held at the same path, so the inventory is incomplete, not wrong.
struct UnreadFile {
  std::string path;       // normalised, relative to the image root
  int layer = -1;         // the layer that holds the final version of the file
  std::string cataloger;  // who wanted it ("dpkg", "npm")
  std::string reason;     // "83886080 bytes is more than the 67108864-byte limit"
};

// The result of analysing an image.
struct Inventory {
  image::ImageInfo image;
  Distro distro;
  std::vector<Package> packages;  // sorted by layer, type, name, version
  std::vector<LayerReport> layers;
  std::vector<std::string> warnings;  // cataloger failures and skipped files, each naming the file
  // Files whose packages are unknown. Not empty = the inventory is incomplete: `vigil sbom` and
  // `vigil scan` fail (exit 2) unless the user accepts an incomplete result.
  std::vector<UnreadFile> unread;

  bool complete() const { return unread.empty(); }
};

// "layer 3: var/lib/dpkg/status (dpkg): <reason>", for messages.
std::string Describe(const UnreadFile& file);

// The name reports and SBOMs give the image: its first repository tag, else its source (the
// reference it was opened from).
std::string ImageName(const Inventory& inv);

}  // namespace vigil::catalog
