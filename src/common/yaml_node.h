// The one adapter around yaml-cpp's tree: a YAML document is loaded only after CheckYaml
// (common/yaml.h) has accepted it, and errors are returned, never thrown.
// Include only from .cc files: the yaml-cpp header is heavy. Target: vigil::common_yaml.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/yaml.h"

namespace vigil {

// Loads the first document of `text` as a yaml-cpp tree after CheckYaml(text, what, limits)
// accepted it: a document refused by the guard is never built. An empty document is a Null node.
// Errors: those of CheckYaml (kLimitExceeded, kCorrupt, each "what:LINE:COL: ..."); kCorrupt
// when yaml-cpp refuses the text while building.
Result<YAML::Node> LoadYaml(std::string_view text, std::string_view what, const YamlLimits& limits = {});

// Loads every document of `text` (documents separated by "---"), in order, after
// CheckAllYaml(text, what, limits) accepted all of them: the guard applies to each document and
// to the text as a whole, and nothing is built before every document passed. An empty text gives
// no documents; an empty document between two "---" is a Null node.
// Errors: those of CheckAllYaml; kCorrupt when yaml-cpp refuses the text while building.
Result<std::vector<YAML::Node>> LoadAllYaml(std::string_view text, std::string_view what,
                                            const YamlLimits& limits = {});

// "what:LINE:COL" for a yaml-cpp mark (1-based), or `what` for a null mark.
std::string YamlLocation(std::string_view what, const YAML::Mark& mark);

}  // namespace vigil
