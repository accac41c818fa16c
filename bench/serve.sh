#!/usr/bin/env bash
# make bench-serve: wrk on loopback against a bare Gin JSON hello handler (bench/hello) and
# against growthlens serve's endpoints in the same run, printing req/s, p50 and p99 for each
# and the ratio to the bare handler. Targets (issue 7): GET forecast >= 50 % of the bare
# handler's req/s with p99 <= 10 ms; a single-employee recommendation POST >= 25 %; a batch
# of 1,000 employees p50 <= 50 ms.
#
# It builds both servers, generates a company of $EMPLOYEES employees (enough for 1,000 on
# staff) and trains it into a temporary store, starts growthlens serve on 127.0.0.1 with rate
# limiting off (the default 50 requests/s per key would turn the load into 429s) and runs
# every target $RUNS times, round by round, so that each round's ratio compares runs made
# minutes apart at most. The batch is measured on one connection: with 64 connections in a
# closed loop its latency is 64 × its service time / the cores (Little's law), a queue rather
# than the request's cost; the 64-connection figure is printed for information.
#
# Environment: BIN, GO, RUNS (3), DURATION (10s), CONNS (64), THREADS (2), EMPLOYEES (1200),
# BATCH (1000), SEED (7); FROM_DATA and FROM_STORE copy a dataset and a store trained on it
# instead of generating and training (to try changes quickly).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
BIN=${BIN:-bin/growthlens}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
EMPLOYEES=${EMPLOYEES:-1200}
BATCH=${BATCH:-1000}
SEED=${SEED:-7}

command -v wrk >/dev/null || { echo "bench-serve needs wrk: apt-get install -y wrk" >&2; exit 2; }
command -v curl >/dev/null || { echo "bench-serve needs curl: apt-get install -y curl" >&2; exit 2; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

"$GO" build -o "$BIN" ./cmd/growthlens
"$GO" build -o "$tmp/hello" ./bench/hello

if [ -n "${FROM_DATA:-}" ] && [ -n "${FROM_STORE:-}" ]; then
  # A company generated and trained before (while trying things): copied, never changed.
  cp -r "$FROM_DATA" "$tmp/data"
  cp -r "$FROM_STORE" "$tmp/store"
  rm -f "$tmp/store/admin.sock"
else
  echo "bench-serve: generating a company of $EMPLOYEES employees and training it in $tmp (minutes on a busy machine) ..." >&2
  "$BIN" generate --out "$tmp/data" --employees "$EMPLOYEES" --seed "$SEED" >/dev/null
  "$BIN" train --data "$tmp/data" --store "$tmp/store" --tenant default --seed "$SEED" --log-level error >/dev/null
fi
KEY=$("$BIN" keys create --store "$tmp/store" --tenant default --role hr_system --label bench-serve 2>/dev/null)
export KEY

"$BIN" serve --addr 127.0.0.1:0 --metrics-addr "" --people-concurrency 256 --store "$tmp/store" --data "$tmp/data" --rate-limit 0 --log-level warn 2>"$tmp/serve.log" &
pids+=($!)
"$tmp/hello" 2>"$tmp/hello.log" &
pids+=($!)

# addr FILE: the http://host:port a server printed on stderr.
addr() {
  for _ in $(seq 600); do
    a=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$1" | head -1 || true)
    [ -n "$a" ] && { echo "$a"; return; }
    sleep 0.1
  done
  echo "no address in $1:" >&2; cat "$1" >&2; exit 1
}
API=$(addr "$tmp/serve.log")
HELLO=$(addr "$tmp/hello.log")
for _ in $(seq 600); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$API/readyz")" = 200 ] && break
  sleep 0.2
done

# Request bodies: one employee, and the first $BATCH on staff (no exit date).
awk -F, -v n="$BATCH" '
  NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "employee_id") id = i; if ($i == "exit_date") ex = i }; next }
  $ex == "" && k < n { ids[k++] = $id }
  END {
    if (k < n) { print "only " k " employees on staff, want " n > "/dev/stderr"; exit 1 }
    printf "{\"employee_ids\":[\"%s\"]}\n", ids[0] > "'"$tmp"'/one.json"
    printf "{\"employee_ids\":[" > "'"$tmp"'/batch.json"
    for (i = 0; i < k; i++) printf "%s\"%s\"", (i ? "," : ""), ids[i] > "'"$tmp"'/batch.json"
    printf "]}\n" > "'"$tmp"'/batch.json"
  }' "$tmp/data/employees.csv"

check() { # name curl-args...: the request must answer 200 before it is measured
  local name=$1; shift
  code=$(curl -s -o "$tmp/check.out" -w '%{http_code}' "$@")
  [ "$code" = 200 ] || { echo "$name answered $code: $(head -c 400 "$tmp/check.out")" >&2; exit 1; }
}
check hello "$HELLO/hello"
check forecast -H "Authorization: Bearer $KEY" "$API/v1/forecast?scope=company"
check one -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary @"$tmp/one.json" "$API/v1/recommendations"
check batch -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' --data-binary @"$tmp/batch.json" "$API/v1/recommendations"
batch_bytes=$(wc -c <"$tmp/check.out")

# measure NAME CONNS [wrk args...]: one wrk run; appends "round name conns req/s p50 p99 errors".
measure() {
  local name=$1 conns=$2; shift 2
  local threads=$THREADS
  [ "$conns" -lt "$threads" ] && threads=$conns
  wrk -t"$threads" -c"$conns" -d"$DURATION" --latency "$@" >"$tmp/wrk.out" 2>&1 || { cat "$tmp/wrk.out" >&2; exit 1; }
  awk -v round="$round" -v name="$name" -v conns="$conns" '
    function ms(s) {
      if (s ~ /us$/) return substr(s, 1, length(s) - 2) / 1000
      if (s ~ /ms$/) return substr(s, 1, length(s) - 2) + 0
      if (s ~ /m$/) return substr(s, 1, length(s) - 1) * 60000
      if (s ~ /s$/) return substr(s, 1, length(s) - 1) * 1000
      return s + 0
    }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { errs += $NF }
    /Socket errors:/ { for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) errs += $i }
    END { printf "%d %s %d %.1f %.3f %.3f %d\n", round, name, conns, rps, p50, p99, errs }
  ' "$tmp/wrk.out" >>"$tmp/results"
}

: >"$tmp/results"
for round in $(seq "$RUNS"); do
  echo "bench-serve: round $round of $RUNS ..." >&2
  measure bare "$CONNS" "$HELLO/hello"
  measure forecast "$CONNS" -H "Authorization: Bearer $KEY" "$API/v1/forecast?scope=company"
  BODY=$tmp/one.json measure one "$CONNS" -s bench/wrk/post.lua "$API/v1/recommendations"
  BODY=$tmp/batch.json measure batch 1 -s bench/wrk/post.lua "$API/v1/recommendations"
  BODY=$tmp/batch.json measure batch64 "$CONNS" --timeout 10s -s bench/wrk/post.lua "$API/v1/recommendations"
done

if grep -E 'level=(ERROR|WARN)' "$tmp/serve.log" >/dev/null; then
  echo "the server logged warnings or errors during the bench:" >&2
  grep -E 'level=(ERROR|WARN)' "$tmp/serve.log" | head -5 >&2
fi

echo
echo "bench-serve: wrk -t$THREADS -d$DURATION on 127.0.0.1, $RUNS rounds, medians (the ratio is the median of each round's ratio to the bare handler of the same round)"
echo "company of $EMPLOYEES employees (seed $SEED); batch response $batch_bytes bytes; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v runs="$RUNS" '
  function median(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { r = $1; k = $2; conns[k] = $3; rps[k, r] = $4; p50[k, r] = $5; p99[k, r] = $6; errs[k] += $7 }
  END {
    split("bare forecast one batch batch64", order, " ")
    label["bare"] = "bare Gin hello (bench/hello)"
    label["forecast"] = "GET /v1/forecast?scope=company"
    label["one"] = "POST /v1/recommendations, 1 employee"
    label["batch"] = "POST /v1/recommendations, 1,000 employees"
    label["batch64"] = "POST /v1/recommendations, 1,000 employees"
    printf "%-44s %5s %10s %9s %9s %8s %6s  %-28s %s\n", "target", "conns", "req/s", "p50 ms", "p99 ms", "vs bare", "errors", "bar", "verdict"
    for (o = 1; o <= 5; o++) {
      k = order[o]
      for (r = 1; r <= runs; r++) { a[r] = rps[k, r]; b[r] = p50[k, r]; c[r] = p99[k, r]; d[r] = rps[k, r] / rps["bare", r] }
      mr = median(a, runs); m50 = median(b, runs); m99 = median(c, runs); ratio = median(d, runs)
      bar = ""; verdict = ""
      if (k == "forecast") { bar = ">= 50 % of bare, p99 <= 10 ms"; verdict = (ratio >= 0.5 && m99 <= 10) ? "PASS" : "SHORT" }
      if (k == "one") { bar = ">= 25 % of bare"; verdict = ratio >= 0.25 ? "PASS" : "SHORT" }
      if (k == "batch") { bar = "p50 <= 50 ms"; verdict = m50 <= 50 ? "PASS" : "SHORT" }
      if (k == "batch64") { bar = "p50 <= 50 ms, read at 64"; verdict = m50 <= 50 ? "PASS" : "SHORT" }
      if (errs[k] > 0) verdict = verdict " (" errs[k] " errors)"
      printf "%-44s %5d %10.0f %9.2f %9.2f %7.1f%% %6d  %-28s %s\n", label[k], conns[k], mr, m50, m99, 100 * ratio, errs[k], bar, verdict
    }
    print ""
    print "every run (round target conns req/s p50_ms p99_ms errors):"
  }' "$tmp/results"
sort -k2,2 -k1,1n "$tmp/results" | sed 's/^/  /'
