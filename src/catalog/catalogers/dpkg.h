// Debian packages: var/lib/dpkg/status, distroless var/lib/dpkg/status.d/*, and the file lists
// var/lib/dpkg/info/<package>[:<arch>].list (and status.d/<package>.md5sums).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalogers/cataloger.h"

namespace vigil::catalog {

// Parses dpkg status stanzas; appends installed packages (Status ending in "installed", or no
// Status field as in distroless status.d files). kCorrupt (naming the line) for a stanza
// without Package or Version; the other stanzas are still returned.
Status ParseDpkgStatus(std::string_view text, std::vector<Package>& out);

// Parses a .list file (one absolute path a line) or an .md5sums file ("<md5>  <path>").
std::vector<std::string> ParseDpkgFileList(std::string_view text, bool md5sums);

std::unique_ptr<Cataloger> NewDpkgCataloger();

}  // namespace vigil::catalog
