// apk-specific operations beyond Scheme (the apk scheme itself: FindScheme("apk")).
#pragma once

#include "version/version.h"

namespace vigil::version {

// apk's fuzzy comparison (the "~", "<~" and ">~" dependency operators): as Compare, except that
// a version whose tokens start with all of b's tokens compares equal to b ("3.6.9" ~ "3.6").
// Both must have been parsed by the apk scheme.
int ApkCompareFuzzy(const Version& a, const Version& b);

}  // namespace vigil::version
