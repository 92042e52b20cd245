// Java archives: .jar, .war, .ear, .jpi and .hpi (Jenkins plugins) files, read from memory with
// libarchive, including the archives nested in them (Spring Boot BOOT-INF/lib/*.jar, WEB-INF/lib
// in wars, modules in ears).
//
// What is emitted, per archive (all of type "maven"; name_space = groupId, name = artifactId):
//  - one package per META-INF/maven/<group>/<artifact>/pom.properties. A jar that shades other
//    libraries carries their pom.properties too; each is its own package, since its classes ship
//    in the jar. "java:pom-properties" holds the file's path in the archive.
//  - without any pom.properties, one package from META-INF/MANIFEST.MF and the file name:
//    artifactId from the file name when it has the "<artifact>-<version>.jar" shape or the
//    Bundle-SymbolicName ends in ".<file name>" (the most reliable artifactId: manifest titles
//    are often prose such as "Apache Commons Lang"), else from the manifest (Bundle-SymbolicName less the group prefix,
//    an identifier-like Implementation-Title, Short-Name, Extension-Name), else the bare file name (never a bare
//    Bundle-SymbolicName: that is an OSGi name, e.g. "com.google.inject" in every Guice jar); the version from
//    Implementation-Version, Bundle-Version, Plugin-Version or Specification-Version (first word
//    only; in that order, java.cc says why), else from the file name, else none (a warning); the group from
//    Implementation-Vendor-Id or Group-Id, or the prefix of a Bundle-SymbolicName that ends in ".<artifact>".
// Every package's location is set: the archive's path for the outer file, and
// "outer.jar!/BOOT-INF/lib/x.jar" (one "!/" per level) for nested ones; "java:archive" holds the
// same string.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalogers/cataloger.h"

namespace vigil::catalog {

// Caps on what one outer archive may cost; they guard against zip bombs.
struct JavaLimits {
  int max_depth = 4;                         // nesting levels opened below the outer archive
  uint64_t max_inflated_bytes = 256u << 20;  // total bytes inflated from the outer archive
                                             // (nested archives and metadata files)
  uint64_t max_metadata_bytes = 1u << 20;    // one MANIFEST.MF or pom.properties
  uint64_t max_entries = 1000000;            // entries visited, over all levels
};

// The attributes of a MANIFEST.MF: the main section and the per-entry ("Name:") sections.
// Attribute names are stored lower-cased: the JAR specification compares them case-insensitively.
struct JarManifest {
  std::map<std::string, std::string> main;
  std::vector<std::map<std::string, std::string>> sections;
  // The attribute `key` (any case) from the main section, else from the first per-entry section
  // that has it. "" when absent.
  std::string Get(std::string_view key) const;
};

// Parses MANIFEST.MF text: "Name: value" lines, continuation lines starting with one space
// (the 72-byte line limit splits long values), sections separated by blank lines, LF or CRLF.
// kCorrupt, naming the line, for a line that is neither an attribute nor a continuation; the
// attributes before and after it are still returned in `out`.
Status ParseJarManifest(std::string_view text, JarManifest& out);

// Parses java.util.Properties text (the subset pom.properties uses): '#'/'!' comments, keys
// ending at the first unescaped '=', ':' or white space, values trimmed, backslash line
// continuations and escapes. Later keys win.
std::map<std::string, std::string> ParseJavaProperties(std::string_view text);

// Splits an archive file name at its last "-<digit>": "commons-lang3-3.12.0.jar" ->
// {"commons-lang3", "3.12.0"}; "log4j-1.2-api-2.17.1.jar" -> {"log4j-1.2-api", "2.17.1"};
// "app.jar" -> {"app", ""}. Folders before the last '/' are ignored.
std::pair<std::string, std::string> SplitJavaArchiveName(std::string_view file_name);

// Catalogs the archive `bytes` found at `location` (see the file comment), appending to `out`.
// kCorrupt when the outer bytes are not a readable zip, or a member is damaged; kLimitExceeded
// when a cap was hit (archives nested too deep, too many bytes inflated, too many entries).
// Packages found before or besides the failure stay in `out`; the first error is returned.
// A package from the manifest and file name records where its version came from in
// properties["java:version-source"] ("META-INF/MANIFEST.MF Implementation-Version", "file
// name"); one for which neither gives a version is listed without one, and a warning saying
// so goes to `warnings` when given.
Status ParseJavaArchive(std::string_view location, std::string_view bytes, std::vector<Package>& out,
                        const JavaLimits& limits = {}, std::vector<std::string>* warnings = nullptr);

// True for the file names this cataloger reads (.jar, .war, .ear, .jpi, .hpi; any case).
bool IsJavaArchiveName(std::string_view path);

std::unique_ptr<Cataloger> NewJavaCataloger();

}  // namespace vigil::catalog
