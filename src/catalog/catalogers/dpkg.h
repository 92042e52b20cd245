// Debian packages: var/lib/dpkg/status, distroless var/lib/dpkg/status.d/*, and the file lists
// var/lib/dpkg/info/<package>[:<arch>].list (and status.d/<package>.md5sums).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalogers/cataloger.h"

namespace vigil::catalog {

// What ParseDpkgStatus has to say about a database it read (each a sentence; see below).
struct DpkgStatusNotes {
  std::vector<std::string> warnings;
};

// Parses dpkg status stanzas; appends installed packages (Status ending in "installed", or no
// Status field). A stanza without Package or Version is skipped: with `notes`, a warning naming
// its line; without, kCorrupt naming the line (the other stanzas are still returned). A line that
// is neither a field nor a continuation is kCorrupt in both cases: the file is not a database.
//
// A stanza without Status is reported as installed, as Trivy and Syft read it: distroless
// status.d files carry none. In var/lib/dpkg/status (`status_required`), where dpkg writes one
// for every package and would itself count a stanza without it as not installed, each such
// stanza is also a warning. A version dpkg refuses or only warns about ("version number does not
// start with digit", version/version.h Scheme::Warning) is reported as written, with a warning.
// A database that yields no installed package is a warning, never a silent empty result.
// Warnings go to `notes` when given (at most 10 named one by one per kind, then a count).
Status ParseDpkgStatus(std::string_view text, std::vector<Package>& out, DpkgStatusNotes* notes = nullptr,
                       bool status_required = false);

// Parses a .list file (one absolute path a line) or an .md5sums file ("<md5>  <path>").
std::vector<std::string> ParseDpkgFileList(std::string_view text, bool md5sums);

std::unique_ptr<Cataloger> NewDpkgCataloger();

}  // namespace vigil::catalog
