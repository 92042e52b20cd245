#!/usr/bin/python3
"""Differential test of vigil's version schemes against the reference implementations.

For each scheme, builds PAIRS pairs from a seed: real versions harvested from advisories and
package databases (corpus/<scheme>.txt, see harvest.py), near neighbours among them, mutations
of them and pairs of mutations. Runs `vigil version compare --scheme S --batch` and the
reference on the same pairs and reports every disagreement.

References (oracles; pep440, maven, gem and composer: see ecosystems.py):
  dpkg    python3-apt apt_pkg.version_compare (libapt-pkg's dpkg ordering); validity from
          `dpkg --compare-versions` itself (libapt-pkg does not validate)
  rpm     python3-rpm rpm.labelCompare((E, V, R), ...) with the EVR split of rpm's parseEVR;
          rpm has no notion of an invalid version, so strings vigil refuses are reported by
          reason rather than as disagreements
  semver  node + the npm `semver` package (tests/tools), loose mode
  go      golang.org/x/mod/semver (Debian golang-golang-x-mod-dev), built on the fly

A disagreement that matches a behaviour documented in docs/VERSIONS.md is reported under that
heading; any other makes the exit status 1.

  tools/version-diff/version_diff.py --vigil build/dev/apps/vigil/vigil --pairs 100000 --seed 1
  tools/version-diff/version_diff.py --vigil ... --scheme dpkg --pairs 20000 --seed 7 --show 50

Needs /usr/bin/python3 with python3-apt and python3-rpm, dpkg, node, and go.
"""
import argparse
import collections
import concurrent.futures
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ecosystems  # noqa: E402  pep440, maven, gem, composer (tools/version-diff/ecosystems.py)

SCHEMES = ("dpkg", "rpm", "semver", "go") + ecosystems.SCHEMES

# ---------------------------------------------------------------------------------------------
# Generators

ALPHABET = {
    "dpkg": "0123456789abcxyzABC.+~-:",
    "rpm": "0123456789abcxyzABC._+~^-:",
    "semver": "0123456789abcxyzABC.-+v= ",
    "go": "0123456789abcxyzABC.-+v",
}
SUFFIXES = {
    "dpkg": ["~rc1", "~beta2", "+deb12u1", "+b1", "ubuntu1", "-1", "-0", "+dfsg", ".1", "~", "~~", "+nmu1",
             "-1~bpo11+1", "a", "+really1.0", ".0", "build1"],
    "rpm": ["~rc1", "^git1", "^20240101", ".el8", ".el9_2", "-1", "-0.1", "a", ".1", "~", "^", "_1",
            "+module", ".fc38", "~pre1^post2"],
    "semver": ["-alpha", "-alpha.1", "-beta.11", "-rc.1", "-0", "-00", "-x.7.z.92", "+build.5", "+001",
               "-1.2", "beta", "-a-b", "-9007199254740993", "-9007199254740992", ".4", "-"],
    "go": ["-alpha", "-rc.1", "-0.20200101000000-abcdefabcdef", "-20191109021931-daa7c04131f5",
           "+incompatible", "+meta", "-pre.0.20210101000000-123456789abc", "-01", "-0", ".0", "-"],
}


ALPHABET.update(ecosystems.ALPHABET)
SUFFIXES.update(ecosystems.SUFFIXES)


def mutate(rng, v, scheme):
    ops = ["number", "number", "suffix", "suffix", "insert", "delete", "truncate", "special", "special", "case"]
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        op = rng.choice(ops)
        if op == "number":
            runs = [m.span() for m in re.finditer(r"\d+", v)]
            if runs:
                s, e = rng.choice(runs)
                n = int(v[s:e])
                r = rng.random()
                if r < 0.3:
                    rep = str(n + 1)
                elif r < 0.5:
                    rep = str(max(n - 1, 0))
                elif r < 0.6:
                    rep = "0" + v[s:e]
                elif r < 0.7:
                    rep = str(n * 10)
                elif r < 0.75:
                    rep = str(rng.randrange(10**19, 10**22))
                else:
                    rep = str(rng.randrange(0, 100))
                v = v[:s] + rep + v[e:]
        elif op == "suffix":
            v = v + rng.choice(SUFFIXES[scheme])
        elif op == "insert":
            i = rng.randrange(len(v) + 1)
            v = v[:i] + rng.choice(ALPHABET[scheme]) + v[i:]
        elif op == "delete" and len(v) > 1:
            i = rng.randrange(len(v))
            v = v[:i] + v[i + 1:]
        elif op == "truncate":
            cuts = [m.start() for m in re.finditer(r"[.\-+~^_:]", v)]
            if cuts:
                v = v[: rng.choice(cuts)]
        elif op == "case":
            letters = [i for i, c in enumerate(v) if c.isalpha()]
            if letters:
                i = rng.choice(letters)
                v = v[:i] + v[i].swapcase() + v[i + 1:]
        elif op == "special":
            v = special(rng, v, scheme)
    return v


def special(rng, v, scheme):
    if scheme in ecosystems.SCHEMES:
        return ecosystems.special(rng, v, scheme)
    r = rng.random()
    if scheme == "dpkg":
        if r < 0.3:
            return str(rng.choice((0, 1, 2, 10))) + ":" + v.split(":", 1)[-1]
        if r < 0.5:
            return v.split(":", 1)[-1]
        if r < 0.7:
            return v.rsplit("-", 1)[0] if "-" in v else v + "-" + str(rng.randrange(5))
        return v.replace(".", "~", 1)
    if scheme == "rpm":
        if r < 0.3:
            return str(rng.choice((0, 1, 2))) + ":" + v.split(":", 1)[-1]
        if r < 0.5:
            return v.rsplit("-", 1)[0]
        if r < 0.7:
            return v.replace(".", rng.choice("_+~^"), 1)
        return v + "-" + rng.choice(("1", "1.el8", "0.rc1", "2.fc39"))
    if scheme == "semver":
        if r < 0.2:
            return rng.choice(("v", "=", "v ", " ", "=v")) + v
        if r < 0.35:
            return v + rng.choice((" ", "\t"))
        if r < 0.5:
            return v.replace("-", "", 1)
        if r < 0.7:
            parts = v.split(".")
            return ".".join(parts[:3]) if len(parts) > 3 else v + ".1"
        return re.sub(r"\d+", lambda m: "0" + m.group(0), v, count=1)
    if scheme == "go":
        if r < 0.25:
            m = re.match(r"^(v\d+)(\.\d+)?", v)
            return m.group(0) if m else v
        if r < 0.5:
            return v.lstrip("v")
        if r < 0.75:
            base = re.match(r"^v\d+\.\d+\.\d+", v)
            stamp = "%04d%02d%02d%06d" % (rng.randrange(2018, 2025), rng.randrange(1, 13), rng.randrange(1, 29), rng.randrange(0, 235959))
            h = "%012x" % rng.randrange(16**12)
            if base:
                return base.group(0) + rng.choice(("-0.", "-pre.0.", "-")) + stamp + "-" + h
            return "v0.0.0-" + stamp + "-" + h
        return v + "+incompatible"
    return v


def make_pairs(rng, corpus, scheme, n):
    real = corpus
    pairs = []
    while len(pairs) < n:
        r = rng.random()
        i = rng.randrange(len(real))
        a = real[i]
        if r < 0.30:  # near neighbours in sorted order share prefixes
            b = real[min(len(real) - 1, max(0, i + rng.randint(-8, 8)))]
        elif r < 0.45:
            b = real[rng.randrange(len(real))]
        elif r < 0.75:
            b = mutate(rng, a, scheme)
        elif r < 0.95:
            j = min(len(real) - 1, max(0, i + rng.randint(-8, 8)))
            a, b = mutate(rng, a, scheme), mutate(rng, real[j], scheme)
        else:
            b = a
        if "\n" in a or "\n" in b or "\t" in a or "\t" in b:
            continue
        if rng.random() < 0.5:
            a, b = b, a
        pairs.append((a, b))
    return pairs


# ---------------------------------------------------------------------------------------------
# Runners

def run_lines(cmd, pairs, env=None):
    data = "".join(f"{a}\t{b}\n" for a, b in pairs).encode("utf-8", "surrogateescape")
    p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, check=False)
    if p.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({p.returncode}): {p.stderr.decode(errors='replace')[:2000]}")
    out = p.stdout.decode("utf-8", "replace").split("\n")
    if out and out[-1] == "":
        out.pop()
    if len(out) != len(pairs):
        raise SystemExit(f"{cmd[0]} answered {len(out)} lines for {len(pairs)} pairs")
    return out


def sign(c):
    return "<" if c < 0 else (">" if c > 0 else "=")


def oracle_dpkg(pairs, _tmp):
    import apt_pkg  # python3-apt
    apt_pkg.init_system()
    return [sign(apt_pkg.version_compare(a, b)) for a, b in pairs]


def rpm_split(s):
    # rpm's parseEVR: leading digits followed by ':' are the epoch; the release follows the
    # last '-'.
    m = re.match(r"^(\d*):(.*)$", s)
    if m:
        e, rest = (m.group(1) or "0"), m.group(2)
    else:
        e, rest = None, s
    if "-" in rest:
        v, r = rest.rsplit("-", 1)
    else:
        v, r = rest, None
    return (e, v, r)


def oracle_rpm(pairs, _tmp):
    import rpm  # python3-rpm
    out = []
    for a, b in pairs:
        try:
            out.append(sign(rpm.labelCompare(rpm_split(a), rpm_split(b))))
        except ValueError as e:  # rpm refuses an empty version
            out.append(f"error: {e}")
    return out


def oracle_semver(pairs, _tmp):
    return run_lines(["node", os.path.join(HERE, "oracles", "semver_oracle.js")], pairs)


def oracle_go(pairs, tmp):
    exe = os.path.join(tmp, "gosemver")
    if not os.path.exists(exe):
        env = dict(os.environ, GOPATH="/usr/share/gocode", GO111MODULE="off",
                   GOCACHE=os.path.join(tmp, "gocache"))
        subprocess.run(["go", "build", "-o", exe, os.path.join(HERE, "oracles", "gosemver_oracle.go")],
                       check=True, env=env, cwd=tmp)
    return run_lines([exe], pairs)


ORACLES = {"dpkg": oracle_dpkg, "rpm": oracle_rpm, "semver": oracle_semver, "go": oracle_go}
ORACLES.update(ecosystems.ORACLES)


def dpkg_validity(strings):
    """What dpkg --compare-versions says about each string: ok, warning (bad syntax, still
    compared) or error (refused)."""
    def one(s):
        p = subprocess.run(["dpkg", "--compare-versions", s, "eq", s], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, check=False)
        err = p.stderr.decode(errors="replace")
        if "error" in err or p.returncode > 1:
            return s, "error"
        if "warning" in err:
            return s, "warning"
        return s, "ok"
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        return dict(ex.map(one, strings))


def vigil_warns(vigil, s):
    """True when `vigil version compare --scheme dpkg S S` answers and warns, as dpkg does."""
    p = subprocess.run([vigil, "version", "compare", "--scheme", "dpkg", "--", s, s], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, check=False)
    return p.returncode == 0 and "warning" in p.stderr.decode(errors="replace")


# ---------------------------------------------------------------------------------------------
# Documented behaviours (docs/VERSIONS.md): a disagreement that matches one is reported under
# that heading instead of failing the run.

def semver_double_precision(a, b, vig, orc):
    # node-semver compares numeric pre-release identifiers as JavaScript numbers (doubles), so
    # identifiers above 2^53 that differ can compare equal or in the wrong order.
    big = re.compile(r"[-.]0*\d{16,}(?=$|[.+])")
    if big.search(a.strip()) or big.search(b.strip()):
        return "semver: node-semver compares numeric pre-release identifiers above 2^53 as doubles"
    return None


def semver_leading_zero(a, b, vig, orc):
    # The oracle parses in node-semver's loose mode (for the other loose forms npm reads, such as
    # "v1.2.3"); strict node-semver and semver.org rule 9 refuse a numeric pre-release identifier
    # with a leading zero ("1.0.0-01"), and so does vigil.
    if vig.startswith("error") and "has a leading zero" in vig and not orc.startswith("error"):
        return "semver: a numeric pre-release identifier with a leading zero: strict node-semver and vigil refuse it, the loose oracle orders it"
    return None


DOCUMENTED = {"semver": [semver_double_precision, semver_leading_zero]}
DOCUMENTED.update(ecosystems.DOCUMENTED)


def ecosystems_label(scheme, a, b, v, o):
    # The language-ecosystem schemes also document refusals that differ (ecosystems.py).
    if scheme not in ecosystems.SCHEMES:
        return None
    for rule in DOCUMENTED[scheme]:
        label = rule(a, b, v, o)
        if label:
            return label
    return None


# ---------------------------------------------------------------------------------------------

def run_scheme(args, scheme, tmp):
    rng = random.Random(f"{args.seed}:{scheme}")
    with open(os.path.join(HERE, "corpus", scheme + ".txt"), encoding="utf-8") as f:
        corpus = [l.rstrip("\n") for l in f if l.strip()]
    t0 = time.time()
    pairs = make_pairs(rng, corpus, scheme, args.pairs)
    strings = sorted({s for p in pairs for s in p})
    # Validity of every distinct string, from vigil, then the pair answers.
    validity = dict(zip(strings, run_lines([args.vigil, "version", "compare", "--scheme", scheme, "--batch"],
                                           [(s, s) for s in strings])))
    t1 = time.time()
    vig = run_lines([args.vigil, "version", "compare", "--scheme", scheme, "--batch"], pairs)
    t_vigil = time.time() - t1
    t2 = time.time()
    orc = ORACLES[scheme](pairs, tmp)
    t_oracle = time.time() - t2

    report = collections.OrderedDict()
    report["pairs"] = len(pairs)
    report["distinct strings"] = len(strings)
    rejected = [s for s in strings if validity[s].startswith("error")]
    report["strings vigil refuses"] = len(rejected)
    counts = collections.Counter()
    bad = []
    documented = collections.Counter()
    reasons = collections.Counter()
    for s in rejected:
        reasons[validity[s].split("': ", 1)[-1]] += 1

    dpkg_says = {}
    if scheme == "dpkg":
        # dpkg decides validity: every refused string, and a sample of accepted ones.
        accepted = [s for s in strings if not validity[s].startswith("error")]
        sample = random.Random(args.seed).sample(accepted, min(len(accepted), args.dpkg_sample))
        dpkg_says = dpkg_validity(rejected + sample)
        for s in rejected:
            v = dpkg_says[s]
            if v == "error":
                counts["refused by both"] += 1
            elif v == "warning":
                documented["dpkg: dpkg warns and still compares; vigil (like Dpkg::Version) refuses"] += 1
            elif s == "":
                documented["dpkg: dpkg --compare-versions reads '' as 'no version'; vigil refuses it"] += 1
            elif re.match(r"^[ \t]*\+\d+:", s):
                documented["dpkg: dpkg's strtol takes a '+' before the epoch; vigil (like Dpkg::Version) refuses it"] += 1
            else:
                bad.append((s, s, validity[s], "dpkg accepts it"))
        for s in sample:
            if dpkg_says[s] == "warning" and vigil_warns(args.vigil, s):
                documented["dpkg: dpkg warns and still compares; vigil warns and compares too"] += 1
            elif dpkg_says[s] != "ok":
                bad.append((s, s, "accepted", f"dpkg: {dpkg_says[s]}"))
        report["accepted strings checked with dpkg"] = len(sample)

    for (a, b), v, o in zip(pairs, vig, orc):
        v_err, o_err = v.startswith("error"), o.startswith("error")
        if v_err and o_err:
            counts["both refuse"] += 1
        elif not v_err and not o_err:
            if v == o:
                counts["same order"] += 1
            else:
                label = None
                for rule in DOCUMENTED.get(scheme, []):
                    label = label or rule(a, b, v, o)
                if label:
                    documented[label] += 1
                else:
                    bad.append((a, b, v, o))
        elif v_err:
            if scheme == "dpkg" or (scheme == "rpm" and o_err is False):
                # libapt-pkg does not validate (dpkg itself is asked above); rpm refuses only an
                # empty version, vigil more (docs/VERSIONS.md, "rpm").
                counts["refused by vigil, ordered by the reference"] += 1
            else:
                label = ecosystems_label(scheme, a, b, v, o)
                if not label and scheme not in ecosystems.SCHEMES:
                    for rule in DOCUMENTED.get(scheme, []):
                        label = label or rule(a, b, v, o)
                if label:
                    documented[label] += 1
                else:
                    bad.append((a, b, v, o))
        else:
            label = ecosystems_label(scheme, a, b, v, o)
            if label:
                documented[label] += 1
            else:
                bad.append((a, b, v, o))
    report.update(counts)
    for k, n in documented.items():
        report["documented: " + k] = n
    report["disagreements"] = len(bad)
    report["seconds: vigil"] = round(t_vigil, 2)
    report["seconds: reference"] = round(t_oracle, 2)
    return report, bad, reasons


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vigil", required=True, help="path to the vigil executable")
    ap.add_argument("--scheme", default="all",
                    help="dpkg, rpm, semver, go, pep440, maven, gem, composer (comma-separated) or all")
    ap.add_argument("--pairs", type=int, default=100000, help="pairs per scheme")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--show", type=int, default=20, help="disagreements to print per scheme")
    ap.add_argument("--dpkg-sample", type=int, default=2000,
                    help="accepted dpkg strings to check with the dpkg binary (one process each)")
    ap.add_argument("--reasons", action="store_true", help="print why vigil refused strings")
    args = ap.parse_args()
    schemes = SCHEMES if args.scheme == "all" else tuple(args.scheme.split(","))
    for tool in ("dpkg", "node", "go"):
        if shutil.which(tool) is None:
            raise SystemExit(f"version-diff: {tool} is not installed (scripts/setup.sh --test installs it)")
    failed = False
    with tempfile.TemporaryDirectory(prefix="version-diff-") as tmp:
        for scheme in schemes:
            report, bad, reasons = run_scheme(args, scheme, tmp)
            print(f"== {scheme} (seed {args.seed})")
            for k, v in report.items():
                print(f"  {k}: {v}")
            if args.reasons:
                for r, n in reasons.most_common():
                    print(f"  refused ({n}): {r}")
            for a, b, v, o in bad[: args.show]:
                print(f"  DISAGREE {a!r} vs {b!r}: vigil {v!r}, reference {o!r}")
            failed = failed or bool(bad)
    print("version-diff: " + ("FAILED: disagreements above" if failed else "no undocumented disagreement"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
