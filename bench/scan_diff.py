#!/usr/bin/env python3
"""Compares the findings of `vigil scan -f json` and `trivy image -f json` on one image.

    bench/scan_diff.py VIGIL_JSON TRIVY_JSON [--summary FILE] [--label NAME]

Each tool's findings become (package name, vulnerability id) pairs. A vigil finding and a Trivy
finding are the same when they name the same package and Trivy's VulnerabilityID is vigil's id
or one of its aliases (vigil merges aliases into one finding; Trivy keys one finding per CVE).
Package names: Debian/rpm names as they are; language packages compared case-insensitively
(PyPI also with '-', '_' and '.' equivalent), Go/npm scopes and Maven groups kept in the name.
Suppressed vigil findings are counted apart and left out of the comparison (Trivy is run
without any VEX or ignore file).

Prints the counts, then every pair only one tool found, grouped by package. --summary writes
the counts as JSON for bench/compare-scan.sh.
"""
import argparse
import json
import re
import sys
import urllib.parse
from collections import defaultdict


def norm_name(name, kind):
    """A comparison key for a package name; kind is 'os' or the language ecosystem."""
    if kind == "os":
        return name
    name = name.lower()
    if kind == "pypi":
        name = re.sub(r"[-_.]+", "-", name)
    return name


# Trivy result types -> comparison kind.
TRIVY_KIND = {
    "debian": "os", "ubuntu": "os", "alpine": "os", "redhat": "os", "centos": "os", "alma": "os",
    "rocky": "os", "amazon": "os", "oracle": "os", "photon": "os", "suse": "os", "wolfi": "os",
    "chainguard": "os", "mariner": "os",
    "node-pkg": "npm", "npm": "npm", "yarn": "npm", "pnpm": "npm", "javascript": "npm",
    "python-pkg": "pypi", "pip": "pypi", "pipenv": "pypi", "poetry": "pypi",
    "gobinary": "golang", "gomod": "golang", "rustbinary": "cargo", "cargo": "cargo",
    "jar": "maven", "pom": "maven", "gradle": "maven", "gemspec": "gem", "bundler": "gem",
    "composer": "composer", "nuget": "nuget", "dotnet-core": "nuget",
}

# purl types -> comparison kind (vigil).
PURL_KIND = {"deb": "os", "rpm": "os", "apk": "os", "npm": "npm", "pypi": "pypi",
             "golang": "golang", "cargo": "cargo", "maven": "maven", "gem": "gem",
             "composer": "composer", "nuget": "nuget"}


def vigil_name(pkg):
    """(kind, name as Trivy would print it) for a vigil finding's package."""
    typ = pkg.get("type", "")
    purl = pkg.get("purl") or ""
    kind = PURL_KIND.get(typ, "os" if typ in ("deb", "rpm", "apk") else typ)
    name = pkg.get("name", "")
    if purl.startswith("pkg:") and kind != "os":
        path = purl[4:].split("?")[0].split("#")[0]
        ptype, _, rest = path.partition("/")
        rest = rest.rpartition("@")[0] if "@" in rest else rest
        parts = [urllib.parse.unquote(p) for p in rest.split("/")]
        if ptype == "maven" and len(parts) == 2:
            name = parts[0] + ":" + parts[1]
        elif parts and parts[-1]:
            name = "/".join(parts)
        kind = PURL_KIND.get(ptype, kind)
    elif pkg.get("namespace") and kind != "os":
        sep = ":" if kind == "maven" else "/"
        name = pkg["namespace"] + sep + name
    return kind, name


def load_vigil(path):
    doc = json.load(open(path))
    findings, suppressed = [], 0
    for f in doc.get("findings") or []:
        if f.get("suppressed"):
            suppressed += 1
            continue
        pkg = f.get("package") or {}
        kind, name = vigil_name(pkg)
        ids = {f["id"], *(f.get("aliases") or [])}
        findings.append({
            "key": norm_name(name, kind), "name": name, "id": f["id"], "ids": ids,
            "version": f.get("installed_version") or pkg.get("version", ""),
            "fixed": ", ".join(f.get("fixed_versions") or []), "status": f.get("status") or "",
            "source": pkg.get("source_name") or "",
        })
    return findings, suppressed


def load_trivy(path):
    doc = json.load(open(path))
    findings = []
    for result in doc.get("Results") or []:
        kind = TRIVY_KIND.get(result.get("Type", ""), result.get("Type", ""))
        for v in result.get("Vulnerabilities") or []:
            findings.append({
                "key": norm_name(v["PkgName"], kind), "name": v["PkgName"],
                "id": v["VulnerabilityID"], "version": v.get("InstalledVersion", ""),
                "fixed": v.get("FixedVersion") or "", "status": v.get("Status") or "",
                "target": result.get("Target", ""),
            })
    return findings


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("vigil")
    ap.add_argument("trivy")
    ap.add_argument("--summary", help="write the counts as JSON to this file")
    ap.add_argument("--label", default="", help="a name for the header (e.g. the image)")
    args = ap.parse_args()

    vigil, suppressed = load_vigil(args.vigil)
    trivy = load_trivy(args.trivy)

    vigil_by_pkg = defaultdict(list)
    for f in vigil:
        vigil_by_pkg[f["key"]].append(f)
    trivy_ids_by_pkg = defaultdict(set)
    for f in trivy:
        trivy_ids_by_pkg[f["key"]].add(f["id"])

    # Pairs of each tool, and which have a counterpart in the other.
    vigil_pairs = {(f["key"], f["id"]) for f in vigil}
    trivy_pairs = {(f["key"], f["id"]) for f in trivy}
    vigil_matched = {(f["key"], f["id"]) for f in vigil if f["ids"] & trivy_ids_by_pkg[f["key"]]}
    trivy_matched = {(f["key"], f["id"]) for f in trivy
                     if any(f["id"] in v["ids"] for v in vigil_by_pkg[f["key"]])}

    only_vigil = defaultdict(dict)
    for f in vigil:
        if (f["key"], f["id"]) not in vigil_matched:
            only_vigil[(f["name"], f["version"], f["source"])][f["id"]] = f
    only_trivy = defaultdict(dict)
    for f in trivy:
        if (f["key"], f["id"]) not in trivy_matched:
            only_trivy[(f["name"], f["version"], "")][f["id"]] = f

    summary = {
        "vigil_findings": len(vigil), "vigil_pairs": len(vigil_pairs),
        "vigil_suppressed": suppressed,
        "trivy_findings": len(trivy), "trivy_pairs": len(trivy_pairs),
        "vigil_pairs_matched": len(vigil_matched), "trivy_pairs_matched": len(trivy_matched),
        "only_vigil_pairs": len(vigil_pairs - vigil_matched),
        "only_trivy_pairs": len(trivy_pairs - trivy_matched),
        "only_vigil_packages": len({k[0] for k in vigil_pairs - vigil_matched}),
        "only_trivy_packages": len({k[0] for k in trivy_pairs - trivy_matched}),
    }
    if args.summary:
        with open(args.summary, "w") as out:
            json.dump(summary, out, indent=1)
            out.write("\n")

    label = f" {args.label}" if args.label else ""
    print(f"#{label}: vigil {summary['vigil_pairs']} pairs ({summary['vigil_findings']} findings, "
          f"{suppressed} suppressed left out), Trivy {summary['trivy_pairs']} pairs "
          f"({summary['trivy_findings']} findings)")
    print(f"# found by both: {summary['vigil_pairs_matched']} vigil pairs = "
          f"{summary['trivy_pairs_matched']} Trivy pairs; only vigil: {summary['only_vigil_pairs']} "
          f"pairs in {summary['only_vigil_packages']} packages; only Trivy: "
          f"{summary['only_trivy_pairs']} pairs in {summary['only_trivy_packages']} packages")

    def show(title, groups):
        print(f"\n## {title}")
        if not groups:
            print("(none)")
        for (name, version, source), by_id in sorted(groups.items()):
            src = f" (source {source})" if source and source != name else ""
            print(f"{name} {version}{src}:")
            for vid, f in sorted(by_id.items()):
                state = f"fixed in {f['fixed']}" if f["fixed"] else (f["status"] or "no fix")
                print(f"  {vid}  {state}")

    show("only vigil", only_vigil)
    show("only Trivy", only_trivy)
    return 0


if __name__ == "__main__":
    sys.exit(main())
