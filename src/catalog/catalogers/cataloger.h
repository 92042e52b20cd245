// The extension point: one Cataloger per ecosystem. docs/howto/add-a-cataloger.md says how to add one.
//
// The analyzer streams every layer once; for each regular file it asks every cataloger whether it
// Wants() it (from path, mode and size alone), reads the bytes once, and hands them to Parse().
// Parse() sees one file at a time, so layers can be analysed in parallel and cached; joining
// facts across files (dpkg file lists, os-release, lock files beside node_modules) happens after
// the layers are merged.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/package.h"
#include "common/status.h"

namespace vigil::catalog {

// A regular file as the analyzer sees it.
struct FileRef {
  std::string_view path;  // normalised, relative to the image root
  uint32_t mode = 0;      // permission bits
  uint64_t size = 0;
};

// What one file yielded.
struct FileResult {
  std::vector<Package> packages;
  // For file-list files (dpkg info/<pkg>.list): the files of the package `owner_key` names.
  std::string owner_key;  // "<type>:<name>[:<arch>]"
  std::vector<std::string> owned_files;
  // Named facts for the merge step (e.g. "os-release" -> file content).
  std::map<std::string, std::string> facts;

  // What the cataloger has to say about a file it read, each a sentence without the path (a
  // stanza without Status, a version its package manager only warns about, a database that lists
  // no installed package). The analyzer prefixes "<path>: <cataloger> cataloger: " and reports
  // them in Inventory::warnings for the files the final filesystem holds.
  std::vector<std::string> warnings;

  // Set when the file could not be read or (a package database) did not parse: the packages it
  // lists are unknown. The file still hides lower layers' versions of the same path.
  std::string unread_reason;
  std::string unread_by;  // the cataloger that wanted it

  bool empty() const {
    return packages.empty() && owned_files.empty() && facts.empty() && warnings.empty() && unread_reason.empty();
  }
};

class Cataloger {
 public:
  virtual ~Cataloger() = default;
  // A short stable name ("dpkg", "npm"); recorded as Package::found_by and in cache keys.
  virtual std::string_view name() const = 0;
  // True if this cataloger reads `file`. Called for every regular file of every layer: keep it
  // cheap and decide from the path (and mode/size) alone.
  virtual bool Wants(const FileRef& file) const = 0;
  // Largest file this cataloger reads. A larger wanted file is not read: its packages are
  // unknown and the inventory is incomplete (Inventory::unread), never silently smaller.
  virtual uint64_t MaxSize() const { return 64u << 20; }
  // True for a file that lists the packages of the whole image (an OS package database): when
  // it does not parse, its packages are unknown (Inventory::unread) rather than a warning.
  virtual bool IsPackageDatabase(const FileRef&) const { return false; }
  // Parses one file's bytes and appends what it found to `out`. Returns kCorrupt (or another
  // error) for malformed input; the analyzer reports it as a warning with the path and goes on
  // (as an unread file when IsPackageDatabase). kLimitExceeded (a limit refused the file) always
  // makes it an unread file: its packages are unknown.
  // Packages parsed before the failure may be kept in `out`.
  virtual Status Parse(const FileRef& file, std::string_view content, FileResult& out) const = 0;
};

// Every cataloger vigil ships, in a fixed order.
std::vector<std::unique_ptr<Cataloger>> DefaultCatalogers();

}  // namespace vigil::catalog
