// /etc/os-release (and /usr/lib/os-release): the distribution of an image.
#pragma once

#include <memory>
#include <string_view>

#include "catalog/catalogers/cataloger.h"
#include "catalog/package.h"

namespace vigil::catalog {

// Parses os-release text (KEY=value lines, values optionally quoted with shell escapes).
// Unknown keys and malformed lines are ignored, as systemd does.
Distro ParseOsRelease(std::string_view text);

// Reads etc/os-release and usr/lib/os-release into the "os-release" fact.
std::unique_ptr<Cataloger> NewOsReleaseCataloger();

}  // namespace vigil::catalog
