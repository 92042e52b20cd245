#!/usr/bin/env python3
"""Layer attribution: every package of vigil's JSON sits in the layer of the build step that
brought it, recognised by that layer's created_by (the image config's history).

  layers.py app|many VIGIL_JSON IMAGES_DIR

The expected step of each package is derived from how scripts/build-test-images.sh built the
image: base packages from the base root's dpkg status, the .debs of each apt-get step from the
.deb files themselves (dpkg-deb -f), npm and Python packages from where they were copied.
Prints one line per checked package that is wrong, and the closing count."""
import json, os, re, subprocess, sys

kind, vigil_json, images = sys.argv[1], sys.argv[2], sys.argv[3]
inv = json.load(open(vigil_json))
layers = inv["layers"]
passed = failed = 0


def ok(msg):
    global passed
    passed += 1


def bad(msg):
    global failed
    failed += 1
    print("FAIL:", msg)


def dpkg_installed(root):
    out = subprocess.run(["dpkg-query", "--admindir=" + os.path.join(root, "var/lib/dpkg"), "-W",
                          "-f", "${Package} ${Version} ${Architecture} ${db:Status-Status}\n"],
                         check=True, capture_output=True, text=True).stdout
    return {tuple(l.split()[:3]) for l in out.splitlines() if l.endswith(" installed")}


def debs_in(folder):
    rows = set()
    if not os.path.isdir(folder):
        return rows
    for fn in os.listdir(folder):
        if fn.endswith(".deb"):
            f = subprocess.run(["dpkg-deb", "-f", os.path.join(folder, fn), "Package", "Version", "Architecture"],
                               check=True, capture_output=True, text=True).stdout
            d = dict(l.split(": ", 1) for l in f.splitlines() if ": " in l)
            rows.add((d["Package"], d["Version"], d["Architecture"]))
    return rows


def deb_key(p):
    v = p["version"]
    if p.get("epoch") and ":" not in v:
        v = p["epoch"] + ":" + v
    return (p["name"], v, p.get("arch", ""))


def expect(p, pattern, why):
    """The package's layer's created_by must match the regular expression `pattern`."""
    layer = p["layer"]
    created_by = layers[layer]["created_by"] if 0 <= layer < len(layers) else "<no such layer>"
    label = f'{p["type"]} {p.get("namespace", "") and p["namespace"] + "/"}{p["name"]} {p["version"]} ({p["location"]})'
    if re.search(pattern, created_by):
        ok(label)
    else:
        bad(f"{label}: layer {layer} was made by '{created_by[:140]}', want the step {why} (/{pattern}/)")


base = dpkg_installed(os.path.join(images, "base", "rootfs"))
ctx = os.path.join(images, "context", kind)
step_debs = debs_in(os.path.join(ctx, "debs"))
update_debs = debs_in(os.path.join(ctx, "debs-update"))
deb_layer = {}
for p in inv["packages"]:
    if p["type"] == "deb":
        key = deb_key(p)
        deb_layer[p["name"]] = p["layer"]
        if key in update_debs:
            expect(p, r"source=debs-update,", "that installed the bookworm-security update")
        elif key in base:
            if p["layer"] == 0:
                ok(p["name"])
            else:
                bad(f'deb {key}: layer {p["layer"]}, want 0 (the debootstrap base); its status file was rewritten later')
        elif key in step_debs:
            expect(p, r"source=debs,target=", "that apt-get installed the point-release .debs")
        else:
            bad(f"deb {key}: neither in base nor among the .debs the build installed")

unchecked = []
for p in inv["packages"]:
    loc = p["location"]
    owner = p.get("owned_by") or ""
    if p["type"] in ("deb", "rpm", "apk"):
        continue
    if owner.startswith("deb:"):
        # A language package whose files a Debian package owns came with that package.
        want = deb_layer.get(owner[4:])
        if want == p["layer"]:
            ok(loc)
        else:
            bad(f"{p['type']} {p['name']} ({loc}): layer {p['layer']}, want {want}, the layer of its owner {owner}")
    elif p["type"] == "npm":
        if kind == "app":
            if loc == "app/node_modules/minimist/package.json":
                expect(p, r"mkdir /app/node_modules/minimist", "that replaced minimist (opaque folder)")
            elif loc == "app/node_modules/ms/package.json":
                expect(p, r"sed -i .*/app/node_modules/ms/package\.json", "that rewrote ms's package.json")
            elif loc.startswith("app/"):
                expect(p, r"COPY dir:\S+ in /app/ *$", "COPY npm-app/ /app/")
            elif loc.startswith("srv/site/"):
                expect(p, r"COPY dir:\S+ in \./ *$", "COPY site/ ./ in WORKDIR /srv/site")
            else:
                bad(f"npm {loc}: not from any step of the build")
        else:
            m = re.match(r"opt/many/node_modules/([^/]+)/", loc)
            if m:
                expect(p, r"COPY dir:\S+ in /opt/many/node_modules/" + re.escape(m.group(1)) + r"/ *$",
                       f"COPY node_modules/{m.group(1)}/")
            else:
                bad(f"npm {loc}: not from any step of the build")
    elif p["type"] == "pypi":
        if loc.startswith("usr/local/lib/python3.11/dist-packages/setuptools-"):
            expect(p, r"python3 -m zipfile -e ", "that unpacked the setuptools wheel")
        elif kind == "many" and "packaging-" in loc:
            expect(p, r"COPY dir:\S+ in /usr/local/lib/python3/dist-packages/packaging-[^/]+\.dist-info/ *$",
                   "COPY of packaging's dist-info")
        elif kind == "many" and "six-" in loc:
            expect(p, r"COPY dir:\S+ in /usr/local/lib/python3/dist-packages/ *$", "COPY pysix/")
        else:
            bad(f"pypi {loc}: not from any step of the build")
    elif p["type"] == "golang" and loc.startswith("usr/local/bin/esbuild"):
        expect(p, r"COPY file:\S+ in /usr/local/bin/esbuild *$", "COPY esbuild /usr/local/bin/esbuild")
    elif p["type"] == "maven" and loc.startswith("usr/share/java/"):
        expect(p, r"source=debs,target=", "that apt-get installed libcommons-lang3-java")
    else:
        unchecked.append(f"{p['type']} {p['name']} ({loc})")

if unchecked:
    print(f"note: {len(unchecked)} packages of kinds this test has no rule for: " + "; ".join(unchecked[:10]))
# Layer count: one per history entry that made a layer.
if kind == "many" and len(layers) < 40:
    bad(f"many has {len(layers)} layers, want 40 or more")
if any(not l["created_by"] for l in layers):
    bad("some layers have no created_by: " + ", ".join(str(l["index"]) for l in layers if not l["created_by"]))
print(f"{kind} {os.path.basename(vigil_json)}: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
