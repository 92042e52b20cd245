#!/usr/bin/env python3
"""vigil against the peers' own test fixtures (docs/ACCURACY.md, "vigil against the peers' own test fixtures").

Each fixture is a folder tests/peers/fixtures/<peer>/<format>/<name>/ holding
  root/            a root filesystem with the peer's fixture file placed where vigil's cataloger looks for it
  expected.json    the packages the peer's own test expects from that file, and where they came from

For every fixture this runs `vigil sbom dir:<root> --format json`, compares the name+version set
with expected.json, and (where the peer's test states it) the development-only flag. Every
difference is then looked up in tests/peers/known-differences.json, where it carries a class:
"gap" (vigil is wrong), "design" (a deliberate choice) or "peer-quirk" (the peer's expectation is
idiosyncratic). The exit status is 0 only when the differences found are exactly the known ones:
a new difference, or a known one that no longer occurs (a gap fixed: update the list), fails.

expected.json may name "from_repo": {path under root: path in this repository} for a large file the
repository already holds elsewhere (an rpm database in tests/catalog/testdata): the root is then
assembled in a temporary folder, so the file is not stored twice.

expected.json may say "partial": true when the peer's test asserts only some packages of the file
(a look-up by name); then packages vigil lists beyond them are not counted as extra.

Normalisation (naming conventions only, nothing else):
  * a purl namespace vigil's JSON keeps apart is joined back: npm scope and Composer vendor as
    "namespace/name" (the peers' tests write "@scope/name", "vendor/name");
  * PyPI names are compared in their PEP 503 normal form (lower case, runs of "-", "_", "." as "-"),
    because the peers' tests keep the spelling of the METADATA/lock file and vigil normalises;
  * an rpm epoch vigil keeps apart is joined as "epoch:version-release";
  * nothing else: versions are compared byte for byte.
Packages of type "os" (the distribution vigil reads from os-release) are not packages of the file.

Kinds of difference: missing (expected, not listed), extra (listed, not expected), extra-dev (an
extra vigil marks development-only; several peer tests are --prod listings), dev-flag (the
development-only flag differs where the test states it), error (vigil reported the fixture's file
as not fully read: exit 2 / "complete": false).

Usage:
  tools/peer-accuracy.py --vigil build/release/apps/vigil/vigil [--root tests/peers]
                         [--json out.json] [--markdown tables.md] [--only trivy/npm]
Exit: 0 = differences exactly as known; 1 = a new or a vanished difference; 2 = bad arguments.
Standard library only.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

PYPI_TYPES = {"pypi"}
# The properties by which vigil marks a development-only package (npm_lock.cc, python_lock.cc, php.cc).
DEV_PROPERTIES = ("npm:dev", "pypi:dev", "composer:dev")


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def norm_name(name, ptype):
    return pep503(name) if ptype in PYPI_TYPES else name


def full_version(pkg):
    """vigil's JSON keeps an rpm epoch in its own field; the expectations write [epoch:]version-release."""
    v = pkg["version"]
    if pkg.get("type") == "rpm" and pkg.get("epoch") and not v.startswith(pkg["epoch"] + ":"):
        v = pkg["epoch"] + ":" + v
    return v


def full_name(pkg):
    """vigil's JSON splits a purl namespace off the name (npm scope, Maven group, Go module prefix,
    Composer vendor); the peers' tests use the joined name."""
    ns = pkg.get("namespace")
    if not ns:
        return pkg["name"]
    return ns + (":" if pkg.get("type") == "maven" else "/") + pkg["name"]


def load_fixtures(root, only):
    base = os.path.join(root, "fixtures")
    out = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        if "expected.json" not in filenames:
            continue
        rel = os.path.relpath(dirpath, base).replace(os.sep, "/")
        if only and not rel.startswith(only):
            continue
        with open(os.path.join(dirpath, "expected.json"), encoding="utf-8") as f:
            exp = json.load(f)
        out.append((rel, dirpath, exp))
    return out


def assemble_root(rootdir, from_repo, dest):
    """A temporary root: the fixture's root/ (if any) plus files copied from elsewhere in the repository."""
    if os.path.isdir(rootdir):
        shutil.copytree(rootdir, dest)
    for inside, src in from_repo.items():
        target = os.path.join(dest, inside)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(REPO, src), target)
    return dest


def run_vigil(vigil, rootdir, cache):
    cmd = [vigil, "sbom", "dir:" + rootdir, "--format", "json", "--quiet", "--cache-dir", cache, "--no-cache"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if p.returncode not in (0, 2) or not p.stdout.strip():
        return None, "vigil exited %d: %s" % (p.returncode, p.stderr.strip()[:300])
    doc = json.loads(p.stdout)
    err = None
    if p.returncode == 2 or not doc.get("complete", True):
        err = "incomplete inventory (exit %d)" % p.returncode
    return doc, err


def is_dev(pkg):
    props = pkg.get("properties") or {}
    return any(props.get(k) == "true" for k in DEV_PROPERTIES)


def compare(exp, doc):
    ptype = exp.get("type", "")
    want = {}
    for p in exp["packages"]:
        want[(norm_name(p["name"], ptype), p["version"])] = p
    got = {}
    for p in (doc or {}).get("packages", []):
        if p.get("type") == "os" or p.get("found_by") == "os-release":
            continue
        key = (norm_name(full_name(p), ptype), full_version(p))
        if key in got:
            # The same name and version more than once (nested copies in a lock file): it is
            # development-only only if every copy is.
            if not is_dev(p):
                got[key] = p
        else:
            got[key] = p
    missing = sorted(set(want) - set(got))
    extra = sorted(k for k in set(got) - set(want) if not is_dev(got[k]))
    extra_dev = sorted(k for k in set(got) - set(want) if is_dev(got[k]))
    if exp.get("partial"):
        # The peer's test asserts only these packages of the file (e.g. a look-up of one name):
        # other packages vigil lists are neither confirmed nor contradicted.
        extra, extra_dev = [], []
    flags = []
    for key in sorted(set(want) & set(got)):
        if "dev" in want[key]:
            if bool(want[key]["dev"]) != is_dev(got[key]):
                flags.append(key)
    return want, got, missing, extra, extra_dev, flags


def diff_key(fixture, kind, key):
    return "%s|%s|%s@%s" % (fixture, kind, key[0], key[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vigil", required=True, help="the vigil binary")
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "peers"))
    ap.add_argument("--json", help="write the machine-readable result here")
    ap.add_argument("--only", help="only fixtures whose <peer>/<format>/<name> starts with this")
    ap.add_argument("--markdown", help="write the per-format, per-fixture and differences tables (docs/ACCURACY.md) here")
    args = ap.parse_args()

    if not os.access(args.vigil, os.X_OK):
        print("peer-accuracy: %s is not an executable vigil binary" % args.vigil, file=sys.stderr)
        return 2
    root = os.path.abspath(args.root)
    fixtures = load_fixtures(root, args.only)
    if not fixtures:
        print("no fixtures under %s" % root, file=sys.stderr)
        return 2
    with open(os.path.join(root, "known-differences.json"), encoding="utf-8") as f:
        known_doc = json.load(f)
    known = {}
    for d in known_doc["differences"]:
        known["%s|%s|%s" % (d["fixture"], d["kind"], d["package"])] = d

    results = []
    found_diffs = {}
    errors = []
    totals = {}
    with tempfile.TemporaryDirectory() as cache:
        for rel, path, exp in fixtures:
            rootdir = os.path.join(path, "root")
            if exp.get("from_repo"):
                rootdir = assemble_root(rootdir, exp["from_repo"], os.path.join(cache, "roots", rel))
            doc, err = run_vigil(args.vigil, rootdir, cache)
            want, got, missing, extra, extra_dev, flags = compare(exp, doc)
            if err:
                errors.append("%s: %s" % (rel, err))
                found_diffs["%s|error|" % rel] = {"fixture": rel, "kind": "error", "package": "", "detail": err}
            for kind, keys in (("missing", missing), ("extra", extra), ("extra-dev", extra_dev), ("dev-flag", flags)):
                for k in keys:
                    dk = diff_key(rel, kind, k)
                    found_diffs[dk] = {"fixture": rel, "kind": kind, "package": "%s@%s" % k}
            found = len(want) - len(missing)
            fmt = rel.split("/")[0] + "/" + rel.split("/")[1]
            t = totals.setdefault(fmt, {"fixtures": 0, "expected": 0, "found": 0, "extra": 0, "extra_dev": 0,
                                        "dev_flag": 0})
            t["fixtures"] += 1
            t["expected"] += len(want)
            t["found"] += found
            t["extra"] += len(extra)
            t["extra_dev"] += len(extra_dev)
            t["dev_flag"] += len(flags)
            results.append({
                "fixture": rel,
                "expected": len(want),
                "found": found,
                "missing": ["%s@%s" % k for k in missing],
                "extra": ["%s@%s" % k for k in extra],
                "extra_dev": ["%s@%s" % k for k in extra_dev],
                "dev_flag_differs": ["%s@%s" % k for k in flags],
                "vigil_packages": len(got),
                "error": err,
            })

    # Per-fixture table.
    w = max(len(r["fixture"]) for r in results)
    print("%-*s %8s %6s %7s %5s %9s %4s" % (w, "fixture", "expected", "found", "missing", "extra", "extra-dev", "dev"))
    for r in results:
        print("%-*s %8d %6d %7d %5d %9d %4d%s" % (w, r["fixture"], r["expected"], r["found"], len(r["missing"]),
                                            len(r["extra"]), len(r["extra_dev"]), len(r["dev_flag_differs"]),
                                            ("  ERROR " + r["error"]) if r["error"] else ""))
    print()
    print("%-24s %8s %8s %6s %5s %9s %4s" % ("peer/format", "fixtures", "expected", "found", "extra", "extra-dev", "dev"))
    gt = {"fixtures": 0, "expected": 0, "found": 0, "extra": 0, "extra_dev": 0, "dev_flag": 0}
    for fmt in sorted(totals):
        t = totals[fmt]
        print("%-24s %8d %8d %6d %5d %9d %4d" % (fmt, t["fixtures"], t["expected"], t["found"], t["extra"],
                                                t["extra_dev"], t["dev_flag"]))
        for k in gt:
            gt[k] += t[k]
    pct = 100.0 * gt["found"] / gt["expected"] if gt["expected"] else 0.0
    print("%-24s %8d %8d %6d %5d %9d %4d   (%.1f %% of the expected packages found)" %
          ("total", gt["fixtures"], gt["expected"], gt["found"], gt["extra"], gt["extra_dev"], gt["dev_flag"], pct))

    # Against the known differences.
    # A known entry whose package is "*" covers every difference of its kind in its fixture.
    def lookup(k):
        if k in known:
            return k
        w = k.rsplit("|", 1)[0] + "|*"
        return w if w in known else None

    classes = {}
    used = set()
    missing_by_class = {}
    for k, d in found_diffs.items():
        kk = lookup(k)
        if kk is None:
            continue
        used.add(kk)
        d["class"] = known[kk]["class"]
        classes[d["class"]] = classes.get(d["class"], 0) + 1
        if d["kind"] == "missing":
            missing_by_class[d["class"]] = missing_by_class.get(d["class"], 0) + 1
    new = sorted(k for k in found_diffs if lookup(k) is None)
    fixed = sorted(k for k in known if k not in used and (not args.only or k.startswith(args.only)))
    print()
    print("differences: %d (%s)" % (len(found_diffs), ", ".join("%s %d" % kv for kv in sorted(classes.items()))))
    not_design = gt["expected"] - sum(v for c, v in missing_by_class.items() if c != "gap")
    if not_design:
        print("found once design differences and peer quirks are set aside: %d / %d (%.1f %%)" %
              (gt["found"], not_design, 100.0 * gt["found"] / not_design))
    for k in new:
        print("NEW difference (not in known-differences.json): %s" % k)
    for k in fixed:
        print("known difference no longer seen (update known-differences.json): %s [%s]" % (k, known[k]["class"]))

    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({
                "schema": "vigil-peer-accuracy/1",
                "fixtures": results,
                "totals": totals,
                "total": gt,
                "differences": sorted(found_diffs.values(), key=lambda d: (d["fixture"], d["kind"], d["package"])),
                "new_differences": new,
                "known_but_not_seen": fixed,
            }, f, indent=1, sort_keys=True)
            f.write("\n")
    if args.markdown:
        write_markdown(args.markdown, results, totals, gt, found_diffs, known, lookup, fixtures)
    return 1 if (new or fixed) else 0


def write_markdown(path, results, totals, gt, found_diffs, known, lookup, fixtures):
    origin = {rel: exp for rel, _, exp in fixtures}
    out = []
    out.append("| peer / format | fixtures | expected | found | missing | extra | extra (dev-only) | dev flag differs |")
    out.append("|---|---|---|---|---|---|---|---|")
    for fmt in sorted(totals):
        t = totals[fmt]
        out.append("| %s | %d | %d | %d | %d | %d | %d | %d |" % (fmt, t["fixtures"], t["expected"], t["found"],
                                                            t["expected"] - t["found"], t["extra"], t["extra_dev"],
                                                            t["dev_flag"]))
    out.append("| **total** | %d | %d | %d | %d | %d | %d | %d |" % (gt["fixtures"], gt["expected"], gt["found"],
                                                                gt["expected"] - gt["found"], gt["extra"],
                                                                gt["extra_dev"], gt["dev_flag"]))
    out.append("")
    out.append("| fixture | peer's file | expected | found | differences |")
    out.append("|---|---|---|---|---|")
    for r in results:
        o = origin[r["fixture"]]["origin"]
        diffs = []
        for kind, key in (("missing", "missing"), ("extra", "extra"), ("extra-dev", "extra_dev"),
                          ("dev-flag", "dev_flag_differs")):
            n = len(r[key])
            if n:
                classes = sorted({known[lookup("%s|%s|%s" % (r["fixture"], kind, pk))]["class"]
                                  for pk in r[key] if lookup("%s|%s|%s" % (r["fixture"], kind, pk))})
                diffs.append("%d %s (%s)" % (n, kind, ", ".join(classes) or "NEW"))
        if r["error"]:
            k = lookup("%s|error|" % r["fixture"])
            diffs.append("file reported as not fully read (%s)" % (known[k]["class"] if k else "NEW"))
        out.append("| `%s` | %s `%s` | %d | %d | %s |" % (r["fixture"], o["repo"], o["fixture_path"].split(" ")[0],
                                                   r["expected"], r["found"], "; ".join(diffs) or "none"))
    out.append("")
    for cls in ("gap", "design", "peer-quirk"):
        rows = [d for d in known.values() if d["class"] == cls]
        if not rows:
            continue
        out.append("| %s: fixture | kind | package | reason |" % cls)
        out.append("|---|---|---|---|")
        for d in sorted(rows, key=lambda d: (d["fixture"], d["kind"], d["package"])):
            out.append("| `%s` | %s | %s | %s |" % (d["fixture"], d["kind"], ("`%s`" % d["package"]) if d["package"] else "",
                                                  d["reason"].replace("|", "\\|")))
        out.append("")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    sys.exit(main())
