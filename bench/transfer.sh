#!/usr/bin/env bash
# Client transfers, `klein copy` vs `skopeo copy`, against the same CNCF Distribution (`docker-registry`) on
# 127.0.0.1, on the same ~200 MB four-layer image, in one run:
#   registry -> OCI layout (pull)      target <= 0.7x skopeo's wall time
#   OCI layout -> registry (push)      target <= 0.7x skopeo's wall time
#   klein peak RSS copying a 1 GiB layer both ways   target < 64 MiB
# Every round starts a fresh registry (nothing already present, nothing to mount) and pulls into fresh
# layouts; rounds alternate which tool goes first and keep each tool's best time (this machine drifts).
# Layers are uncompressed tar, copied as they are by both tools, so the rounds time transfer, not gzip.
# Prints both figures and their ratio, then a summary table; exits 1 when a target is missed.
# KLEIN_BIN=path skips the release build; KLEIN_BENCH_ROUNDS (default 5) sets the rounds.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/common.sh
ensure_packages skopeo docker-registry curl
klein=$(release_klein)
rounds="${KLEIN_BENCH_ROUNDS:-5}"
work=$(mktemp -d /tmp/klein-transfer-bench.XXXXXX)
registry_pid=""
registry_host=""
declare -A best

die() { echo "transfer.sh: $*" >&2; exit 1; }

stop_registry() {
  [ -n "$registry_pid" ] || return 0
  kill -TERM "$registry_pid" 2>/dev/null || true
  wait "$registry_pid" 2>/dev/null || true
  registry_pid=""
}
cleanup() { stop_registry; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

start_registry() {  # a fresh docker-registry with empty storage
  stop_registry
  local dir port
  dir=$(mktemp -d "$work/registry.XXXXXX")
  port=$(free_port)
  distribution_config "$dir" "$port"
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  registry_pid=$!
  registry_host="127.0.0.1:$port"
  for _ in $(seq 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$registry_host/v2/")" = 200 ] && return 0
    kill -0 "$registry_pid" 2>/dev/null || die "docker-registry exited: $(cat "$dir/log")"
    sleep 0.1
  done
  die "docker-registry not ready after 30 s"
}

manifest_of() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$1/index.json"; }

# An image of uncompressed random layers (sizes in MB), made with klein layer create + klein import.
make_image() {  # layout sizes...
  local layout=$1 files=() diff_ids=() n=0
  shift
  for mb in "$@"; do
    n=$((n + 1))
    mkdir -p "$work/tree$n"
    head -c $((mb * 1000000)) /dev/urandom >"$work/tree$n/data"
    json=$("$klein" layer create "$work/tree$n" -o "$work/layer$n.tar" --compression none --json)
    diff_ids+=("\"$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["diffID"])' "$json")\"")
    files+=("$work/layer$n.tar:application/vnd.oci.image.layer.v1.tar")
    rm -rf "$work/tree$n"
  done
  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
    "$(IFS=,; echo "${diff_ids[*]}")" >"$work/config.json"
  "$klein" import "$layout:1" "${files[@]}" --config "$work/config.json:application/vnd.oci.image.config.v1+json" >/dev/null
  rm -f "$work"/layer*.tar
}

make_image "$work/image" 80 60 40 20
image_digest=$(manifest_of "$work/image")
image_mb=$(du -sm --apparent-size "$work/image/blobs" | cut -f1)

for round in $(seq "$rounds"); do
  start_registry
  if [ $((round % 2)) -eq 1 ]; then tools="klein skopeo"; else tools="skopeo klein"; fi
  for tool in $tools; do
    if [ "$tool" = klein ]; then
      s=$(bench/measure.py 1 "$klein" push -q "$work/image:1" "$registry_host/bench/klein:1" | cut -d' ' -f1)
    else
      s=$(bench/measure.py 1 skopeo copy -q --preserve-digests --dest-tls-verify=false "oci:$work/image:1" "docker://$registry_host/bench/skopeo:1" | cut -d' ' -f1)
    fi
    record_min "push_$tool" "$s"
  done
  "$klein" push -q "$work/image:1" "$registry_host/bench/img:1" >/dev/null
  for tool in $tools; do
    rm -rf "$work/pull-$tool"
    if [ "$tool" = klein ]; then
      s=$(bench/measure.py 1 "$klein" copy -q "$registry_host/bench/img:1" "oci:$work/pull-klein:1" | cut -d' ' -f1)
    else
      s=$(bench/measure.py 1 skopeo copy -q --preserve-digests --src-tls-verify=false --dest-oci-accept-uncompressed-layers \
        "docker://$registry_host/bench/img:1" "oci:$work/pull-skopeo:1" | cut -d' ' -f1)
    fi
    record_min "pull_$tool" "$s"
    [ "$(manifest_of "$work/pull-$tool")" = "$image_digest" ] || die "$tool pulled $(manifest_of "$work/pull-$tool"), pushed $image_digest"
  done
  rm -rf "$work"/pull-*
  for tool in klein skopeo; do
    remote=$(skopeo inspect --raw --tls-verify=false "docker://$registry_host/bench/$tool:1" | sha256sum | cut -d' ' -f1)
    [ "sha256:$remote" = "$image_digest" ] || die "$tool pushed sha256:$remote, expected $image_digest"
  done
done

# Peak RSS of klein moving a 1 GiB layer both ways (ru_maxrss of the process).
rm -rf "$work/image"
make_image "$work/big" 1074
start_registry
read -r _ push_kib < <(bench/measure.py 1 "$klein" push -q "$work/big:1" "$registry_host/bench/big:1")
read -r _ pull_kib < <(bench/measure.py 1 "$klein" copy -q "$registry_host/bench/big:1" "oci:$work/big-pulled:1")
[ "$(manifest_of "$work/big-pulled")" = "$(manifest_of "$work/big")" ] || die "the 1 GiB image did not round-trip"
stop_registry

python3 - "$image_mb" "$rounds" "${best[pull_klein]}" "${best[pull_skopeo]}" "${best[push_klein]}" "${best[push_skopeo]}" \
  "$push_kib" "$pull_kib" <<'PY'
import sys
image_mb, rounds = sys.argv[1], sys.argv[2]
pull_k, pull_s, push_k, push_s = map(float, sys.argv[3:7])
push_rss, pull_rss = (int(x) / 1024 for x in sys.argv[7:9])
print(f"image: 4 uncompressed random layers, {image_mb} MB, docker-registry on loopback; best of {rounds} rounds")
rows = [
    ("copy registry -> layout", pull_k, pull_s, "s", pull_k / pull_s, "<= 0.70x", pull_k <= 0.7 * pull_s),
    ("copy layout -> registry", push_k, push_s, "s", push_k / push_s, "<= 0.70x", push_k <= 0.7 * push_s),
    ("klein peak RSS, 1 GiB push", push_rss, float("nan"), "MiB", float("nan"), "< 64 MiB", push_rss < 64),
    ("klein peak RSS, 1 GiB pull", pull_rss, float("nan"), "MiB", float("nan"), "< 64 MiB", pull_rss < 64),
]
print(f"{'measurement':<28} {'Klein':>9} {'skopeo':>9} {'unit':<4} {'ratio':>7}  {'target':<9} result")
for name, k, s, unit, ratio, target, met in rows:
    print(f"{name:<28} {k:>9.2f} {s:>9.2f} {unit:<4} {ratio:>6.2f}x  {target:<9} {'PASS' if met else 'MISS'}")
ok = all(row[-1] for row in rows)
print("PASS" if ok else "MISS")
sys.exit(0 if ok else 1)
PY
