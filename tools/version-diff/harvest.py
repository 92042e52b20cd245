#!/usr/bin/env python3
"""Harvests real version strings, per scheme, from the advisories and package databases in
shared/data, into corpus/<scheme>.txt (one version a line, sorted, unique). The corpus is
committed so that the differential run needs nothing outside the repository; rerun this when
the data changes:

    tools/version-diff/harvest.py ../shared/data
"""
import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ecosystems  # noqa: E402

# OSV ecosystem (before any ':') -> scheme; the same names as src/version/registry.cc.
ECOSYSTEMS = {
    "Debian": "dpkg", "Ubuntu": "dpkg", "Alpine": "apk", "Wolfi": "apk", "Chainguard": "apk",
    "Red Hat": "rpm", "AlmaLinux": "rpm", "Rocky Linux": "rpm", "openSUSE": "rpm", "SUSE": "rpm",
    "npm": "semver", "crates.io": "semver", "Go": "go",
}
ECOSYSTEMS.update(ecosystems.HARVEST_ECOSYSTEMS)


def add(out, scheme, v):
    if isinstance(v, str) and v and v != "0" and "*" not in v and len(v) < 200 and "\n" not in v and "\t" not in v:
        out.setdefault(scheme, set()).add(v)


def osv_record(out, rec):
    for aff in rec.get("affected") or []:
        eco = ((aff.get("package") or {}).get("ecosystem") or "").split(":")[0]
        scheme = ECOSYSTEMS.get(eco)
        if scheme is None:
            # Bitnami and GHSA-style records use SemVer-looking strings: good raw material.
            if eco in ("Bitnami",):
                scheme = "semver"
            else:
                continue
        for r in aff.get("ranges") or []:
            if r.get("type") not in ("ECOSYSTEM", "SEMVER"):
                continue
            for e in r.get("events") or []:
                for k in ("introduced", "fixed", "last_affected"):
                    if k in e:
                        v = e[k]
                        if scheme == "go" and v and v[0].isdigit():
                            v = "v" + v
                        add(out, scheme, v)
        for v in aff.get("versions") or []:
            if scheme == "go" and v and v[0].isdigit():
                v = "v" + v
            add(out, scheme, v)


def main(data):
    out = {}
    for path in glob.glob(os.path.join(data, "osv", "*.jsonl")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    osv_record(out, json.loads(line))
    for path in glob.glob(os.path.join(data, "osv", "samples", "**", "*.json"), recursive=True):
        try:
            with open(path, encoding="utf-8") as f:
                osv_record(out, json.load(f))
        except (ValueError, UnicodeDecodeError, AttributeError):
            pass
    # Debian security tracker lists: "[release] - package version".
    for path in glob.glob(os.path.join(data, "debian", "security-tracker", "data", "*", "list")):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = re.match(r"^\s+\[\w+\] - \S+ (\S+)", line)
                if m and not m.group(1).startswith("<"):
                    add(out, "dpkg", m.group(1))
    # Ubuntu CVE tracker: "release_pkg: released (version)".
    for path in glob.glob(os.path.join(data, "ubuntu", "**", "CVE-*"), recursive=True):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = re.search(r": (?:released|not-affected) \(([^)\s]+)\)", line)
                if m:
                    add(out, "dpkg", m.group(1))
    # dpkg status files: "Version:" and "Source: pkg (version)".
    for path in glob.glob(os.path.join(data, "pkgdb", "dpkg", "**", "status*"), recursive=True) + \
            glob.glob(os.path.join(data, "pkgdb", "dpkg", "**", "status.d", "*"), recursive=True):
        if os.path.isdir(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("Version:"):
                    add(out, "dpkg", line.split(":", 1)[1].strip())
                m = re.match(r"^Source: \S+ \((\S+)\)", line)
                if m:
                    add(out, "dpkg", m.group(1))
    # Alpine secdb: the keys under secfixes; apk installed databases: "V:".
    for path in glob.glob(os.path.join(data, "alpine", "secdb", "*", "*.yaml")):
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^\s{8}['\"]?([^'\":\s]+)['\"]?:\s*$", line)
                if m:
                    add(out, "apk", m.group(1))
    for path in glob.glob(os.path.join(data, "pkgdb", "apk", "**", "installed"), recursive=True):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("V:"):
                    add(out, "apk", line[2:].strip())
    # rpm databases listed by rpm -qa: epoch, name, version, release.
    for path in glob.glob(os.path.join(data, "pkgdb", "rpm", "*", "*.tsv")):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                cols = line.rstrip("\n").split("\t")
                if len(cols) < 4:
                    continue
                e, v, r = cols[0], cols[2], cols[3]
                evr = ("" if e in ("(none)", "") else e + ":") + v + ("" if r in ("(none)", "") else "-" + r)
                add(out, "rpm", evr)
                add(out, "rpm", v)
    # npm lockfiles and Cargo.lock: "version" fields.
    for path in glob.glob(os.path.join(data, "pkgdb", "npm", "**", "*"), recursive=True) + \
            glob.glob(os.path.join(data, "pkgdb", "rust", "**", "*.lock"), recursive=True):
        if os.path.isdir(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for m in re.finditer(r"""version["']?\s*[:=]\s*["']?([0-9][0-9A-Za-z.+-]*)""", f.read()):
                add(out, "semver", m.group(1))
    # go.mod / go.sum.
    for path in glob.glob(os.path.join(data, "pkgdb", "go", "**", "go.*"), recursive=True):
        with open(path, encoding="utf-8", errors="replace") as f:
            for m in re.finditer(r"\s(v[0-9][0-9A-Za-z.+-]*?)(?:/go\.mod)?(?:\s|$)", f.read()):
                add(out, "go", m.group(1))

    ecosystems.harvest_extra(data, add, out)

    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    for scheme, versions in sorted(out.items()):
        with open(os.path.join(here, scheme + ".txt"), "w", encoding="utf-8") as f:
            for v in sorted(versions):
                f.write(v + "\n")
        print(f"{scheme}: {len(versions)} versions")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"))
