#!/usr/bin/env bash
# Time from a pulled ~200 MB image (an OCI layout on disk) to the container's first output, in one run:
#   klein run, cold (empty --data: unpacks into DATA/rootfs, runs on an overlay)  vs
#       umoci unpack + config.json terminal=false + runc run                      (target <= 0.60x its wall time)
#   klein run, warm (same --data: the unpacked tree is reused)  vs  the same      (target <= 0.10x)
# The image is generated once per run (busybox with sh and echo, plus ~200 MiB in ~5,000 files of
# text-like, binary-like and random data over ~800 directories, three gzip layers made by umoci) and
# both sides run the same layout; its Cmd is `echo ready`, so exiting is the first output.
# An untimed warm-up of each side checks the output and puts the layout in the page cache; then each
# round times the peer, klein cold and klein warm on fresh directories (after a sync, alternating
# which side goes first), and the medians are compared. Exits 1 when a target is missed.
# KLEIN_BENCH_ROUNDS (default 5) sets the rounds; each leaves ~400 MB in the temp dir until the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
ensure_packages umoci runc busybox-static
[ "$(id -u)" -eq 0 ] || { echo "bench/run.sh runs containers (overlay mounts, runc): run it as root"; exit 1; }
klein=$(release_klein)
rounds="${KLEIN_BENCH_ROUNDS:-5}"
work=$(mktemp -d /tmp/klein-run-bench.XXXXXX)
cleanup() {  # a failed run can leave an overlay mounted under $work: unmount before removing
  local mountpoint
  for mountpoint in $(awk -v prefix="$work/" 'index($2, prefix) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$mountpoint" || true; done
  rm -rf "$work"
}
trap cleanup EXIT
image="$work/image:ready"

# The image's trees: $work/tree/base (busybox), tree/usr and tree/rest (opt, var), one layer each.
python3 - "$work/tree" <<'PY'
import math, os, random, shutil, sys
root = sys.argv[1]
rng = random.Random(20240601)
total_target, small_target = 200 << 20, 150 << 20

base = f"{root}/base"
for directory in ("bin", "etc", "tmp", "root"):
    os.makedirs(f"{base}/{directory}")
shutil.copy2("/bin/busybox", f"{base}/bin/busybox")
for applet in ("sh", "echo", "ls", "cat"):
    os.symlink("busybox", f"{base}/bin/{applet}")
with open(f"{base}/etc/passwd", "w") as f: f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
with open(f"{base}/etc/group", "w") as f: f.write("root:x:0:\nnogroup:x:65534:\n")

# Pools the files are cut from: text (Zipf-distributed words in indented lines, gzip ~0.34) and
# binary-like data (zero runs, repeated and low-entropy chunks, random chunks, gzip ~0.56).
vocab = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz_", k=rng.randint(2, 10))) for _ in range(4000)]
words = rng.choices(vocab, [1 / (i + 1) for i in range(len(vocab))], k=1_200_000)
lines, i = [], 0
while i < len(words):
    n = rng.randint(3, 14)
    lines.append(" " * rng.choice((0, 0, 2, 4, 8)) + " ".join(words[i:i + n]))
    i += n
text = ("\n".join(lines) + "\n").encode()
dictionary = [rng.randbytes(64) for _ in range(256)]
chunks = []
for _ in range(1 << 18):
    r = rng.random()
    chunks.append(bytes(64) if r < 0.2 else rng.choice(dictionary) if r < 0.6 else
                  bytes(rng.choices(range(16), k=64)) if r < 0.8 else rng.randbytes(64))
binary = b"".join(chunks)

def content(kind, size):
    if kind == "random":
        return rng.randbytes(size)
    pool = text if kind == "text" else binary
    parts, left = [], size
    while left > 0:
        n = min(left, len(pool))
        start = rng.randrange(0, len(pool) - n + 1)
        parts.append(pool[start:start + n])
        left -= n
    return b"".join(parts)

# (layer, prefix, directories, kind weights text/binary/random, extensions)
areas = [
    ("usr", "usr/lib", 260, (20, 70, 10), {"text": ".py", "binary": ".so", "random": ".gz"}),
    ("usr", "usr/share", 380, (70, 20, 10), {"text": ".txt", "binary": ".mo", "random": ".png"}),
    ("rest", "opt/app", 140, (40, 30, 30), {"text": ".js", "binary": ".bin", "random": ".jpg"}),
    ("rest", "var/lib", 30, (60, 30, 10), {"text": ".conf", "binary": ".db", "random": ".dat"}),
]
directories = []  # (area, path)
for area in areas:
    layer, prefix, count = area[:3]
    packages = []
    for _ in range(count):
        if packages and rng.random() < 0.5:
            path = f"{rng.choice(packages)}/{rng.choice(vocab)}"
        else:
            path = f"{root}/{layer}/{prefix}/{rng.choice(vocab)}"
            packages.append(path)
        os.makedirs(path, exist_ok=True)
        directories.append((area, path))

written = files = links = 0
def write_file(area, directory, size, kind=None):
    global written, files, links
    kind = kind or rng.choices(("text", "binary", "random"), area[3])[0]
    name = f"{directory}/{rng.choice(vocab)}-{files}{area[4][kind]}"
    with open(name, "wb") as f: f.write(content(kind, size))
    os.chmod(name, 0o755 if kind == "binary" and rng.random() < 0.3 else 0o644)
    written += size
    files += 1
    if rng.random() < 0.1:
        os.symlink(os.path.basename(name), f"{name}.{links}")
        links += 1

# Mostly small files (median ~2.5 KB, lognormal), then a few large ones up to ~200 MiB in all.
while written < small_target:
    area, directory = rng.choice(directories)
    write_file(area, directory, min(4 << 20, int(math.exp(rng.gauss(math.log(2500), 2.2)))))
while written < total_target:
    area, directory = rng.choice([d for d in directories if d[0][1] in ("usr/lib", "opt/app")])
    write_file(area, directory, min(total_target - written, rng.randint(8 << 20, 20 << 20)), rng.choice(("binary", "binary", "random")))
counts = {"files": 0, "symlinks": 0, "directories": 0, "bytes": 0}
for directory, subdirectories, names in os.walk(root):
    counts["directories"] += len(subdirectories)
    for name in names:
        path = f"{directory}/{name}"
        if os.path.islink(path): counts["symlinks"] += 1
        else: counts["files"] += 1; counts["bytes"] += os.path.getsize(path)
with open(f"{root}/summary", "w") as f:
    f.write(f"{counts['files']} files, {counts['symlinks']} symlinks, {counts['directories']} directories, {counts['bytes'] / (1 << 20):.1f} MiB")
PY

umoci init --layout "$work/image" >/dev/null
umoci new --image "$image" >/dev/null
for layer in base usr rest; do umoci insert --image "$image" "$work/tree/$layer" / >/dev/null; done
umoci config --image "$image" --config.cmd echo --config.cmd ready >/dev/null
umoci gc --layout "$work/image" >/dev/null
summary="$(cat "$work/tree/summary"), $(du -sm "$work/image/blobs" | cut -f1) MiB of blobs"

# The peer: umoci writes config.json with a terminal; a tiny sed makes it runnable without one.
peer=(sh -c 'umoci unpack --image "$1" "$2" >/dev/null && sed -i "s/\"terminal\": true/\"terminal\": false/" "$2/config.json" &&
  exec runc run --bundle "$2" "$3"' sh "$image")  # + bundle container-id

# Untimed warm-up: checks both sides print `ready`, that the warm run reuses the unpacked tree and
# that klein leaves no bundle or mount behind; reads the layout into the page cache for both.
output=$("${peer[@]}" "$work/warmup-bundle" "klein-bench-warmup-$$")
[ "$output" = ready ] || { echo "FAIL: umoci unpack + runc run printed '$output', not 'ready'"; exit 1; }
grep -q '"terminal": false' "$work/warmup-bundle/config.json" || { echo "FAIL: could not turn off the terminal in umoci's config.json"; exit 1; }
output=$("$klein" run "oci:$image" --data "$work/warmup-data")
[ "$output" = ready ] || { echo "FAIL: klein run (cold) printed '$output', not 'ready'"; exit 1; }
unpacked=$(stat -c %i "$work/warmup-data/rootfs"/*)
output=$("$klein" run "oci:$image" --data "$work/warmup-data")
[ "$output" = ready ] || { echo "FAIL: klein run (warm) printed '$output', not 'ready'"; exit 1; }
[ "$(stat -c %i "$work/warmup-data/rootfs"/*)" = "$unpacked" ] || { echo "FAIL: the warm klein run unpacked the image again"; exit 1; }
[ -z "$(ls -A "$work/warmup-data/run")" ] || { echo "FAIL: klein run left a bundle in DATA/run"; exit 1; }
! grep -q " $work/" /proc/mounts || { echo "FAIL: klein run left a mount behind"; exit 1; }

# Every timed run gets fresh directories, removed only at the end: on this kind of disk (ext4 with
# online discard) removing 200 MB of files takes seconds and slows the writes that follow it.
peer_times=() cold_times=() warm_times=() cold_rss=0
time_peer() {
  sync
  read -r s _ < <(measure "${peer[@]}" "$work/round$round/bundle" "klein-bench-$$-$round")
  peer_times+=("$s")
}
time_klein() {
  sync
  read -r s k < <(measure "$klein" run "oci:$image" --data "$work/round$round/data")
  cold_times+=("$s")
  [ "$k" -le "$cold_rss" ] || cold_rss=$k
  sync
  read -r s _ < <(measure "$klein" run "oci:$image" --data "$work/round$round/data")
  warm_times+=("$s")
}
for round in $(seq "$rounds"); do
  mkdir "$work/round$round"
  if [ $((round % 2)) -eq 1 ]; then time_peer; time_klein; else time_klein; time_peer; fi
done

python3 - "$summary" "$cold_rss" "${peer_times[*]}" "${cold_times[*]}" "${warm_times[*]}" <<'PY'
import statistics, sys
summary, rss = sys.argv[1], int(sys.argv[2]) / 1024
peer, cold, warm = ([float(x) for x in arg.split()] for arg in sys.argv[3:6])
def figure(times): return f"{statistics.median(times):7.3f} s  (median of {len(times)}, {min(times):.3f}-{max(times):.3f})"
p, c, w = (statistics.median(times) for times in (peer, cold, warm))
print(f"image: {summary}")
print(f"umoci unpack + runc run:  {figure(peer)}")
print(f"klein run, cold:          {figure(cold)}  = {c / p:.2f}x umoci+runc (target <= 0.60x)  peak RSS {rss:.1f} MiB")
print(f"klein run, warm:          {figure(warm)}  = {w / p:.3f}x umoci+runc (target <= 0.10x)")
ok = c <= 0.6 * p and w <= 0.1 * p
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
