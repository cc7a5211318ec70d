#!/usr/bin/env bash
# klein build and klein rebuild of a spec whose main artifact is a real Debian root file system
# (scripts/rootfs, ~200 MB, dest "/", gzip), against umoci repack of the same tree, in one run:
#   klein build    vs  umoci repack   (target <= 1.0x its wall time)
#   klein rebuild  vs  klein build    (target <= 1.2x the build time)
# Rounds alternate the tools and keep each one's best (this machine's speed drifts); setup is untimed.
# Prints both figures and the ratios; exits 1 when a target is missed or a rebuild differs.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
ensure_packages umoci
klein=$(release_klein)
rootfs=$(scripts/rootfs)
rounds="${KLEIN_BENCH_ROUNDS:-3}"
work=$(mktemp -d /tmp/klein-build-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

declare -A best

mkdir -p "$work/spec"
ln -s "$rootfs" "$work/spec/rootfs"
cat >"$work/spec/klein.build.toml" <<TOML
schema = 1
id = "rootfs"
version = "1.0.0"
platform = "linux/amd64"

[[artifact]]
name = "main"
source = { kind = "local", path = "rootfs" }
dest = "/"
TOML

umoci init --layout "$work/image" >/dev/null
umoci new --image "$work/image:empty" >/dev/null
for round in $(seq "$rounds"); do
  rm -rf "$work/bundle" "$work/out" && umoci unpack --image "$work/image:empty" "$work/bundle" >/dev/null
  cp -a "$rootfs/." "$work/bundle/rootfs/"
  read -r s _ < <(measure umoci repack --image "$work/image:round$round" "$work/bundle"); record_min umoci_repack "$s"
  read -r s _ < <(measure "$klein" build "$work/spec/klein.build.toml" -o "oci:$work/out:rootfs"); record_min klein_build "$s"
  read -r s _ < <(measure "$klein" rebuild "oci:$work/out:rootfs"); record_min klein_rebuild "$s"
done
"$klein" rebuild "oci:$work/out:rootfs" >/dev/null || { echo "FAIL: the rebuild differs"; exit 1; }

python3 - "${best[umoci_repack]}" "${best[klein_build]}" "${best[klein_rebuild]}" <<'PY'
import sys
repack, build, rebuild = map(float, sys.argv[1:4])
print(f"umoci repack:   {repack:7.2f} s")
print(f"klein build:    {build:7.2f} s  = {build / repack:.2f}x umoci repack (target <= 1.00x)")
print(f"klein rebuild:  {rebuild:7.2f} s  = {rebuild / build:.2f}x klein build (target <= 1.20x)")
ok = build <= repack and rebuild <= 1.2 * build
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
