#!/usr/bin/env bash
# bench-import: the import speed and memory acceptance line.
#
# Generates a 1,000,000-row canonical opportunities CSV (bench/gen-opportunities.awk, in a temp
# dir, never committed), imports it with `growthlens import` and an identity mapping RUNS times
# under /usr/bin/time -v — once with the rows in key order, as generated and as most exports
# list them, and once shuffled, which takes the slower hashed path for duplicate-key checks —
# and prints the median rows/s and the peak RSS next to the targets
# (>= 300,000 rows/s, <= 1 GiB) and next to references measured in the same run: reading the
# file (cat), and the Go benchmarks of our CSV reader against encoding/csv (ReuseRecord) and of
# datasets.Load (typed rows) on the same million rows.
#
# The machine may be shared: figures are medians of RUNS runs; compare ratios, not absolutes.
# Usage: bench/import.sh  (env: ROWS=1000000 RUNS=5 GO=go)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-5}
GO=${GO:-go}
TIME=/usr/bin/time
if [ ! -x "$TIME" ]; then
	echo "bench-import: $TIME not found (apt-get install -y time)" >&2
	exit 1
fi

$GO build -o bin/growthlens ./cmd/growthlens
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src"
awk -v n="$ROWS" -v seed=7 -f bench/gen-opportunities.awk >"$tmp/src/opportunities.csv"
printf 'tables:\n  opportunities: {source: opportunities.csv}\n' >"$tmp/identity.yaml"
mkdir -p "$tmp/shuffled"
{ head -1 "$tmp/src/opportunities.csv"; tail -n +2 "$tmp/src/opportunities.csv" | shuf --random-source=<(yes); } >"$tmp/shuffled/opportunities.csv"
bytes=$(wc -c <"$tmp/src/opportunities.csv")

# wall seconds and peak RSS (KiB) from a /usr/bin/time -v report
wall() { awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$1"; }
rss() { awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

: >"$tmp/walls"
: >"$tmp/rsss"
: >"$tmp/swalls"
: >"$tmp/srsss"
: >"$tmp/cats"
run_import() { # file, walls, rsss, run
	$TIME -v bin/growthlens import --mapping "$tmp/identity.yaml" --out "$tmp/out" --json "$1" \
		>"$tmp/out.json" 2>"$tmp/time.$4"
	if ! grep -q "\"imported\":$ROWS," "$tmp/out.json"; then
		echo "bench-import: run $4 did not import all $ROWS rows:" >&2
		cat "$tmp/out.json" >&2
		exit 1
	fi
	wall "$tmp/time.$4" >>"$2"
	rss "$tmp/time.$4" >>"$3"
}
for i in $(seq "$RUNS"); do
	$TIME -v cat "$tmp/src/opportunities.csv" >/dev/null 2>"$tmp/cat.$i"
	wall "$tmp/cat.$i" >>"$tmp/cats"
	run_import "$tmp/src/opportunities.csv" "$tmp/walls" "$tmp/rsss" "$i"
	run_import "$tmp/shuffled/opportunities.csv" "$tmp/swalls" "$tmp/srsss" "s$i"
done
imp_wall=$(median <"$tmp/walls")
imp_rss=$(sort -g "$tmp/rsss" | tail -1)
shuf_wall=$(median <"$tmp/swalls")
shuf_rss=$(sort -g "$tmp/srsss" | tail -1)
cat_wall=$(median <"$tmp/cats")

# Go benchmarks on the same number of rows: Load (typed rows; the peak RSS is the test binary's,
# which also generates the file, streaming) and CSV splitting.
$GO test -c -o "$tmp/datasets.test" ./datasets
GROWTHLENS_BENCH_ROWS=$ROWS $TIME -v "$tmp/datasets.test" -test.run '^$' -test.bench '^BenchmarkLoad$' -test.benchtime 1x \
	>"$tmp/load.txt" 2>"$tmp/load.time"
GROWTHLENS_BENCH_ROWS=$ROWS "$tmp/datasets.test" -test.run '^$' -test.bench '^Benchmark(CSVReader|EncodingCSV)$' -test.benchtime 3x >"$tmp/csv.txt"
metric() { awk -v b="$1" -v u="$2" '$1 ~ "^"b"(-[0-9]+)?$" { for (i = 2; i < NF; i++) if ($(i + 1) == u) { print $i; exit } }' "$3"; }
load_rate=$(metric BenchmarkLoad rows/s "$tmp/load.txt")
load_rss=$(rss "$tmp/load.time")
ours=$(metric BenchmarkCSVReader rows/s "$tmp/csv.txt")
ref=$(metric BenchmarkEncodingCSV rows/s "$tmp/csv.txt")

awk -v rows="$ROWS" -v bytes="$bytes" -v runs="$RUNS" -v w="$imp_wall" -v r="$imp_rss" -v cw="$cat_wall" \
	-v sw="$shuf_wall" -v sr="$shuf_rss" \
	-v lr="$load_rate" -v lrss="$load_rss" -v ours="$ours" -v ref="$ref" 'BEGIN {
	rate = rows / w
	printf "bench-import: %d opportunities rows (%.1f MB), median of %d runs\n\n", rows, bytes / 1e6, runs
	printf "%-44s %10s %12s %14s\n", "", "wall s", "rows/s", "peak RSS MiB"
	srate = rows / sw
	printf "%-44s %10.2f %12.0f %14.0f\n", "growthlens import, rows in key order", w, rate, r / 1024
	printf "%-44s %10.2f %12.0f %14.0f\n", "growthlens import, rows shuffled", sw, srate, sr / 1024
	printf "%-44s %10s %12d %14d\n", "target", "-", 300000, 1024
	printf "%-44s %10.2f %12.0f %14s\n", "reference: cat file > /dev/null", cw, (cw > 0 ? rows / cw : 0), "-"
	printf "%-44s %10s %12.0f %14.0f\n", "datasets.Load into typed rows (Go bench)", "-", lr, lrss / 1024
	printf "%-44s %10s %12.0f %14s\n", "CSV split: datasets reader (Go bench)", "-", ours, "-"
	printf "%-44s %10s %12.0f %14s\n", "CSV split: encoding/csv ReuseRecord (Go bench)", "-", ref, "-"
	worst = rate < srate ? rate : srate
	mem = r > sr ? r : sr
	printf "\nimport: %s (slower order at %.2fx the rows/s target, %.0f%% of the memory budget)\n", (worst >= 300000 && mem <= 1048576) ? "MEETS TARGET" : "SHORT OF TARGET", worst / 300000, 100 * mem / 1048576
}'
