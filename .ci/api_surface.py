"""Counts the crate's public API from rustdoc's JSON output: exported names (every public path)
and the public inherent methods and associated constants of exported types (trait impls are
not counted). `-v` lists them.

    RUSTDOCFLAGS="-Z unstable-options --output-format json" \
        cargo +nightly doc --no-deps --all-features --lib
    python3 .ci/api_surface.py target/doc/kazoo_records.json
"""
import json, sys
d = json.load(open(sys.argv[1]))
index = d["index"]; paths = d["paths"]; root = d["root"]
crate_id = index[str(root)]["crate_id"] if str(root) in index else 0
def item(i): return index.get(str(i))
names = set(); methods = set()
def kind_of(it):
    return next(iter(it["inner"])) if isinstance(it["inner"], dict) else it["inner"]
def walk(mod_id, prefix, seen):
    it = item(mod_id)
    if it is None or mod_id in seen: return
    seen = seen | {mod_id}
    for child in it["inner"]["module"]["items"]:
        c = item(child)
        if c is None: continue
        k = kind_of(c)
        if k == "use":
            u = c["inner"]["use"]
            target = u.get("id")
            name = u["name"]
            if u.get("is_glob"):
                t = item(target)
                if t is not None and kind_of(t) == "module": walk(target, prefix, seen)
                continue
            t = item(target) if target is not None else None
            if t is None: continue
            if c.get("visibility") != "public": continue
            handle(target, t, prefix + "::" + name, seen)
        else:
            if c.get("visibility") != "public": continue
            handle(child, c, prefix + "::" + (c.get("name") or "?"), seen)
def handle(cid, c, path, seen):
    k = kind_of(c)
    if k == "module":
        names.add(("mod", path)); walk(cid, path, seen); return
    if k in ("impl",): return
    names.add((k, path))
    if k in ("struct", "enum", "union", "trait"):
        inner = c["inner"][k]
        for imp in inner.get("impls", []):
            im = item(imp)
            if im is None: continue
            ii = im["inner"]["impl"]
            if ii.get("trait") is not None or ii.get("is_synthetic") or ii.get("blanket_impl"): continue
            for m in ii["items"]:
                mi = item(m)
                if mi and mi.get("visibility") == "public":
                    dep = " (deprecated)" if mi.get("deprecation") else ""
                    methods.add(path + "::" + mi["name"] + dep)
        if k == "enum":
            pass
walk(root, "kazoo_records", frozenset())
dedup = {}
for k, p in names: dedup[p] = k
if "-v" in sys.argv:
    for p in sorted(dedup): print(dedup[p], p)
    for m in sorted(methods): print("method", m)
print(f"exported names: {len(dedup)}; public methods: {len(methods)}")
