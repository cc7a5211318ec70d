#!/usr/bin/env bash
# Layer creation and unpacking on a real Debian root file system (scripts/rootfs, ~200 MB), in one run:
#   klein layer create --compression gzip  vs  umoci repack            (target <= 1.0x its wall time)
#   klein layer create --compression gzip  vs  tar --sort=name | gzip -n
#   klein layer create --compression zstd  vs  umoci repack            (target >= 3x faster)
#   klein unpack                           vs  umoci unpack            (target <= 0.5x its wall time)
# Rounds alternate the tools and keep each one's best (this machine's speed drifts); setup is untimed.
# Prints both figures, the ratios and Klein's peak RSS (target < 64 MiB); exits 1 when a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
klein=$(release_klein)
rootfs=$(scripts/rootfs)
rounds="${KLEIN_BENCH_ROUNDS:-3}"
work=$(mktemp -d /tmp/klein-layer-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

declare -A best rss
record() {  # name seconds kib
  if [ -z "${best[$1]:-}" ] || python3 -c "import sys; sys.exit(0 if $2 < ${best[$1]} else 1)"; then best[$1]=$2; fi
  if [ -z "${rss[$1]:-}" ] || [ "$3" -gt "${rss[$1]}" ]; then rss[$1]=$3; fi
}

# An umoci image of the tree, for umoci repack (setup, untimed) and for both unpackers.
umoci init --layout "$work/image" >/dev/null
umoci new --image "$work/image:empty" >/dev/null
for round in $(seq "$rounds"); do
  rm -rf "$work/bundle" && umoci unpack --image "$work/image:empty" "$work/bundle" >/dev/null
  cp -a "$rootfs/." "$work/bundle/rootfs/"
  # Every tool writes a new file, as umoci writes new blobs: replacing last round's output is not timed.
  rm -f "$work/klein.tar.gz" "$work/klein.tar.zst" "$work/tar.tar.gz"
  sync  # the copy's write-back is setup too: it would otherwise land in whichever run comes next
  read -r s k < <(measure umoci repack --image "$work/image:round$round" "$work/bundle"); record umoci_repack "$s" "$k"
  read -r s k < <(measure "$klein" layer create "$rootfs" -o "$work/klein.tar.gz" --compression gzip --preserve); record klein_gzip "$s" "$k"
  read -r s k < <(measure "$klein" layer create "$rootfs" -o "$work/klein.tar.zst" --compression zstd --preserve); record klein_zstd "$s" "$k"
  read -r s k < <(measure sh -c "tar --sort=name --numeric-owner -C '$rootfs' -cf - . | gzip -n > '$work/tar.tar.gz'"); record tar_gzip "$s" "$k"
done
for round in $(seq "$rounds"); do
  rm -rf "$work/umoci-unpacked" "$work/klein-unpacked"
  read -r s k < <(measure umoci unpack --image "$work/image:round1" "$work/umoci-unpacked"); record umoci_unpack "$s" "$k"
  read -r s k < <(measure "$klein" unpack "$work/image:round1" "$work/klein-unpacked"); record klein_unpack "$s" "$k"
done

sizes="gzip $(stat -c %s "$work/klein.tar.gz") zstd $(stat -c %s "$work/klein.tar.zst") tar+gzip $(stat -c %s "$work/tar.tar.gz")"
python3 - "$sizes" "${best[umoci_repack]}" "${best[klein_gzip]}" "${best[klein_zstd]}" "${best[tar_gzip]}" \
  "${best[umoci_unpack]}" "${best[klein_unpack]}" "${rss[klein_gzip]}" "${rss[klein_zstd]}" "${rss[klein_unpack]}" "${rss[umoci_repack]}" "${rss[umoci_unpack]}" <<'PY'
import sys
sizes = sys.argv[1]
repack, kgzip, kzstd, targz, uunpack, kunpack = map(float, sys.argv[2:8])
rss_gzip, rss_zstd, rss_unpack, rss_urepack, rss_uunpack = (int(x) / 1024 for x in sys.argv[8:13])
print(f"output sizes (bytes): {sizes}")
print(f"umoci repack:                {repack:7.2f} s  peak RSS {rss_urepack:6.1f} MiB")
print(f"tar --sort=name | gzip -n:   {targz:7.2f} s")
print(f"klein layer create (gzip):   {kgzip:7.2f} s  peak RSS {rss_gzip:6.1f} MiB  = {kgzip / repack:.2f}x umoci repack (target <= 1.00x), {kgzip / targz:.2f}x tar|gzip")
print(f"klein layer create (zstd):   {kzstd:7.2f} s  peak RSS {rss_zstd:6.1f} MiB  = {repack / kzstd:.2f}x faster than umoci repack (target >= 3x)")
print(f"umoci unpack:                {uunpack:7.2f} s  peak RSS {rss_uunpack:6.1f} MiB")
print(f"klein unpack:                {kunpack:7.2f} s  peak RSS {rss_unpack:6.1f} MiB  = {kunpack / uunpack:.2f}x umoci unpack (target <= 0.50x)")
ok = kgzip <= repack and repack / kzstd >= 3 and kunpack <= 0.5 * uunpack and max(rss_gzip, rss_zstd, rss_unpack) < 64
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
