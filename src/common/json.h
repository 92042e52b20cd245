// The one adapter around nlohmann::json: parsing that returns Result instead of throwing.
// Include only from .cc files: the JSON header is heavy.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vigil {

// Checks the shape of untrusted JSON `text` before any tree is built: nesting of `[`/`{` at most
// `max_depth` levels, and at most `max_tokens` structural tokens (each `[`, `{`, `,` and `:`,
// which bounds the values and member names a parser would allocate). Bytes inside strings
// (brackets, commas, escaped quotes) are not counted. One pass, no allocation.
// Returns OK when both limits hold; kLimitExceeded otherwise, with a message that begins with
// `what` and names the limit and the byte offset where it was crossed ("...: more than 3 JSON
// values and member names (at byte 6)", "...: JSON nested deeper than 64 levels at byte 64").
// It does not validate the JSON: malformed text within the limits (an unterminated string
// included) is OK here and left to the parser to refuse. The size of `text` is the caller's cap.
Status CheckJsonShape(std::string_view what, std::string_view text, int max_depth, size_t max_tokens);

// Parses `text` as JSON. kCorrupt with `what`, the byte offset and the parser's reason on
// malformed input, or when nesting is deeper than `max_depth` (a guard against stack abuse).
Result<nlohmann::json> ParseJson(std::string_view text, std::string_view what, int max_depth = 256);

// Returns j[key] as a string if it is one, else "".
std::string JsonString(const nlohmann::json& j, std::string_view key);

}  // namespace vigil
