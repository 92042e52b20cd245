// The one adapter around nlohmann::json: parsing that returns Result instead of throwing.
// Include only from .cc files: the JSON header is heavy.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil {

// Parses `text` as JSON. kCorrupt with `what`, the byte offset and the parser's reason on
// malformed input, or when nesting is deeper than `max_depth` (a guard against stack abuse).
Result<nlohmann::json> ParseJson(std::string_view text, std::string_view what, int max_depth = 256);

// Returns j[key] as a string if it is one, else "".
std::string JsonString(const nlohmann::json& j, std::string_view key);

}  // namespace vigil
