#!/usr/bin/env bash
# Differential unpacking at length: random layer stacks applied by klein layer unpack, umoci raw unpack
# and GNU tar (stacks without whiteouts), the trees compared. Prints each minimal diverging stack as
# JSON, the divergences explained as the peer's fault, and the count of cases that agree.
# Usage: bench/unpack-differential.sh [SEED] [COUNT]    (KLEIN_BIN picks the binary; default .build/debug/klein)
set -euo pipefail
cd "$(dirname "$0")/.."
seed=${1:-1}
count=${2:-1000}
klein=${KLEIN_BIN:-.build/debug/klein}
[ -x "$klein" ] || swift build --product klein >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "seed $seed, $count cases, $(umoci --version), $(tar --version | head -n 1)"
python3 Tests/InteropTests/Unpack/unpack_differential.py --klein "$klein" --seed "$seed" --count "$count" --work "$work"
