import tarfile, hashlib, json, io, os
def layer(d):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode='w', format=tarfile.PAX_FORMAT) as t:
        for root, dirs, files in sorted(os.walk(d)):
            dirs.sort()
            for n in sorted(dirs + files):
                p = os.path.join(root, n); a = os.path.relpath(p, d)
                ti = t.gettarinfo(p, a); ti.uid = ti.gid = 0; ti.uname = ti.gname = 'root'; ti.mtime = 0
                t.addfile(ti, open(p, 'rb') if ti.isfile() else None)
    return b.getvalue()
ls = [layer('l1'), layer('l2')]  # run inside tiny-rootfs/
ids = ['sha256:' + hashlib.sha256(x).hexdigest() for x in ls]
cfg = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
  "rootfs": {"type": "layers", "diff_ids": ids},
  "history": [{"created_by": "ADD rootfs /"}, {"created_by": "COPY node_modules /usr/lib/node_modules"}]}).encode()
ch = hashlib.sha256(cfg).hexdigest()
with tarfile.open('tiny.docker.tar', 'w') as t:
    def add(n, data):
        ti = tarfile.TarInfo(n); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
    add(ch + '.json', cfg)
    names = []
    for i, x in enumerate(ls):
        n = ids[i][7:] + '/layer.tar'; add(n, x); names.append(n)
    add('manifest.json', json.dumps([{"Config": ch + '.json', "RepoTags": ["vigil-test/tiny:1"], "Layers": names}]).encode())
