#!/usr/bin/env bash
# Times the quarterly region panel of the 10,000-employee tenant (about a million
# opportunities): median wall time and peak RSS of three runs of
#   growthlens features --data var/big --grain quarter --by region
# Targets (issue 2): at most 20 s and 1 GiB.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/growthlens}
BIG=${BIG:-var/big}
if [ ! -f "$BIG/ground_truth.json" ]; then
  echo "generating the 10,000-employee tenant into $BIG ..."
  /usr/bin/time -f "generate: %e s, peak RSS %M KiB" "$BIN" generate --out "$BIG" --employees 10000 --seed 7 >/dev/null
fi
echo "opportunities: $(($(wc -l <"$BIG/opportunities.csv") - 1)) rows, tickets: $(($(wc -l <"$BIG/tickets.csv") - 1)) rows"
times=() rss=()
for i in 1 2 3; do
  out=$( { /usr/bin/time -f "%e %M" "$BIN" features --data "$BIG" --grain quarter --by region --out /dev/null --log-level error; } 2>&1 | tail -1)
  times+=("${out% *}") rss+=("${out#* }")
done
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
max() { printf '%s\n' "$@" | sort -g | tail -1; }
printf 'panel (quarter x region, 10k employees): median %s s of %s; peak RSS %d MiB (targets: 20 s, 1024 MiB)\n' \
  "$(median "${times[@]}")" "${times[*]}" $(( $(max "${rss[@]}") / 1024 ))
