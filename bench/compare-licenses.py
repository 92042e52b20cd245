#!/usr/bin/env python3
"""Compares the licenses of two CycloneDX SBOMs of one image, component by component.

    bench/compare-licenses.py VIGIL.cdx.json TRIVY.cdx.json [--details]

Components are paired by (name, version) (Trivy and vigil name OS and language packages alike;
the few that differ only by purl type are paired by name and version all the same). For each
pair the two license sets are compared after a documented normalisation (ALIASES below: the
deprecated SPDX ids Trivy prints, such as GPL-2.0, and Debian's short names, such as Expat,
mapped to their current SPDX ids). Prints totals and, with --details, every difference: the
differences are what docs/ACCURACY.md ("Licenses against Trivy") explains.
"""

import json
import re
import sys
from collections import Counter

# Names that mean the same license. Sources: the SPDX license list (deprecated ids and their
# replacements), Debian's DEP-5 short names (https://www.debian.org/doc/packaging-manuals/
# copyright-format/1.0/#license-short-name).
ALIASES = {
    "GPL-1.0": "GPL-1.0-only", "GPL-1.0+": "GPL-1.0-or-later",
    "GPL-2.0": "GPL-2.0-only", "GPL-2.0+": "GPL-2.0-or-later",
    "GPL-3.0": "GPL-3.0-only", "GPL-3.0+": "GPL-3.0-or-later",
    "LGPL-2.0": "LGPL-2.0-only", "LGPL-2.0+": "LGPL-2.0-or-later",
    "LGPL-2.1": "LGPL-2.1-only", "LGPL-2.1+": "LGPL-2.1-or-later",
    "LGPL-3.0": "LGPL-3.0-only", "LGPL-3.0+": "LGPL-3.0-or-later",
    "AGPL-3.0": "AGPL-3.0-only", "AGPL-3.0+": "AGPL-3.0-or-later",
    "GFDL-1.2": "GFDL-1.2-only", "GFDL-1.3": "GFDL-1.3-only",
    "Expat": "MIT", "MIT/X11": "MIT", "X11": "X11",
    "Apache-2": "Apache-2.0", "Artistic": "Artistic-1.0-Perl",
    "public-domain": "public-domain", "PD": "public-domain",
}


def norm(name):
    n = name.strip()
    # vigil names a license it cannot map to SPDX "LicenseRef-<declared text>"; Trivy prints the
    # declared text itself.
    if n.startswith("LicenseRef-"):
        n = n[len("LicenseRef-"):]
    n = ALIASES.get(n, n)
    # Case and punctuation are not part of a name ("BSD-4-clause-UC" = "BSD-4-Clause-UC",
    # "GPL-2+ with Autoconf-data exception" = "GPL-2-with-Autoconf-data-exception").
    return re.sub(r"[^a-z0-9.]+", "-", n.lower()).strip("-")


def family(name):
    """A license without its "-only" / "-or-later" suffix: Trivy turns Debian's "GPL-2+" into
    GPL-2.0-only, so the pairs are also compared without that distinction."""
    return re.sub(r"-(only|or-later)$", "", name)


def ids_of(expression):
    """The license ids of an SPDX expression (operators and parentheses dropped)."""
    parts = re.split(r"\s+(?:AND|OR|WITH)\s+|[()]", expression)
    return {norm(p) for p in parts if p and p.strip()}


def licenses(component):
    out = set()
    for entry in component.get("licenses") or []:
        if "expression" in entry:
            out |= ids_of(entry["expression"])
        lic = entry.get("license") or {}
        for key in ("id", "name"):
            if key in lic:
                out |= ids_of(lic[key]) if key == "name" else {norm(lic[key])}
    return out


def components(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    out = {}
    for c in doc.get("components") or []:
        if c.get("type") == "operating-system":
            continue
        # Trivy leaves a Debian epoch out of the CycloneDX version ("1:1.2.13" -> "1.2.13").
        version = re.sub(r"^[0-9]+:", "", c.get("version") or "")
        out.setdefault((c.get("name"), version), licenses(c))
    return out


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    vigil, trivy = components(argv[1]), components(argv[2])
    details = "--details" in argv
    classes = Counter()
    rows = []
    for key in sorted(set(vigil) & set(trivy), key=str):
        v, t = vigil[key], trivy[key]
        if v == t:
            cls = "same" if v else "neither"
        elif v and {family(x) for x in v} == {family(x) for x in t}:
            cls = "same but +"
        elif not t:
            cls = "vigil only"
        elif not v:
            cls = "trivy only"
        elif t <= v:
            cls = "vigil more"
        elif v <= t:
            cls = "trivy more"
        else:
            cls = "different"
        classes[cls] += 1
        if cls not in ("same", "neither"):
            rows.append((cls, key, sorted(v), sorted(t)))
    print(f"paired components: {sum(classes.values())} (vigil {len(vigil)}, trivy {len(trivy)})")
    print(f"with a license: vigil {sum(1 for v in vigil.values() if v)}, "
          f"trivy {sum(1 for t in trivy.values() if t)}")
    for cls in ("same", "same but +", "vigil more", "trivy more", "different", "vigil only", "trivy only", "neither"):
        print(f"  {cls:11} {classes[cls]}")
    print('  ("same but +": equal once "-only" and "-or-later" are not told apart)')
    if details:
        for cls, (name, version), v, t in rows:
            print(f"{cls:11} {name} {version}\n    vigil: {', '.join(v) or '-'}\n    trivy: {', '.join(t) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
