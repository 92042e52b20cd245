// Internals of cvss.cc exposed for tests (tests/vulndb/cvss_oracle_test.cc). Not an API.
#pragma once

#include <string_view>

#include "common/status.h"

namespace vigil::vulndb::internal {

// The CVSS v4.0 scores of a vector before the final rounding (clamped to 0-10): CVSS-B and the
// whole vector's, as ScoreCvss computes them. The differential test uses them to show that a
// reference which disagrees by 0.1 only rounds the same value differently.
struct UnroundedCvssV4 {
  double base = 0;
  double score = 0;
};
// kInvalidArgument for anything ScoreCvss refuses and for other versions.
Result<UnroundedCvssV4> UnroundedCvssV4Scores(std::string_view vector);

}  // namespace vigil::vulndb::internal
