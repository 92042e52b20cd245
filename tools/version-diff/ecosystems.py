"""The language-ecosystem schemes of the differential run: pep440, maven, gem and composer.

version_diff.py and harvest.py import this module; it holds, per scheme, the corpus sources,
the mutation alphabet and suffixes, the reference (oracle) runner and the behaviours documented
in docs/VERSIONS.md ("Language ecosystems") that a disagreement may match.

References:
  pep440    pypa/packaging's Version (Debian python3-packaging)
  maven     org.apache.maven.artifact.versioning.ComparableVersion from Debian's maven package
            (maven-artifact 3.8.7; vigil follows Maven 4, see DOCUMENTED)
  gem       Gem::Version (Debian ruby)
  composer  composer/semver (Debian php-composer-semver): normalize, then Comparator
  nuget     none installable (NuGet.Versioning is not packaged for Debian; Debian's `nuget` is
            NuGet 2.8 with the older SemanticVersion): covered by tests/version/nuget_test.cc only
"""
import glob
import json
import os
import re
import shutil
import subprocess
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMES = ("pep440", "maven", "gem", "composer")

# OSV ecosystem -> scheme, for harvest.py.
HARVEST_ECOSYSTEMS = {"PyPI": "pep440", "Maven": "maven", "RubyGems": "gem", "NuGet": "nuget",
                      "Packagist": "composer"}
SCALIBR_FILES = {"pep440": "pypi", "maven": "maven", "gem": "rubygems", "nuget": "nuget",
                 "composer": "packagist"}


def harvest_extra(data, add, out):
    """Adds real versions beyond the OSV records: osv-scalibr's semantic vectors (generated
    upstream from each registry's real version lists) and the package databases."""
    vectors = os.path.join(data, "version-vectors", "osv-scalibr-semantic")
    for scheme, prefix in SCALIBR_FILES.items():
        for path in glob.glob(os.path.join(vectors, prefix + "-versions*.txt")):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    m = re.match(r"^(.*) [<=>] (.*)$", line.rstrip("\n"))
                    if m and not line.startswith(("#", "//")):
                        add(out, scheme, m.group(1))
                        add(out, scheme, m.group(2))
    for path in glob.glob(os.path.join(data, "pkgdb", "python", "**", "*"), recursive=True):
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                for m in re.finditer(r"(?m)^Version: (\S+)$|version = \"([^\"]+)\"", f.read()):
                    add(out, "pep440", m.group(1) or m.group(2))
    for path in glob.glob(os.path.join(data, "pkgdb", "java", "**", "*"), recursive=True):
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                for m in re.finditer(r"(?m)^(?:version=|Implementation-Version: |Bundle-Version: )(\S+)$|<version>([^<$]+)</version>", f.read()):
                    add(out, "maven", m.group(1) or m.group(2))
    for path in glob.glob(os.path.join(data, "pkgdb", "ruby", "**", "*"), recursive=True):
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                for m in re.finditer(r"\(([0-9][0-9A-Za-z.\-]*)\)|version = \"([^\"]+)\"", f.read()):
                    add(out, "gem", m.group(1) or m.group(2))
    for path in glob.glob(os.path.join(data, "pkgdb", "php", "**", "*"), recursive=True):
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                for m in re.finditer(r"\"version\"\s*:\s*\"([^\"]+)\"", f.read()):
                    add(out, "composer", m.group(1))
    for path in glob.glob(os.path.join(data, "pkgdb", "dotnet", "**", "*"), recursive=True):
        if os.path.isfile(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                for m in re.finditer(r"\"[A-Za-z0-9_.\-]+/([0-9][^\"]*)\"|\"resolved\"\s*:\s*\"([^\"]+)\"", f.read()):
                    add(out, "nuget", m.group(1) or m.group(2))


ALPHABET = {
    "pep440": "0123456789abcrpvdeostABRCPV.-_+! \u212a\u00e9",
    "maven": "0123456789abcmrspgfinlxyzABMRS.-_+ \u00e9\u00c9\u0668",
    "gem": "0123456789abcprexyzABP.-+ _",
    "composer": "0123456789abcdeprlvsxABRCPV.-_+@:/ *",
}
SUFFIXES = {
    "pep440": ["a1", "b2", "rc1", "c1", ".post1", "-1", ".dev0", "dev", ".post1.dev2", "+local", "+ubuntu1.2",
               "+1.abc", "alpha", "-beta_3", ".PRE4", "preview", "r5", "-rev", ".0", "!", "+", ".", "-"],
    "maven": ["-SNAPSHOT", "-alpha-1", "-beta2", ".RC1", "-rc-2", "-M1", ".Final", ".GA", "-ga", "-release",
              "-sp1", "-1", "-0", ".0", "-foo", "a1", "b", "-cr3", ".jre8", "-android", "-01", "--1", "."],
    "gem": [".pre", ".pre.1", ".rc1", ".beta.2", "-1", "-alpha", ".0", "a", ".a.0", "-pre.1", ".1", "--", "-"],
    "composer": ["-dev", "-beta1", "-RC2", "-alpha.3", "-patch1", "-pl2", "-p3", ".x-dev", "-stable", "@dev",
                 " as 1.0.0", "+build.7", "-b5", "a1", ".1", "-1", "-beta.1-dev"],
}


def special(rng, v, scheme):
    r = rng.random()
    if scheme == "pep440":
        if r < 0.2:
            return str(rng.choice((0, 1, 2, 10))) + "!" + v.split("!", 1)[-1]
        if r < 0.4:
            return rng.choice(("v", "V", " ", "\t")) + v + rng.choice(("", " ", "\n"))
        if r < 0.6:
            return v.replace(".", rng.choice(("-", "_", "")), 1)
        if r < 0.8:
            return v.upper()
        return re.sub(r"\d+", lambda m: "0" + m.group(0), v, count=1)
    if scheme == "maven":
        if r < 0.25:
            return v.replace(".", "-", 1) if rng.random() < 0.5 else v.replace("-", ".", 1)
        if r < 0.45:
            return re.sub(r"([A-Za-z])[.-]?(\d)", r"\1\2", v, count=1) if rng.random() < 0.5 else \
                re.sub(r"([A-Za-z])(\d)", r"\1-\2", v, count=1)
        if r < 0.6:
            return v.upper() if rng.random() < 0.5 else v.lower()
        if r < 0.8:
            return v + rng.choice((".0", ".0.0", "-0", "-ga", "-final", "-release", ".a", "-b", "-m2"))
        return re.sub(r"\d+", lambda m: "0" + m.group(0), v, count=1)
    if scheme == "gem":
        if r < 0.3:
            return v.replace(".", "-", 1)
        if r < 0.5:
            return rng.choice((" ", "\n", "")) + v + rng.choice((" ", ""))
        if r < 0.7:
            return v + rng.choice((".0", ".0.0", ".a", ".A", ".pre.0"))
        return v.upper()
    if scheme == "composer":
        if r < 0.2:
            return rng.choice(("v", "V", "dev-", "DEV-", " ")) + v
        if r < 0.4:
            parts = v.split(".")
            return ".".join(parts[:rng.randint(1, 4)])
        if r < 0.55:
            return rng.choice(("master", "dev-master", "trunk", "dev-main", "1.x-dev", "2.0.x-dev", "2010-01-02",
                               "20100102203040", "2010.01.02.5", "v2.*-dev"))
        if r < 0.75:
            return v.upper() if rng.random() < 0.5 else v.lower()
        return re.sub(r"\d+", lambda m: "0" + m.group(0), v, count=1)
    return v


def _run(cmd, pairs):
    data = "".join(f"{a}\t{b}\n" for a, b in pairs).encode("utf-8", "surrogateescape")
    p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if p.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({p.returncode}): {p.stderr.decode(errors='replace')[:2000]}")
    out = p.stdout.decode("utf-8", "replace").split("\n")
    if out and out[-1] == "":
        out.pop()
    if len(out) != len(pairs):
        raise SystemExit(f"{cmd[0]} answered {len(out)} lines for {len(pairs)} pairs")
    return out


def _need(tool, package):
    if shutil.which(tool) is None:
        raise SystemExit(f"version-diff: {tool} is not installed (Debian package {package}; "
                         "scripts/setup.sh --test installs it)")


def oracle_pep440(pairs, _tmp):
    return _run(["/usr/bin/python3", os.path.join(HERE, "oracles", "pep440_oracle.py")], pairs)


def oracle_maven(pairs, _tmp):
    _need("java", "default-jdk-headless")
    jar = "/usr/share/maven/lib/maven-artifact-3.x.jar"
    if not os.path.exists(jar):
        raise SystemExit(f"version-diff: {jar} is missing (Debian package maven)")
    return _run(["java", "-cp", jar, os.path.join(HERE, "oracles", "OracleMaven.java")], pairs)


def oracle_gem(pairs, _tmp):
    _need("ruby", "ruby")
    return _run(["ruby", os.path.join(HERE, "oracles", "gem_oracle.rb")], pairs)


def oracle_composer(pairs, _tmp):
    _need("php", "php-cli")
    return _run(["php", os.path.join(HERE, "oracles", "composer_oracle.php")], pairs)


ORACLES = {"pep440": oracle_pep440, "maven": oracle_maven, "gem": oracle_gem, "composer": oracle_composer}


# ---------------------------------------------------------------------------------------------
# Documented behaviours (docs/VERSIONS.md, "Language ecosystems"). Each takes the pair and both
# answers (vigil's, the reference's; "error: ..." for a refusal) and returns a label or None.

def _non_ascii(s):
    return any(ord(c) > 127 for c in s)


def _stripped_unicode_space(s):
    # Python's str.strip() set minus ASCII: what packaging strips and vigil strips too.
    return s.strip() != s.strip(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")


def pep440_rules(a, b, v, o):
    if v.startswith("error") and not o.startswith("error") and \
            any(_non_ascii(x.strip()) for x in (a, b)):
        return ("pep440: packaging's case-insensitive pattern matches a few non-ASCII letters "
                "(KELVIN SIGN, LONG S, dotted I); vigil, like PEP 440, accepts ASCII only")
    return None


_MAVEN_CHANGES = (
    # (what changed after Maven 3.8.7, a pattern that spots a string exercising it), in the order
    # a disagreement is labelled by; docs/VERSIONS.md ("Maven") explains each.
    ("non-ASCII: 3.8 takes Character.isDigit digits and Unicode case, today ASCII digits only",
     r"[^\x00-\x7f]"),
    ("'X-1' read as 'X1'", r"[a-z]-\d"),
    ("'.X' read as '-X' (MNG-7644)", r"\d\.[a-z]"),
    ("ga, final, release no longer read as an empty (dropped) qualifier (MNG-7714)",
     r"(^|[^a-z])(ga|final|release)([^a-z]|$)"),
    ("zero or empty item before a qualifier (normalize)",
     r"(^|[.\-])0*(?=[.\-][a-z]|[.\-]$)|(^|\d)[.\-][.\-]|^[.\-]"),
    ("qualifier and number as one item ('X1 > X')", r"[a-z]\d"),
    ("sublist against qualifier", r"\d-\d"),
)


def maven_rules(a, b, v, o):
    if v.startswith("error") and not o.startswith("error") and "" in (a, b):
        return "maven: ComparableVersion reads '' as 0; vigil refuses an empty version"
    if v.startswith("error") or o.startswith("error"):
        return None
    for label, pattern in _MAVEN_CHANGES:
        if re.search(pattern, a.lower()) or re.search(pattern, b.lower()):
            return "maven: changed since maven-artifact 3.8.7: " + label
    return None


def gem_rules(a, b, v, o):
    if v.startswith("error") and not o.startswith("error") and \
            any(x.strip(" \t\n\v\f\r") == "" for x in (a, b)):
        return "gem: Gem::Version reads a blank string as 0; vigil refuses it"
    return None


def composer_rules(a, b, v, o):
    if o == "incomparable" and not v.startswith("error"):
        return "composer: Composer orders two different dev- branches neither way; vigil by name"
    if v.startswith("error") and not o.startswith("error") and \
            any(re.search(r"[\x00-\x1f\x7f]", x.strip(" \t\n\r\0\x0b")) for x in (a, b)):
        return "composer: Composer keeps control characters in branch names; vigil refuses them"
    return None


DOCUMENTED = {"pep440": [pep440_rules], "maven": [maven_rules], "gem": [gem_rules],
              "composer": [composer_rules]}
