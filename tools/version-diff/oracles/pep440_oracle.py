#!/usr/bin/python3
"""Oracle for the pep440 scheme: pypa/packaging's Version (Debian python3-packaging).

Reads "A<TAB>B" lines on stdin; writes "<", "=", ">" or "error: <reason>" for each.
    /usr/bin/python3 tools/version-diff/oracles/pep440_oracle.py < pairs.tsv
"""
import sys

from packaging.version import InvalidVersion, Version


def answer(a, b):
    try:
        va, vb = Version(a), Version(b)
    except InvalidVersion as e:
        return "error: " + str(e).replace("\n", " ").replace("\t", " ")
    return "<" if va < vb else (">" if va > vb else "=")


def main():
    out = []
    for line in sys.stdin.buffer.read().decode("utf-8", "surrogateescape").split("\n"):
        if "\t" not in line:
            if line:
                out.append("error: no tab")
            continue
        a, b = line.split("\t", 1)
        out.append(answer(a, b))
    sys.stdout.write("\n".join(out) + ("\n" if out else ""))


if __name__ == "__main__":
    main()
