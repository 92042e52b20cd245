#!/usr/bin/env python3
"""Writes the hostile inputs of issue 12 that docs/VULNDB.md measures `vigil db import` on.

  bench/vulndb-hostile.py events N FILE   one npm OSV record whose SEMVER range has N events
                                          (N/2 introduced 1.i.0 / fixed 1.i.5 pairs, shuffled)
  bench/vulndb-hostile.py bomb N FILE     a zip of N entries BOMB-i.json, 1 MiB of zeros each
                                          (one raw-deflate stream repeated; sizes declared in
                                          the local headers and the central directory)
"""
import json
import random
import struct
import sys
import zlib


def events(n, path):
    random.seed(1)
    evs = []
    for i in range(n // 2):
        evs.append({"introduced": f"1.{i}.0"})
        evs.append({"fixed": f"1.{i}.5"})
    random.shuffle(evs)
    rec = {"schema_version": "1.6.0", "id": "VIGIL-TEST-BIGRANGE", "modified": "2024-01-01T00:00:00Z",
           "aliases": ["CVE-2099-0001"],
           "affected": [{"package": {"ecosystem": "npm", "name": "bigrange"},
                         "ranges": [{"type": "SEMVER", "events": evs}]}]}
    with open(path, "w") as f:
        json.dump(rec, f)


def bomb(n, path):
    size = 1 << 20
    raw = b"\0" * size
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = c.compress(raw) + c.flush()
    crc = zlib.crc32(raw)
    out, central = bytearray(), bytearray()
    for i in range(n):
        name = f"BOMB-{i}.json".encode()
        off = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(name), 0)
        out += name + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), size,
                               len(name), 0, 0, 0, 0, 0, off) + name
    cd_off = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central), cd_off, 0)
    with open(path, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("events", "bomb"):
        sys.exit(__doc__)
    {"events": events, "bomb": bomb}[sys.argv[1]](int(sys.argv[2]), sys.argv[3])
