#!/usr/bin/env bash
# Times growthlens train end to end with /usr/bin/time: the default company (target 10 s) and
# the 10,000-employee tenant (targets 120 s and 2 GiB peak RSS). Each run trains into a fresh
# store, so nothing is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/growthlens}
DEFAULT=${DEFAULT:-var/default}
BIG=${BIG:-var/big}
[ -f "$DEFAULT/ground_truth.json" ] || "$BIN" generate --out "$DEFAULT" --seed 7 >/dev/null
[ -f "$BIG/ground_truth.json" ] || { echo "generating the 10,000-employee tenant into $BIG ..."; "$BIN" generate --out "$BIG" --employees 10000 --seed 7 >/dev/null; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { # name data runs
  local name=$1 data=$2 n=$3 times=() rss=()
  for i in $(seq "$n"); do
    out=$( { /usr/bin/time -f "%e %M" "$BIN" train --data "$data" --store "$tmp/store-$name-$i" --log-level error >/dev/null; } 2>&1 | tail -1)
    times+=("${out% *}") rss+=("${out#* }")
  done
  printf '%s\n' "${times[@]}" | sort -g > "$tmp/t"
  med=$(sed -n "$(( (n + 1) / 2 ))p" "$tmp/t")
  maxrss=$(printf '%s\n' "${rss[@]}" | sort -g | tail -1)
  printf 'train %-8s median %6s s of %s; peak RSS %d MiB\n' "$name" "$med" "${times[*]}" $((maxrss / 1024))
}
run default "$DEFAULT" 3
run big "$BIG" "${BIG_RUNS:-3}"
echo "(targets: default company <= 10 s; 10,000 employees <= 120 s and <= 2048 MiB)"
