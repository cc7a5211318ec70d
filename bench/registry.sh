#!/usr/bin/env bash
# Registry serving, `klein serve` vs CNCF Distribution (`docker-registry`), side by side on 127.0.0.1 in one run,
# each with fresh filesystem storage:
#   manifest GET by tag, wrk 2 threads 32 connections, 4 x 5 s      (target >= 2x Distribution's requests/s)
#   blob GET of the same 100 MB random blob, curl, 5 GETs per sample   (target >= 1.0x its MB/s)
#   skopeo copy push of a ~200 MB Debian image (scripts/rootfs), pull   (target <= 1.0x its wall time)
#   server peak RSS above idle during a 1 GiB blob push and pull        (target < 64 MiB for Klein)
# Rounds alternate the servers and keep each one's best (this machine's speed drifts); setup is untimed.
# Each skopeo round gets new servers on new ports, so nothing is reused from an earlier round.
# Prints both figures and their ratio, then a summary table; exits 1 when a target is missed.
# KLEIN_BIN=path skips the release build; KLEIN_BENCH_ROUNDS (default 5) sets the rounds.
set -euo pipefail
cd "$(dirname "$0")/.."

. bench/common.sh
ensure_packages wrk skopeo docker-registry curl
klein=$(release_klein)
rootfs=$(scripts/rootfs)
rounds="${KLEIN_BENCH_ROUNDS:-5}"
work=$(mktemp -d /tmp/klein-registry-bench.XXXXXX)
servers=(klein distribution)
declare -A pid host best
serial=0

die() { echo "registry.sh: $*" >&2; exit 1; }

stop_server() {  # name
  local p="${pid[$1]:-}"
  [ -n "$p" ] || return 0
  pid[$1]=""
  kill -TERM "$p" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$p" 2>/dev/null; then
    echo "warning: $1 server (pid $p) did not stop within 10 s of SIGTERM; killing it" >&2
    kill -KILL "$p" 2>/dev/null || true
  fi
  wait "$p" 2>/dev/null || true
}
cleanup() { for name in "${servers[@]}"; do stop_server "$name"; done; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

await_v2() {  # name dir: the server answers GET /v2/ with 200 within 30 s
  for _ in $(seq 300); do
    kill -0 "${pid[$1]}" 2>/dev/null || die "$1 server exited: $(cat "$2/stderr")"
    if [ -n "${host[$1]:-}" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "http://${host[$1]}/v2/")" = 200 ]; then return 0; fi
    sleep 0.1
  done
  die "$1 server not ready after 30 s: $(cat "$2/stdout" "$2/stderr")"
}

start_klein() {
  local dir="$work/klein-$((++serial))"
  mkdir -p "$dir"
  "$klein" serve --listen 127.0.0.1:0 --data "$dir/data" --log-level error >"$dir/stdout" 2>"$dir/stderr" &
  pid[klein]=$!
  host[klein]=""
  for _ in $(seq 300); do
    host[klein]=$(sed -n 's|^klein registry listening on http://\(127\.0\.0\.1:[0-9][0-9]*\)$|\1|p' "$dir/stdout" | head -n1)
    [ -n "${host[klein]}" ] && break
    kill -0 "${pid[klein]}" 2>/dev/null || die "klein serve exited: $(cat "$dir/stderr")"
    sleep 0.1
  done
  await_v2 klein "$dir"
}

start_distribution() {
  local dir="$work/distribution-$((++serial))" port
  port=$(free_port)
  mkdir -p "$dir"
  distribution_config "$dir" "$port"
  docker-registry serve "$dir/config.yml" >"$dir/stdout" 2>"$dir/stderr" &
  pid[distribution]=$!
  host[distribution]="127.0.0.1:$port"
  await_v2 distribution "$dir"
}

start_servers() { start_klein; start_distribution; }
stop_servers() { for name in "${servers[@]}"; do stop_server "$name"; done; }

# Round r visits the servers in alternating order, so neither always runs first.
order() { if [ $(($1 % 2)) -eq 1 ]; then echo klein distribution; else echo distribution klein; fi; }


# Blob uploads with curl, streamed from the file (distribution-spec "Pushing blobs").
location() {  # base headers-file: the Location header, made absolute
  local value
  value=$(tr -d '\r' <"$2" | awk 'tolower($1) == "location:" { print $2 }' | tail -n1)
  case "$value" in
    http://*) echo "$value" ;;
    /*) echo "$1$value" ;;
    *) die "no Location header in $(tr -d '\r' <"$2" | head -n1)" ;;
  esac
}
with_digest() { case "$1" in *\?*) echo "$1&digest=$2" ;; *) echo "$1?digest=$2" ;; esac; }
start_upload() {  # base repo
  local status
  status=$(curl -sS -X POST -H 'Content-Length: 0' -D "$work/headers" -o /dev/null -w '%{http_code}' "$1/v2/$2/blobs/uploads/")
  [ "$status" = 202 ] || die "POST $1/v2/$2/blobs/uploads/: status $status, expected 202"
  location "$1" "$work/headers"
}
push_put() {  # name repo file digest: POST, then one PUT carrying the whole blob
  local base="http://${host[$1]}" upload status
  upload=$(start_upload "$base" "$2")
  status=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Expect:' -H 'Content-Type: application/octet-stream' -T "$3" "$(with_digest "$upload" "$4")")
  [ "$status" = 201 ] || die "$1: monolithic PUT of $3 to $2: status $status, expected 201"
}
push_patch() {  # name repo file digest: POST, one streamed PATCH (chunked transfer encoding, as skopeo sends), PUT
  local base="http://${host[$1]}" upload status
  upload=$(start_upload "$base" "$2")
  status=$(curl -sS -X PATCH -D "$work/headers" -o /dev/null -w '%{http_code}' -H 'Expect:' -H 'Content-Type: application/octet-stream' \
    -H 'Transfer-Encoding: chunked' -T "$3" "$upload")
  [ "$status" = 202 ] || die "$1: streamed PATCH of $3 to $2: status $status, expected 202"
  upload=$(location "$base" "$work/headers")
  status=$(curl -sS -X PUT -o /dev/null -w '%{http_code}' -H 'Content-Type: application/octet-stream' --data-binary '' "$(with_digest "$upload" "$4")")
  [ "$status" = 201 ] || die "$1: closing PUT of the streamed upload to $2: status $status, expected 201"
}
check_blob() {  # name repo digest size: GET returns exactly the blob
  local got
  got=$(curl -sfS "http://${host[$1]}/v2/$2/blobs/$3" | sha256sum | cut -d' ' -f1)
  [ "sha256:$got" = "$3" ] || die "$1: GET /v2/$2/blobs/$3 returned content with digest sha256:$got"
}

# The image: the Debian root file system as one uncompressed layer (~200 MB). skopeo copies it unchanged
# with --preserve-digests, so the rounds time the registries, not a compressor.
layer_json=$("$klein" layer create "$rootfs" -o "$work/layer.tar" --compression none --preserve --json)
diff_id=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["diffID"])' "$layer_json")
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["%s"]}}' "$diff_id" >"$work/config.json"
"$klein" import "$work/image:1" "$work/layer.tar:application/vnd.oci.image.layer.v1.tar" \
  --config "$work/config.json:application/vnd.oci.image.config.v1+json" >/dev/null
image_digest=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$work/image/index.json")
image_mb=$(du -sm --apparent-size "$work/image/blobs" | cut -f1)
rm -f "$work/layer.tar"

# skopeo copy: push the layout, pull it back into a new layout; new servers every round.
for round in $(seq "$rounds"); do
  stop_servers
  start_servers
  for name in $(order "$round"); do
    s=$(bench/measure.py 1 skopeo copy -q --preserve-digests --dest-tls-verify=false "oci:$work/image:1" "docker://${host[$name]}/bench/img:1" | cut -d' ' -f1)
    record_min "push_$name" "$s"
  done
  for name in $(order "$round"); do
    s=$(bench/measure.py 1 skopeo copy -q --preserve-digests --src-tls-verify=false --dest-oci-accept-uncompressed-layers "docker://${host[$name]}/bench/img:1" "oci:$work/pull-$name:1" | cut -d' ' -f1)
    record_min "pull_$name" "$s"
    pulled=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$work/pull-$name/index.json")
    [ "$pulled" = "$image_digest" ] || die "$name: skopeo pulled manifest $pulled, pushed $image_digest"
    rm -rf "$work/pull-$name"
  done
done

# Manifest GET by tag with wrk, on the last round's servers.
accept="application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json"
for name in "${servers[@]}"; do
  served=$(curl -sfS -H "Accept: $accept" "http://${host[$name]}/v2/bench/img/manifests/1" | sha256sum | cut -d' ' -f1)
  [ "sha256:$served" = "$image_digest" ] || die "$name: GET /v2/bench/img/manifests/1 returned sha256:$served, pushed $image_digest"
done
for round in 1 2 3 4; do
  for name in $(order "$round"); do
    wrk -t2 -c32 -d5s -H "Accept: $accept" "http://${host[$name]}/v2/bench/img/manifests/1" >"$work/wrk.txt"
    if grep -q 'Non-2xx' "$work/wrk.txt"; then die "$name: wrk saw errors: $(grep -E 'Non-2xx|Socket errors' "$work/wrk.txt")"; fi
    grep -q 'Socket errors' "$work/wrk.txt" && echo "$name: $(grep 'Socket errors' "$work/wrk.txt")" >&2
    record_max "rps_$name" "$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk.txt")"
  done
done

# Blob GET of the same 100 MB random blob, pushed to both with one monolithic PUT.
head -c 100000000 /dev/urandom >"$work/blob100"
blob_digest="sha256:$(sha256sum "$work/blob100" | cut -d' ' -f1)"
for name in "${servers[@]}"; do
  push_put "$name" bench/blob "$work/blob100" "$blob_digest"
  check_blob "$name" bench/blob "$blob_digest"
done
for round in $(seq "$rounds"); do
  for name in $(order "$round"); do
    # Five GETs on one connection per sample, so a sample lasts long enough to time.
    url="http://${host[$name]}/v2/bench/blob/blobs/$blob_digest"
    read -r bytes seconds < <(curl -sfS -w '%{size_download} %{time_total}\n' -o /dev/null "$url" -o /dev/null "$url" -o /dev/null "$url" \
      -o /dev/null "$url" -o /dev/null "$url" | awk '{ bytes += $1; seconds += $2 } END { print bytes, seconds }')
    [ "$bytes" = 500000000 ] || die "$name: five blob GETs returned $bytes bytes, expected 500000000"
    record_max "mbps_$name" "$(python3 -c "print(500 / $seconds)")"
  done
done
rm -f "$work/blob100"

# Peak RSS during a 1 GiB blob push (monolithic PUT, then streamed PATCH) and pull, on fresh idle servers.
# VmHWM is the kernel's high-water mark of the resident set; idle is VmRSS just before the transfers.
stop_servers
rm -rf "$work"/klein-* "$work"/distribution-*
head -c 1073741824 /dev/urandom >"$work/blob1g"
big_digest="sha256:$(sha256sum "$work/blob1g" | cut -d' ' -f1)"
start_servers
sleep 1
status_kib() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }
for name in "${servers[@]}"; do
  idle=$(status_kib "${pid[$name]}" VmRSS)
  { echo 5 >"/proc/${pid[$name]}/clear_refs"; } 2>/dev/null || true  # resets VmHWM to the current RSS
  push_put "$name" bench/big-put "$work/blob1g" "$big_digest"
  push_patch "$name" bench/big-patch "$work/blob1g" "$big_digest"
  bytes=$(curl -sfS -o /dev/null -w '%{size_download}' "http://${host[$name]}/v2/bench/big-put/blobs/$big_digest")
  [ "$bytes" = 1073741824 ] || die "$name: GET of the 1 GiB blob returned $bytes bytes"
  check_blob "$name" bench/big-patch "$big_digest"
  best[idle_$name]=$idle
  best[peak_$name]=$(status_kib "${pid[$name]}" VmHWM)
done
stop_servers

python3 - "$image_mb" "$rounds" \
  "${best[rps_klein]}" "${best[rps_distribution]}" "${best[mbps_klein]}" "${best[mbps_distribution]}" \
  "${best[push_klein]}" "${best[push_distribution]}" "${best[pull_klein]}" "${best[pull_distribution]}" \
  "${best[idle_klein]}" "${best[peak_klein]}" "${best[idle_distribution]}" "${best[peak_distribution]}" <<'PY'
import sys
image_mb, rounds = sys.argv[1], sys.argv[2]
rps_k, rps_d, mbps_k, mbps_d, push_k, push_d, pull_k, pull_d = map(float, sys.argv[3:11])
idle_k, peak_k, idle_d, peak_d = (int(x) / 1024 for x in sys.argv[11:15])
above_k, above_d = peak_k - idle_k, peak_d - idle_d
ratio = lambda klein, distribution: klein / distribution if distribution > 0 else float("inf")
print(f"image: Debian rootfs as one uncompressed layer, {image_mb} MB; best of {rounds} rounds (wrk: 4)")
print(f"server RSS (MiB): Klein idle {idle_k:.1f} peak {peak_k:.1f}; Distribution idle {idle_d:.1f} peak {peak_d:.1f}")
rows = [
    # name, klein, distribution, unit, ratio (Klein vs Distribution), target text, met
    ("manifest GET by tag (wrk)", rps_k, rps_d, "req/s", ratio(rps_k, rps_d), ">= 2.00x", rps_k >= 2 * rps_d),
    ("blob GET 5x100 MB (curl)", mbps_k, mbps_d, "MB/s", ratio(mbps_k, mbps_d), ">= 1.00x", mbps_k >= mbps_d),
    ("skopeo copy push", push_k, push_d, "s", ratio(push_k, push_d), "<= 1.00x", push_k <= push_d),
    ("skopeo copy pull", pull_k, pull_d, "s", ratio(pull_k, pull_d), "<= 1.00x", pull_k <= pull_d),
    ("RSS above idle, 1 GiB up+down", above_k, above_d, "MiB", ratio(above_k, above_d), "< 64 MiB", above_k < 64),
]
print(f"{'measurement':<30} {'Klein':>10} {'Distribution':>13} {'unit':<6} {'ratio':>7}  {'target':<9} result")
for name, k, d, unit, times, target, met in rows:
    print(f"{name:<30} {k:>10.2f} {d:>13.2f} {unit:<6} {times:>6.2f}x  {target:<9} {'PASS' if met else 'MISS'}")
ok = all(row[-1] for row in rows)
print("PASS" if ok else "MISS")
sys.exit(0 if ok else 1)
PY
