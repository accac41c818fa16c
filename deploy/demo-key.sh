#!/usr/bin/env bash
# make run's demo API key: an admin key of $TENANT kept in $FILE (mode 0600) so that the
# curl examples of the README and docs/api.md work against make run. The key is created once and reused while the
# store still knows it and it is not revoked; otherwise a new one is made. Run it while no
# server holds the store (make run does, before it serves).
set -euo pipefail
BIN=${BIN:-bin/growthlens}
STORE=${STORE:-var/store}
TENANT=${TENANT:-default}
FILE=${FILE:-var/demo-admin.key}

if [ -s "$FILE" ]; then
  # A key's id is the first 16 hex digits of its secret's SHA-256 (models/registry).
  id=$(tr -d '\n' <"$FILE" | sha256sum | cut -c1-16)
  if "$BIN" keys list --store "$STORE" --tenant "$TENANT" --json --log-level error | awk -v id="$id" '
      index($0, "\"id\": \"" id "\"") { found = 1; inkey = 1; next }
      inkey && /"revoked"/ { revoked = 1 }
      inkey && /^ *}/ { inkey = 0 }
      END { exit !(found && !revoked) }'; then
    exit 0
  fi
fi
mkdir -p "$(dirname "$FILE")"
umask 077
"$BIN" keys create --store "$STORE" --tenant "$TENANT" --role admin --label "make run demo" --log-level error >"$FILE.tmp"
mv "$FILE.tmp" "$FILE"
echo "made a demo admin key of tenant $TENANT in $FILE" >&2
