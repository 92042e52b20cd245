#include "common/json.h"

#include <cstdint>

namespace vigil {

Status CheckJsonShape(std::string_view what, std::string_view text, int max_depth, size_t max_tokens) {
  int depth = 0;
  size_t tokens = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, whatever it is (\" included)
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) {
          return LimitExceeded(std::string(what) + ": JSON nested deeper than " + std::to_string(max_depth) +
                               " levels at byte " + std::to_string(i));
        }
        ++tokens;
        break;
      case ']':
      case '}':
        --depth;
        break;
      case ',':
      case ':':
        ++tokens;
        break;
      default:
        break;
    }
    if (tokens > max_tokens) {
      return LimitExceeded(std::string(what) + ": more than " + std::to_string(max_tokens) +
                           " JSON values and member names (at byte " + std::to_string(i) + ")");
    }
  }
  return OkStatus();
}

Result<nlohmann::json> ParseJson(std::string_view text, std::string_view what, int max_depth) {
  // Reject excessive nesting before the parser (which recurses) sees it. Documented as corrupt.
  if (Status shape = CheckJsonShape(what, text, max_depth, SIZE_MAX); !shape.ok()) {
    return Corrupt(shape.error().message());
  }
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    return Corrupt(std::string(what) + ": malformed JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  } catch (const std::exception& e) {
    return Corrupt(std::string(what) + ": malformed JSON: " + e.what());
  }
}

std::string JsonString(const nlohmann::json& j, std::string_view key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

}  // namespace vigil
