#!/usr/bin/env bash
# Runs the README's ten-line tour and every example of docs/api.md against a running server
# (make run in another terminal), in that order, in one shell. A curl line must answer 2xx, or
# the status its line names in a trailing comment "# → NNN"; a bin/growthlens line must exit
# 0; a line VAR=$(...) or VAR=value must set VAR, so later lines can use it. Together with
# make run itself and make test (CI), this runs every command the README shows.
#
#   make run                      # terminal 1
#   make api-examples             # terminal 2 (API=http://127.0.0.1:8080, KEY from var/demo-admin.key;
#                                 # set API or KEY to use others)
set -euo pipefail
cd "$(dirname "$0")/.."
README=${README:-README.md}
API_DOC=${API_DOC:-docs/api.md}
# API and KEY given by the caller are kept: the examples' own assignments do not replace them.
preset=" ${API:+API} ${KEY:+KEY} "
export API=${API:-http://127.0.0.1:8080}
if [ -z "${KEY:-}" ]; then
  [ -s var/demo-admin.key ] || { echo "no KEY and no var/demo-admin.key: start make run first" >&2; exit 2; }
  KEY=$(cat var/demo-admin.key)
fi
export KEY
command -v jq >/dev/null || { echo "the examples use jq: apt-get install -y jq" >&2; exit 2; }
[ "$(curl -s -o /dev/null -w '%{http_code}' "$API/healthz")" = 200 ] || { echo "no server at $API: start make run first" >&2; exit 2; }

# The sh blocks of the README's tour and of the API page, one command a line.
commands() {
  awk -v section="$2" '
    /^## / { on = (section == "" || $0 == section) }
    on && /^```sh/ { block = 1; next }
    on && /^```/ { block = 0; next }
    on && block && (/^curl / || /^bin\/growthlens / || /^[A-Z_]+=/) { print }
  ' "$1"
}
mapfile -t tour < <(commands "$README" "## A ten-line tour")
mapfile -t api < <(commands "$API_DOC" "")
[ "${#tour[@]}" -ge 8 ] || { echo "found only ${#tour[@]} commands in $README's tour" >&2; exit 1; }
[ "${#api[@]}" -ge 20 ] || { echo "found only ${#api[@]} examples in $API_DOC" >&2; exit 1; }
lines=("${tour[@]}" "${api[@]}")

out=$(mktemp)
trap 'rm -f "$out"' EXIT
fails=0
n=0
for line in "${lines[@]}"; do
  n=$((n + 1))
  want=""
  if [[ $line =~ \#\ →\ ([0-9]{3}) ]]; then want=${BASH_REMATCH[1]}; fi
  cmd=$(sed -E 's/[[:space:]]+#.*$//' <<<"$line")
  if [[ $cmd =~ ^([A-Z_]+)=(.*)$ ]]; then
    var=${BASH_REMATCH[1]}
    if [[ $preset == *" $var "* ]]; then
      echo "ok    $var kept as given  ← ${cmd:0:100}"
      continue
    fi
    val=$(eval "printf '%s' ${BASH_REMATCH[2]}") || true
    if [ -z "$val" ] || [ "$val" = null ]; then
      echo "FAIL  $line: set no $var" >&2; fails=$((fails + 1)); continue
    fi
    printf -v "$var" '%s' "$val"; export "${var?}"
    echo "ok    $var=$val  ← ${cmd:0:100}"
    continue
  fi
  if [[ $cmd == bin/growthlens* ]]; then
    if eval "$cmd" >"$out" 2>&1; then
      echo "ok    exit 0  ${cmd:0:110}"
    else
      echo "FAIL  exit $?  $line" >&2; head -c 300 "$out" >&2; echo >&2
      fails=$((fails + 1))
    fi
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
