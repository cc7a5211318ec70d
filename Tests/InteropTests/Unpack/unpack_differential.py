#!/usr/bin/env python3
"""Differential unpacking: random layer stacks applied by `klein layer unpack` and by `umoci raw unpack`
(and GNU tar where a stack has no whiteouts), the resulting trees compared.

Usage: unpack_differential.py --klein PATH --seed N --count N --work DIR

Each case is generated from (seed, case number) alone, so a failure is reproduced by its seed and number.
A divergence is minimized (entries and layers dropped while it persists) and printed as JSON. Known
cases where a peer is wrong are classified by `peer_is_wrong` and counted apart. The last line reads
`N cases agree, M diverge unexplained`; the exit status is 1 when M is not 0.
"""
import argparse, hashlib, io, json, os, random, re, shutil, stat, subprocess, sys, tarfile

# Names that are not UTF-8 are spelled as surrogate escapes (PEP 383): `caf\udce9` is the bytes `caf\xe9`.
NAMES = ["a", "b", "dir", "f", "caf\u00e9", "cafe\u0301", "caf\udce9", "\udcff\udcfe", "Name", "name", "\u00fc" * 3,
         "long-" + "x" * 110, "long-\udcff" + "x" * 110]
MODES = [0o644, 0o755, 0o600, 0o700, 0o4755, 0o2755, 0o1777]


def generate(rng):
    """A stack of layers; each layer a list of entries {path, kind, ...}. Entries respect what a valid
    producer may write except for repeated paths (which real images contain)."""
    layers, tree = [], {}  # tree: path -> kind, the effective result so far
    for _ in range(rng.randint(1, 4)):
        layer, written = [], {}
        for _ in range(rng.randint(1, 8)):
            depth = rng.randint(1, 3)
            parts = [rng.choice(NAMES) for _ in range(depth)]
            path = "/".join(parts)
            # Parents: explicit directories, unless something that is not a directory is in the way.
            blocked = False
            for i in range(1, depth):
                parent = "/".join(parts[:i])
                kind = written.get(parent, tree.get(parent))
                if kind not in (None, "dir"):
                    blocked = True
                    break
                if parent not in written:
                    layer.append({"path": parent + "/", "kind": "dir", "mode": rng.choice([0o755, 0o700, 0o750])})
                    written[parent] = "dir"
            if blocked:
                continue
            roll = rng.random()
            existing = [p for p, k in list(tree.items()) + list(written.items()) if k == "file" and "/" not in p[len(path):]]
            if roll < 0.1 and (tree or written):
                # A whiteout of something a lower layer has (or not: then it is a no-op).
                victim = rng.choice(list(tree) or [path])
                head, _, name = victim.rpartition("/")
                layer.append({"path": (head + "/" if head else "") + ".wh." + name, "kind": "whiteout"})
                continue
            if roll < 0.15 and tree:
                dirs = [p for p, k in tree.items() if k == "dir"]
                if dirs:
                    directory = rng.choice(dirs)
                    if written.get(directory, "dir") == "dir":
                        layer.append({"path": directory + "/.wh..wh..opq", "kind": "whiteout"})
                        continue
            if roll < 0.25 and written and rng.random() < 0.5:
                # A repeated path: one this layer already wrote, perhaps of another kind.
                path = rng.choice(sorted(written))
            if roll < 0.45:
                entry = {"path": path + "/", "kind": "dir", "mode": rng.choice([0o755, 0o700, 0o711, 0o1777])}
            elif roll < 0.7:
                entry = {"path": path, "kind": "file", "mode": rng.choice(MODES), "data": rng.choice(["", "x", "hello\n", "%d" % rng.randint(0, 9)]),
                         "pad": rng.choice([0, 0, 3000])}
                if rng.random() < 0.2:
                    entry["xattrs"] = {"user.klein": rng.choice(["1", "two", "\u00e9"])}
            elif roll < 0.85:
                target = rng.choice(["a", "../b", "/dir/f", "dangling", "dir", "/", "caf\u00e9", "x" * 130])
                entry = {"path": path, "kind": "symlink", "target": target}
            else:
                files = [p for p, k in written.items() if k == "file" and p != path]
                if not files:
                    continue
                entry = {"path": path, "kind": "hardlink", "target": rng.choice(files)}
            if entry["kind"] == "dir" and written.get(path) not in (None, "dir"):
                pass  # a file or link turned into a directory within the layer
            if entry["kind"] != "dir" and (written.get(path) == "dir" or tree.get(path) == "dir"):
                # Replacing a directory drops what the tree knew below it.
                for known in (written, tree):
                    for p in [p for p in known if p.startswith(path + "/")]:
                        del known[p]
            layer.append(entry)
            written[path] = "dir" if entry["kind"] == "dir" else "file" if entry["kind"] in ("file", "hardlink") else "symlink"
        # Whiteouts remove from the tree what they name.
        for entry in layer:
            if entry["kind"] == "whiteout":
                head, _, name = entry["path"].rpartition("/")
                if name == ".wh..wh..opq":
                    for p in [p for p in tree if p.startswith(head + "/") and p not in written]:
                        del tree[p]
                else:
                    target = (head + "/" if head else "") + name[4:]
                    for p in [p for p in tree if (p == target or p.startswith(target + "/")) and p not in written]:
                        del tree[p]
        tree.update(written)
        if layer:
            layers.append(layer)
    # Every entry may have been skipped: a stack has one layer at least.
    return layers or [[{"path": "f", "kind": "file", "mode": 0o644, "data": "x", "pad": 0}]]


def write_tar(entries, path, fmt):
    with tarfile.open(path, "w", format=fmt) as tar:
        for entry in entries:
            info = tarfile.TarInfo(entry["path"])
            info.mtime = 0
            kind = entry["kind"]
            if kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, entry["mode"]
                tar.addfile(info)
            elif kind in ("file", "whiteout"):
                data = entry.get("data", "").encode() + b"z" * entry.get("pad", 0)
                info.size, info.mode = len(data), entry.get("mode", 0o644)
                if entry.get("xattrs"):
                    info.pax_headers = {"SCHILY.xattr." + k: v for k, v in entry["xattrs"].items()}
                tar.addfile(info, io.BytesIO(data))
            elif kind == "symlink":
                info.type, info.linkname, info.mode = tarfile.SYMTYPE, entry["target"], 0o777
                tar.addfile(info)
            elif kind == "hardlink":
                info.type, info.linkname = tarfile.LNKTYPE, entry["target"]
                tar.addfile(info)


def snapshot(root):
    """Every path below root: type, permission bits, owner, content digest or link target, user
    xattrs; plus which regular files share an inode."""
    tree, inodes = {}, {}
    for directory, dirnames, filenames in os.walk(root.encode()):
        for name in dirnames + filenames:
            full = os.path.join(directory, name)
            relative = os.path.relpath(full, root.encode()).decode("utf-8", "surrogateescape")
            info = os.lstat(full)
            record = [stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid]
            if stat.S_ISREG(info.st_mode):
                with open(full, "rb") as handle:
                    record.append(hashlib.sha256(handle.read()).hexdigest()[:16])
                inodes.setdefault(info.st_ino, []).append(relative)
            elif stat.S_ISLNK(info.st_mode):
                record.append(os.readlink(full).decode("utf-8", "surrogateescape"))
            if not stat.S_ISLNK(info.st_mode):
                try:
                    record.append(sorted((k, os.getxattr(full, k)) for k in os.listxattr(full) if k.startswith("user.")))
                except OSError:
                    pass
            tree[relative] = record
    links = sorted(sorted(group) for group in inodes.values() if len(group) > 1)
    return tree, links


def run(command, **kw):
    # Tools print names that are not UTF-8 as their bytes: read them as surrogate escapes, as the names are.
    return subprocess.run(command, capture_output=True, text=True, errors="surrogateescape", **kw)


def apply_all(layers, work, klein):
    """The trees each unpacker makes of the stack (None where it refused), and why it refused."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    files = []
    for index, layer in enumerate(layers):
        path = os.path.join(work, "layer%d.tar" % index)
        write_tar(layer, path, tarfile.PAX_FORMAT if index % 2 == 0 else tarfile.GNU_FORMAT)
        files.append(path)
    results = {}
    out = os.path.join(work, "klein")
    done = run([klein, "layer", "unpack"] + files + [out])
    results["klein"] = (snapshot(out) if done.returncode == 0 else None, done.stderr.strip())
    image = os.path.join(work, "image")
    steps = [["umoci", "init", "--layout", image], ["umoci", "new", "--image", image + ":t"]]
    steps += [["umoci", "raw", "add-layer", "--image", image + ":t", f] for f in files]
    for step in steps:
        made = run(step)
        if made.returncode != 0:
            raise SystemExit("umoci could not build the image: %s" % made.stderr)
    out = os.path.join(work, "umoci")
    done = run(["umoci", "raw", "unpack", "--image", image + ":t", out])
    results["umoci"] = (snapshot(out) if done.returncode == 0 else None, done.stderr.strip())
    if not any(e["kind"] == "whiteout" for layer in layers for e in layer):
        out = os.path.join(work, "tar")
        os.makedirs(out)
        failed = None
        for f in files:
            done = run(["tar", "--xattrs", "--xattrs-include=user.*", "--same-owner", "--same-permissions", "-xf", f, "-C", out])
            if done.returncode != 0:
                failed = done.stderr.strip()
        results["tar"] = (snapshot(out) if failed is None else None, failed or "")
    return results


def divergences(results):
    klein = results["klein"][0]
    return [peer for peer, (tree, _) in results.items() if peer != "klein" and tree != klein]


TAR_REFUSALS = ("Cannot open: File exists", "Cannot unlink: Is a directory", "Cannot create symlink to", "Cannot hard link to")


def peer_is_wrong(peer, layers, results):
    """Divergences where the peer, not Klein, departs from layer.md (a later entry replaces an earlier
    one, whatever their types). Returns the reason, or None for an unexplained divergence.

    GNU tar cannot replace a directory that has content with a non-directory: it stops with "Cannot
    open: File exists" (or "Cannot unlink: Is a directory" when the directory itself is replaced, or
    "Cannot create symlink" / "Cannot hard link" for links). umoci and Klein replace it. Its only remedy,
    --recursive-unlink, also empties every directory a later layer merges into, which layer.md forbids.
    """
    tree, stderr = results[peer]
    if peer == "tar" and tree is not None:
        return tar_delays_absolute_symlinks(layers, results)
    if peer != "tar" or tree is not None:
        return None
    # Only tar's first failure counts: the rest follow from it (a link to the path it could not
    # replace, say, finds a directory there). Its warning about `hdrcharset`, which Python's tarfile
    # writes beside names that are not UTF-8, is no failure: tar applies those names' bytes anyway.
    first = next((line for line in stderr.splitlines()
                  if line.startswith("tar: ") and ": " in line[5:] and "Ignoring unknown extended header keyword" not in line), "")
    if not any(refusal in first for refusal in TAR_REFUSALS):
        return None
    path = tar_unquote(first[5:].split(": ")[0])
    was_directory = any(entry["path"].rstrip("/").startswith(path + "/") or (entry["kind"] == "dir" and entry["path"].rstrip("/") == path)
                        for layer in layers for entry in layer)
    return "tar-cannot-replace-a-directory" if was_directory else None


def tar_unquote(name):
    """A name as tar's messages quote it, with bytes it cannot print as octal escapes (`caf\\351`), back
    as the generator spells it (`caf\\udce9`)."""
    raw = re.sub(rb"\\([0-7]{3})", lambda match: bytes([int(match.group(1), 8)]), name.encode("utf-8", "surrogateescape"))
    return raw.decode("utf-8", "surrogateescape")


def tar_delays_absolute_symlinks(layers, results):
    """GNU tar creates a symlink whose target is absolute or climbs with `..` only after the whole
    archive (a placeholder file first, against link attacks); when a later entry of the same archive
    writes that path again, the delayed symlink still replaces it at the end, so the earlier entry wins.
    Explained when every difference is such a path: a symlink in tar's tree whose target is that of an
    earlier, not the last, entry of one layer, and an absolute or climbing one; or a hardlink to such a
    path, which tar links to its delayed symlink (whatever a later layer then puts at the path)."""
    klein, tar = results["klein"][0], results["tar"][0]
    if klein is None:
        return None
    differing = {path for path in set(klein[0]) | set(tar[0]) if klein[0].get(path) != tar[0].get(path)}
    # Hardlink groups that differ: their paths must be explained too.
    for group in [g for g in klein[1] if g not in tar[1]] + [g for g in tar[1] if g not in klein[1]]:
        differing.update(group)

    def delayed(path, record):
        """True when `record`, tar's entry for some path, is the delayed symlink tar made at `path`."""
        if not record or record[0] != stat.S_IFLNK:
            return False
        for layer in layers:
            writes = [entry for entry in layer if entry["path"].rstrip("/") == path]
            for entry in writes[:-1]:
                target = entry.get("target", "")
                if entry["kind"] == "symlink" and target == record[4] and (target.startswith("/") or ".." in target.split("/")):
                    return True
        return False

    def linked_to_delayed(path):
        return any(entry["kind"] == "hardlink" and entry["path"] == path and delayed(entry["target"], tar[0].get(path))
                   for layer in layers for entry in layer)

    if not all(delayed(path, tar[0].get(path)) or linked_to_delayed(path) for path in differing):
        return None
    return "tar-delays-absolute-symlinks"


def minimize(layers, work, klein, peer):
    """Drops layers, then entries, while an unexplained divergence with `peer` persists."""
    def diverges(candidate):
        try:
            results = apply_all(candidate, work, klein)
        except SystemExit:
            return False
        return peer in results and peer in divergences(results) and not peer_is_wrong(peer, candidate, results)
    current = layers
    changed = True
    while changed:
        changed = False
        for i in range(len(current)):
            candidate = current[:i] + current[i + 1:]
            if candidate and diverges(candidate):
                current, changed = candidate, True
                break
        for li, layer in enumerate(current):
            for ei in range(len(layer)):
                candidate = [l if k != li else l[:ei] + l[ei + 1:] for k, l in enumerate(current)]
                candidate = [l for l in candidate if l]
                if candidate and diverges(candidate):
                    current, changed = candidate, True
                    break
            if changed:
                break
    return current


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--klein", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--first", type=int, default=0, help="the first case number (to rerun one case)")
    parser.add_argument("--work", required=True)
    arguments = parser.parse_args()
    # Names that are not UTF-8 are surrogate escapes, which a UTF-8 stdout cannot encode as they are.
    sys.stdout.reconfigure(errors="backslashreplace")
    passed = failed = 0
    explained = {}
    for case in range(arguments.first, arguments.first + arguments.count):
        rng = random.Random(arguments.seed * 1_000_003 + case)
        layers = generate(rng)
        work = os.path.join(arguments.work, "case")
        results = apply_all(layers, work, arguments.klein)
        unexplained = []
        for peer in divergences(results):
            reason = peer_is_wrong(peer, layers, results)
            if reason:
                explained[reason] = explained.get(reason, 0) + 1
            else:
                unexplained.append(peer)
        if not unexplained:
            passed += 1
            continue
        failed += 1
        for peer in unexplained:
            small = minimize(layers, work, arguments.klein, peer)
            again = apply_all(small, work, arguments.klein)
            print(json.dumps({"seed": arguments.seed, "case": case, "peer": peer, "stack": small,
                              "klein": again["klein"][0] or again["klein"][1],
                              peer: again[peer][0] or again[peer][1]}, default=str, ensure_ascii=False))
    shutil.rmtree(os.path.join(arguments.work, "case"), ignore_errors=True)
    print("explained divergences: %s" % (", ".join("%s %d" % item for item in sorted(explained.items())) or "none"))
    print("%d cases agree, %d diverge unexplained" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
