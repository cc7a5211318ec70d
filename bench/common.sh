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
