#!/usr/bin/python3
"""An independent expectation of `vigil scan`: which (package, advisory) pairs a CycloneDX
inventory written by `vigil sbom` must be matched with, computed from OSV JSON lines with
reference version comparisons (Debian's /usr/bin/python3 with libapt's apt_pkg for Debian, packaging for PyPI, SemVer 2.0
precedence written here from the spec for npm and Go) and the OSV schema's evaluation rules.
It shares no code with vigil.

  scan_oracle.py expect SBOM.cdx.json ADVISORIES.jsonl        -> "purl<TAB>advisory" lines
  scan_oracle.py findings SCAN.json                            -> the same pairs from vigil's scan JSON

Scope: Debian 12 (by source package and source version), npm, PyPI, Go; packages whose files a
Debian package owns are left to Debian, as the issue asks. Withdrawn records, GIT ranges and
other ecosystems are skipped.
"""
import json
import re
import sys

import apt_pkg
from packaging.version import InvalidVersion, Version

apt_pkg.init_system()

SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def semver_key(text):
    m = SEMVER.match(text)
    if not m:
        raise ValueError(text)
    major, minor, patch, pre = m.groups()
    # A release sorts after all of its pre-releases; numeric identifiers below alphanumeric ones.
    if pre is None:
        pre_key = (1,)
    else:
        parts = []
        for p in pre.split("."):
            parts.append((0, int(p), "") if p.isdigit() else (1, 0, p))
        pre_key = (0, tuple(parts))
    return (int(major), int(minor), int(patch), pre_key)


def cmp_keys(a, b):
    return (a > b) - (a < b)


def compare(ecosystem, a, b):
    if ecosystem == "Debian:12":
        r = apt_pkg.version_compare(a, b)
        return (r > 0) - (r < 0)
    if ecosystem == "PyPI":
        return cmp_keys(Version(a), Version(b))
    return cmp_keys(semver_key(a), semver_key(b))


def affected(ecosystem, version, entry):
    if version in entry.get("versions", []):
        return True
    for rng in entry.get("ranges", []):
        if rng.get("type") == "GIT":
            continue
        # OSV: walk the events in version order ("0" first); the version is affected when the
        # last event at or below it is an introduced one (fixed is exclusive, last_affected not).
        events = []
        for ev in rng.get("events", []):
            (kind, v), = ev.items()
            if kind == "limit":
                continue
            events.append((kind, v))

        state = False
        ordered = sorted(events, key=lambda e: _Sort(ecosystem, e[1]))
        for kind, v in ordered:
            if kind == "introduced":
                if v == "0" or compare(ecosystem, v, version) <= 0:
                    state = True
            elif kind == "fixed":
                if compare(ecosystem, v, version) <= 0:
                    state = False
            elif kind == "last_affected":
                if compare(ecosystem, v, version) < 0:
                    state = False
        if state:
            return True
    return False


class _Sort:
    """Orders event versions; "0" before everything."""

    def __init__(self, ecosystem, v):
        self.e, self.v = ecosystem, v

    def __lt__(self, other):
        if self.v == "0":
            return other.v != "0"
        if other.v == "0":
            return False
        return compare(self.e, self.v, other.v) < 0


def norm(ecosystem, name):
    if ecosystem == "PyPI":
        return re.sub(r"[-_.]+", "-", name).lower()
    return name


def packages(cdx):
    doc = json.load(open(cdx))
    distro = None
    for c in doc.get("components", []):
        if c.get("type") == "operating-system":
            distro = (c.get("name"), c.get("version", ""))
    for c in doc.get("components", []):
        purl = c.get("purl", "")
        if not purl.startswith("pkg:"):
            continue
        props = {p["name"]: p["value"] for p in c.get("properties", [])}
        if props.get("vigil:owned-by"):
            continue
        kind = purl[4:].split("/")[0]
        group = c.get("group", "")
        version = c.get("version", "")
        if kind == "deb":
            if distro != ("debian", "12"):
                continue
            yield purl, "Debian:12", props.get("vigil:source-name") or c["name"], \
                props.get("vigil:source-version") or version
        elif kind == "npm":
            yield purl, "npm", (group + "/" if group else "") + c["name"], version
        elif kind == "pypi":
            yield purl, "PyPI", norm("PyPI", c["name"]), version
        elif kind == "golang":
            yield purl, "Go", (group + "/" if group else "") + c["name"], version.lstrip("v")


def expect(cdx, advisories):
    index = {}
    for line in open(advisories):
        if not line.strip():
            continue
        rec = json.loads(line)
        if rec.get("withdrawn"):
            continue
        for entry in rec.get("affected", []):
            pkg = entry.get("package", {})
            eco = pkg.get("ecosystem", "")
            index.setdefault((eco, norm(eco, pkg.get("name", ""))), []).append((rec["id"], entry))
    pairs = set()
    for purl, eco, name, version in packages(cdx):
        for rid, entry in index.get((eco, name), []):
            try:
                if affected(eco, version, entry):
                    pairs.add((purl, rid))
            except (ValueError, InvalidVersion):
                pass  # a version the scheme refuses: vigil skips it too (and says so)
    return pairs


def findings(scan_json):
    doc = json.load(open(scan_json))
    return {(f["package"]["purl"], a) for f in doc["findings"] for a in f["advisories"]}


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "expect":
        pairs = expect(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "findings":
        pairs = findings(sys.argv[2])
    else:
        sys.exit(__doc__)
    for purl, rid in sorted(pairs):
        print(f"{purl}\t{rid}")


if __name__ == "__main__":
    main()
