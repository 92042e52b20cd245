// The package model every cataloger produces and every writer consumes.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace vigil::catalog {

// One component found in an image.
struct Package {
  std::string type;        // purl type: deb, apk, rpm, npm, pypi, golang, maven, cargo, gem,
                           // composer, nuget
  std::string name_space;  // purl namespace where the ecosystem has one (maven groupId, npm
                           // scope with '@', golang module path prefix, composer vendor)
  std::string name;
  std::string version;  // as the ecosystem writes it; rpm: "version-release" (epoch apart)
  std::string epoch;    // rpm / deb epoch when present ("" otherwise)
  std::string arch;
  std::string source_name;                        // deb Source, apk origin, rpm source rpm name
  std::string source_version;                     // deb source version when it differs; rpm source version-release
  std::vector<std::string> licenses;              // as declared (Debian: the copyright file's short names)
  std::string license;                            // the SPDX expression for `licenses` (license::Normalize),
                                                  // filled in after cataloging; "" when none was found
  std::string location;                           // file it was found in, relative to the image root
  std::vector<std::string> files;                 // files it owns (OS packages), relative to the root
  std::map<std::string, std::string> properties;  // extra facts, e.g. "npm:private" = "true"
  std::string found_by;                           // cataloger name
  std::string owner;                              // for a language package whose files an OS package owns:
                                                  // "<type>:<name>" of that OS package
  int layer = -1;                                 // index of the layer that introduced it
  std::string purl;                               // filled in after cataloging (needs the distro for OS packages)

  // Identity used to keep attribution when a later layer rewrites the file it came from.
  std::string Key() const { return type + "/" + name_space + "/" + name + "@" + epoch + ":" + version + "/" + arch; }
};

// What /etc/os-release says.
struct Distro {
  std::string id;                // "debian", "alpine", "rhel", ...
  std::string version_id;        // "12", "3.19.1"
  std::string version_codename;  // "bookworm"
  std::string name;
  std::string pretty_name;
  std::string id_like;
  bool empty() const { return id.empty(); }
};

}  // namespace vigil::catalog
