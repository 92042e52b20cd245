"""The measurements bench/lib.sh's `measure` writes to results.tsv, read back as medians.

Shared by the tables of bench/compare-sbom.sh and bench/compare-scan.sh (run with
PYTHONPATH=bench). Each row is "image<TAB>round<TAB>name<TAB>seconds<TAB>KB", or "fail" in both
figures for a failed run.
"""
import statistics
from collections import defaultdict


class Results:
    """Wall seconds and peak RSS per (image, name) over the rounds, and the failures.

    For a name measured together with "<name>-version" in the same round (a tool's start-up),
    "<name>-work" holds the difference: the tool's time without its start-up.
    """

    def __init__(self, path):
        rows = [l.rstrip("\n").split("\t") for l in open(path) if l.strip()]
        self.seconds = defaultdict(list)
        self.kb = defaultdict(list)
        self.failed = defaultdict(int)
        by_round = defaultdict(dict)
        for img, rnd, name, secs, kb in rows:
            if secs == "fail":
                self.failed[(img, name)] += 1
                continue
            self.seconds[(img, name)].append(float(secs))
            self.kb[(img, name)].append(int(kb))
            by_round[(img, rnd)][name] = float(secs)
        for (img, rnd), d in by_round.items():
            for name in list(d):
                if name + "-version" in d:
                    self.seconds[(img, name + "-work")].append(d[name] - d[name + "-version"])

    def med(self, key):
        """The median wall seconds of key = (image, name); NaN when never measured."""
        return statistics.median(self.seconds[key]) if self.seconds[key] else float("nan")

    def mem(self, key):
        """The median peak RSS in MB of key = (image, name); NaN when never measured."""
        return statistics.median(self.kb[key]) / 1024 if self.kb[key] else float("nan")

    def print_failures(self):
        """One paragraph per (image, name) that failed, with how many times."""
        for (img, name), n in sorted(self.failed.items()):
            print(f"\n{name} failed {n} time(s) on {img}")


def s(x):
    """A figure for a table: "n/a" for NaN, two decimals below 10, one above."""
    return "n/a" if x != x else (f"{x:.2f}" if x < 10 else f"{x:.1f}")


def ratio(a, b):
    """a / b with two decimals; "n/a" when either is NaN or b is 0."""
    return "n/a" if a != a or b != b or b == 0 else f"{a / b:.2f}"
