#!/usr/bin/env bash
# `klein digest` vs OpenSSL's SHA-256 on the same 1 GiB file in the same run, alternating the two
# for several rounds and keeping each one's best time (this machine's speed drifts between runs).
# Targets: Klein's throughput >= 0.9x OpenSSL's; Klein's peak RSS < 32 MiB. Exits 1 when a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
klein=$(release_klein)
data="${KLEIN_BENCH_DIR:-/tmp/klein-bench}"
file="$data/digest-1GiB.bin"
mkdir -p "$data"
if [ ! -f "$file" ] || [ "$(stat -c %s "$file")" -ne 1073741824 ]; then
  head -c 1073741824 /dev/urandom > "$file.tmp" && mv "$file.tmp" "$file"
fi
cat "$file" > /dev/null  # both runs read from the page cache

expected=$(openssl dgst -sha256 -r "$file" | cut -d' ' -f1)
[ "$("$klein" digest "$file")" = "sha256:$expected" ] || { echo "klein digest disagrees with openssl"; exit 1; }

{ read -r openssl_seconds openssl_rss; read -r klein_seconds klein_rss; } < <(
  bench/measure.py "${KLEIN_BENCH_ROUNDS:-5}" openssl dgst -sha256 "$file" :: "$klein" digest "$file")

python3 - "$openssl_seconds" "$openssl_rss" "$klein_seconds" "$klein_rss" <<'PY'
import sys
openssl_s, openssl_rss, klein_s, klein_rss = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
gib = 1.0
ratio = openssl_s / klein_s
print(f"openssl dgst -sha256: {openssl_s:.3f} s  {gib / openssl_s:.2f} GiB/s  peak RSS {openssl_rss / 1024:.1f} MiB")
print(f"klein digest:         {klein_s:.3f} s  {gib / klein_s:.2f} GiB/s  peak RSS {klein_rss / 1024:.1f} MiB")
print(f"throughput ratio klein/openssl: {ratio:.2f}x (target >= 0.90x)")
print(f"klein peak RSS: {klein_rss / 1024:.1f} MiB (target < 32 MiB)")
ok = ratio >= 0.9 and klein_rss < 32 * 1024
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
