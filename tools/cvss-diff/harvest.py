#!/usr/bin/env python3
"""Harvests every distinct CVSS vector string found in shared/data and prints them, one a line,
sorted, for cvss_reference.js to score:

    tools/cvss-diff/harvest.py ../shared/data | node tools/cvss-diff/cvss_reference.js --tsv \
        > tests/vulndb/testdata/cvss-vectors.tsv

Where vectors are found:
  * JSON and JSON Lines documents (OSV records, legacy npm advisories, CSAF, CycloneDX): the
    values of the keys that carry a vector (`severity[].score` of a CVSS_* entry, `cvss`,
    `cvss_vector`, `vectorString`, `vector`), exactly as written, malformed ones included;
  * every other string in those documents (descriptions quote vectors) and every other text file
    (Ubuntu CVE tracker entries, YAML, Markdown): substrings shaped like a vector, i.e.
    "CVSS:<n>.<n>/" or "AV:?/AC:?/Au:?" followed by "/NAME:VALUE" parts (a trailing '/' kept).
Binary files (package databases) are skipped.
"""
import json
import os
import re
import sys

VECTOR_KEYS = {"cvss", "cvss_vector", "vectorString", "vector"}
TEXT_PATTERNS = [
    re.compile(r"CVSS:\d+(?:\.\d+)?(?:/[A-Za-z]+:[A-Za-z]+)+/?"),
    re.compile(r"(?<![A-Za-z:/])\(?AV:[A-Z]/AC:[A-Z]/Au:[A-Z](?:/[A-Za-z]+:[A-Za-z]+)*\)?"),
]


def from_text(text, out):
    for pattern in TEXT_PATTERNS:
        for m in pattern.finditer(text):
            v = m.group(0)
            # A v2 vector quoted in prose as "(AV:...)" keeps its parentheses only when balanced.
            if v.startswith("(") != v.endswith(")"):
                v = v.strip("()")
            out.add(v)


def walk(node, out, key=None, parent=None):
    if isinstance(node, dict):
        for k, v in node.items():
            walk(v, out, k, node)
    elif isinstance(node, list):
        for v in node:
            walk(v, out, key, parent)
    elif isinstance(node, str):
        structured = key in VECTOR_KEYS or (
            key == "score" and str((parent or {}).get("type", "")).upper().startswith("CVSS"))
        if structured and "/" in node and ":" in node and "\n" not in node and len(node) < 1024:
            out.add(node)
        else:
            from_text(node, out)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
    out = set()
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                raw = f.read()
            if b"\0" in raw[:65536]:
                continue
            text = raw.decode("utf-8", errors="replace")
            docs = []
            if name.endswith(".jsonl"):
                try:
                    docs = [json.loads(line) for line in text.splitlines() if line.strip()]
                except ValueError:
                    docs = []
            elif name.endswith(".json"):
                try:
                    docs = [json.loads(text)]
                except ValueError:
                    docs = []
            if docs:
                for d in docs:
                    walk(d, out)
            else:
                from_text(text, out)
    for v in sorted(out):
        print(v)


if __name__ == "__main__":
    main()
