#!/usr/bin/env bash
# Runs every curl example of the README's "HTTP API" section against a running server (make
# run in another terminal) and checks each one's HTTP status: 2xx, or the status its line
# names in a trailing comment "# → NNN". Lines of the form VAR=$(curl ...) are run too and
# must set VAR, so later examples can use it. The examples run in README order, in one shell.
#
#   make run                      # terminal 1
#   make api-examples             # terminal 2 (API=http://127.0.0.1:8080, KEY from var/demo-admin.key)
set -euo pipefail
cd "$(dirname "$0")/.."
README=${README:-README.md}
export API=${API:-http://127.0.0.1:8080}
if [ -z "${KEY:-}" ]; then
  [ -s var/demo-admin.key ] || { echo "no KEY and no var/demo-admin.key: start make run first" >&2; exit 2; }
  KEY=$(cat var/demo-admin.key)
fi
export KEY
command -v jq >/dev/null || { echo "the examples use jq: apt-get install -y jq" >&2; exit 2; }
[ "$(curl -s -o /dev/null -w '%{http_code}' "$API/healthz")" = 200 ] || { echo "no server at $API: start make run first" >&2; exit 2; }

# The sh blocks of the section, one command a line.
mapfile -t lines < <(awk '
  /^## / { in_api = ($0 == "## HTTP API") }
  in_api && /^```sh/ { block = 1; next }
  in_api && /^```/ { block = 0; next }
  in_api && block && (/^curl / || /^[A-Z_]+=\$\(curl /) { print }
' "$README")
[ "${#lines[@]}" -ge 20 ] || { echo "found only ${#lines[@]} examples in $README's HTTP API section" >&2; exit 1; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
fails=0
n=0
for line in "${lines[@]}"; do
  n=$((n + 1))
  want=""
  if [[ $line =~ \#\ →\ ([0-9]{3}) ]]; then want=${BASH_REMATCH[1]}; fi
  cmd=$(sed -E 's/[[:space:]]+#.*$//' <<<"$line")
  if [[ $cmd =~ ^([A-Z_]+)=\$\((.*)\)$ ]]; then
    var=${BASH_REMATCH[1]}
    val=$(eval "${BASH_REMATCH[2]}") || true
    if [ -z "$val" ] || [ "$val" = null ]; then
      echo "FAIL  $line: set no $var" >&2; fails=$((fails + 1)); continue
    fi
    printf -v "$var" '%s' "$val"; export "${var?}"
    echo "ok    $var=$val  ← ${cmd:0:100}"
    continue
  fi
  code=$(eval "$cmd -o '$out' -w '%{http_code}'") || true
  if { [ -n "$want" ] && [ "$code" != "$want" ]; } || { [ -z "$want" ] && [[ $code != 2?? ]]; }; then
    echo "FAIL  $code (want ${want:-2xx})  $line" >&2
    head -c 300 "$out" >&2; echo >&2
    fails=$((fails + 1))
    continue
  fi
  echo "ok    $code  ${cmd:0:110}"
done
echo "$n examples, $fails failed"
[ "$fails" = 0 ]
