# Sourced by the bench scripts: installs Debian packages they need and picks the klein binary.

# ensure_packages PACKAGE...: apt-get installs the ones that are missing.
ensure_packages() {
  local missing=() package sudo=""
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# release_klein: prints the klein to measure, $KLEIN_BIN or a fresh release build.
release_klein() {
  if [ -z "${KLEIN_BIN:-}" ]; then
    swift build -c release --product klein >/dev/null
    echo "$PWD/.build/release/klein"
  else
    echo "$KLEIN_BIN"
  fi
}

# record_min NAME VALUE / record_max NAME VALUE: keep the smallest (times) or largest (rates) VALUE
# seen for NAME in the caller's associative array `best`.
record_min() { if [ -z "${best[$1]:-}" ] || python3 -c "import sys; sys.exit(0 if $2 < ${best[$1]} else 1)"; then best[$1]=$2; fi; }
record_max() { if [ -z "${best[$1]:-}" ] || python3 -c "import sys; sys.exit(0 if $2 > ${best[$1]} else 1)"; then best[$1]=$2; fi; }

# measure COMMAND...: one timed run of COMMAND; prints "seconds peak-RSS-KiB".
measure() { bench/measure.py 1 "$@"; }

# free_port: a TCP port free on 127.0.0.1 right now.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# distribution_config DIR PORT: writes DIR/config.yml for docker-registry (Debian's packaged config minus
# auth, errors only, storage in DIR/data, listening on 127.0.0.1:PORT).
distribution_config() {
  local dir=$1 port=$2
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: $dir/data
http:
  addr: 127.0.0.1:$port
EOF
}
