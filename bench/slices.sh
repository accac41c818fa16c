#!/usr/bin/env bash
# End-to-end timing of `growthlens rootcause slices` (CSV read + ranking, --top 20) on a
# 100,000-leaf and a 1,000,000-leaf ratio cube of five dimensions, with dense and with sparse
# counts (the count path), RUNS runs each (default 5); prints the
# median wall time and the largest peak RSS. Targets (issue 15): under 1 s and under 10 s /
# 1 GiB on one core. Run under the shared lock: flock /work/bench.lock make bench-slices
set -euo pipefail
BIN=${BIN:-bin/growthlens}
RUNS=${RUNS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for kind in dense sparse; do
for last in 10 100; do
	n=$((10 * 10 * 10 * 10 * last))
	f="$tmp/leaves-$kind-$n.csv"
	if [[ $kind == dense ]]; then
	# Deterministic counts: a failure rate near 5 % over 20–220 events a leaf, tripled in
	# a=a3 & c=c7.
	awk -v last="$last" 'BEGIN {
		print "a,b,c,d,e,value,cnt,exp_value,exp_cnt"; srand(15)
		for (a = 1; a <= 10; a++) for (b = 1; b <= 10; b++) for (c = 1; c <= 10; c++)
		for (d = 1; d <= 10; d++) for (e = 1; e <= last; e++) {
			cnt = int(20 + 200 * rand()); ecnt = cnt + int(10 * rand()) - 5
			rate = 0.04 + 0.02 * rand(); if (a == 3 && c == 7) rate *= 3
			printf "a%d,b%d,c%d,d%d,e%d,%d,%d,%.2f,%d\n", a, b, c, d, e, int(rate * cnt + rand()), cnt, 0.05 * ecnt, ecnt
		}
	}' > "$f"
	else
	# Sparse counts (Rank's count path): 1–8 events a leaf, a 2 % failure rate, so nearly every
	# leaf holds no failure; tripled in a=a3 & c=c7.
	awk -v last="$last" 'BEGIN {
		print "a,b,c,d,e,value,cnt,exp_value,exp_cnt"; srand(15)
		for (a = 1; a <= 10; a++) for (b = 1; b <= 10; b++) for (c = 1; c <= 10; c++)
		for (d = 1; d <= 10; d++) for (e = 1; e <= last; e++) {
			cnt = int(1 + 8 * rand()); ecnt = cnt + int(3 * rand()) - 1
			rate = 0.02; if (a == 3 && c == 7) rate *= 3
			printf "a%d,b%d,c%d,d%d,e%d,%d,%d,%.2f,%d\n", a, b, c, d, e, (rand() < rate * cnt) ? 1 : 0, cnt, 0.02 * ecnt, ecnt
		}
	}' > "$f"
	fi
	times=()
	rss=0
	for ((run = 1; run <= RUNS; run++)); do
		out=$( { /usr/bin/time -f '%e %M' taskset -c 0 "$BIN" rootcause slices --file "$f" --dims a,b,c,d,e \
			--numerator value --denominator cnt --expected-numerator exp_value --expected-denominator exp_cnt \
			--top 20 --json > "$tmp/out.json"; } 2>&1 | tail -1)
		times+=("${out% *}")
		k=${out#* }
		(( k > rss )) && rss=$k
		grep -q '"a": "a3"' "$tmp/out.json" || { echo "slices: the tripled slice a=a3 & c=c7 is not listed" >&2; exit 1; }
	done
	med=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
	target=1; (( n == 1000000 )) && target=10
	printf 'rootcause slices, %s counts, %d leaves, 5 dims, --top 20, one core: median %s s of %d (%s), peak RSS %d MiB (target < %d s, < 1024 MiB)\n' \
		"$kind" "$n" "$med" "$RUNS" "${times[*]}" $((rss / 1024)) "$target"
done
done
