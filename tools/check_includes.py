#!/usr/bin/env python3
"""Checks the include rules between vigil's parts, and prints the include graph.

The rules (docs/ARCHITECTURE.md, "Parts and their headers"):
  1. A part's public headers are the files directly in src/<part>/. Anything in a subfolder
     (src/<part>/internal/, src/catalog/catalogers/, src/runtime/bpf/, ...) is the part's own:
     only src/<part>/ itself and the white-box consumers (tests/, fuzz/, bench/) may include it.
  2. A part may include the public headers of the parts it links (DEPS and PRIVATE_DEPS of its
     vigil_library() calls, followed transitively) and no others: the arrows point one way.
  3. apps/ may include any public header, and no internal one.
  4. yaml-cpp is included only by the YAML adapter (src/common/yaml.cc, src/common/yaml_node.h),
     so that every YAML document vigil reads passes the YAML guard (common/yaml.h) before a tree
     is built; tests, fuzz targets and benchmarks are exempt.

The parts and their dependencies are read from src/*/CMakeLists.txt, so the build files stay the
one place that declares them. Exit 0 when every include keeps the rules, 1 with one line per
broken rule ("file:line: ..."), 2 on a usage error.

  tools/check_includes.py [--root DIR]           check
  tools/check_includes.py --graph [--root DIR]   print "part -> part part ..." for src/ and apps/
"""
import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
YAML_CPP = re.compile(r'^\s*#\s*include\s+[<"]yaml-cpp/')
YAML_ADAPTER = {os.path.join("src", "common", "yaml.cc"), os.path.join("src", "common", "yaml_node.h")}
LIBRARY = re.compile(r"vigil_library\(\s*(\w+)(.*?)\)\s*$", re.S | re.M)
DEP = re.compile(r"vigil::(\w+)")


def part_of_target(target, parts):
    # vigil::vulndb_store belongs to the part vulndb.
    if target in parts:
        return target
    for p in parts:
        if target.startswith(p + "_"):
            return p
    return None


def read_parts(root):
    src = os.path.join(root, "src")
    parts = sorted(d for d in os.listdir(src) if os.path.isfile(os.path.join(src, d, "CMakeLists.txt")))
    deps = {p: set() for p in parts}
    for p in parts:
        text = open(os.path.join(src, p, "CMakeLists.txt"), encoding="utf-8").read()
        # A vigil_library() call ends at the first line that closes it; nested parentheses do
        # not occur in these calls.
        for m in re.finditer(r"vigil_library\((.*?)\n?\)", text, re.S):
            for d in DEP.findall(m.group(1)):
                q = part_of_target(d, parts)
                if q and q != p:
                    deps[p].add(q)
        for m in re.finditer(r"target_link_libraries\((\w+)(.*?)\)", text, re.S):
            for d in DEP.findall(m.group(2)):
                q = part_of_target(d, parts)
                if q and q != p:
                    deps[p].add(q)
    closure = {}
    for p in parts:
        seen, todo = set(), list(deps[p])
        while todo:
            q = todo.pop()
            if q not in seen:
                seen.add(q)
                todo.extend(deps[q])
        closure[p] = seen
    return parts, deps, closure


def source_files(root):
    for top in ("src", "apps", "tests", "fuzz", "bench", "tools"):
        base = os.path.join(root, top)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if d not in ("testdata", "corpus", "node_modules")]
            for f in filenames:
                if f.endswith((".h", ".cc", ".c", ".cpp")):
                    yield os.path.relpath(os.path.join(dirpath, f), root)


def owner(rel, parts):
    """(kind, part) of a source file: ("src", p), ("tests", p or None), ("apps"|"fuzz"|"bench"|"tools", None)."""
    bits = rel.split(os.sep)
    if bits[0] == "src" and len(bits) > 2 and bits[1] in parts:
        return "src", bits[1]
    if bits[0] == "tests":
        return "tests", bits[1] if len(bits) > 2 and bits[1] in parts else None
    return bits[0], None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    ap.add_argument("--graph", action="store_true", help="print which part includes which")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    parts, deps, closure = read_parts(root)

    errors = []
    graph = {}
    for rel in sorted(source_files(root)):
        kind, me = owner(rel, parts)
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                if YAML_CPP.match(line) and kind in ("src", "apps") and rel not in YAML_ADAPTER:
                    errors.append(f"{rel}:{n}: includes yaml-cpp directly; read YAML with LoadYaml "
                                  f"(common/yaml_node.h) so that it passes the YAML guard")
                m = INCLUDE.match(line)
                if not m:
                    continue
                inc = m.group(1).split("/")
                if len(inc) < 2 or inc[0] not in parts:
                    continue  # local ("commands.h"), generated or test-support headers
                target = inc[0]
                internal = len(inc) > 2
                who = me if kind == "src" else ("vigil" if kind == "apps" else None)
                if who and target != who:
                    graph.setdefault(who, set()).add(target)
                where = f"{rel}:{n}"
                if internal:
                    allowed = (kind == "src" and me == target) or kind in ("tests", "fuzz", "bench")
                    if not allowed:
                        errors.append(f"{where}: includes {m.group(1)}, an internal header of the part '{target}'")
                elif kind == "src" and target != me and target not in closure[me]:
                    errors.append(
                        f"{where}: the part '{me}' includes {m.group(1)} but does not link vigil::{target} "
                        f"(src/{me}/CMakeLists.txt)")

    if args.graph:
        for p in sorted(graph):
            print(f"{p} -> {' '.join(sorted(graph[p]))}")
        return 0
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        print(f"check_includes: {len(errors)} include(s) break the rules between parts", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
