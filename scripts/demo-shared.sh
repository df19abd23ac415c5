#!/bin/sh
# The real shape of D-Sure: one D-Sure alone and two sureties publishing to it, each with demo data.
#   D-Sure (hosho dsure)            http://127.0.0.1:8100   data: $ROOT/dsure
#   西日本 207 (hosho run, UI + API) http://localhost:3000    data: $ROOT/207   its /dsure page asks D-Sure
#   東日本 107 (hosho api)           http://127.0.0.1:8107   data: $ROOT/107
# Ctrl-C stops all three. ROOT defaults to ./data-demo-shared (HOSHO_DEMO_ROOT).
set -eu
cd "$(dirname "$0")/.."
ROOT=${HOSHO_DEMO_ROOT:-./data-demo-shared}
H=.venv/bin/hosho
DSURE=http://127.0.0.1:8100
mkdir -p "$ROOT"
export PATH="$PWD/.tools/node_modules/.bin:$PATH" REFLEX_USE_SYSTEM_BUN=1

"$H" dsure --data-dir "$ROOT/dsure" --port 8100 >"$ROOT/dsure.log" 2>&1 &
PIDS=$!
trap 'kill $PIDS 2>/dev/null || true' EXIT INT TERM
until curl -sf "$DSURE/api/health" >/dev/null; do sleep 0.5; done

for pair in "207 西日本建設業保証株式会社" "107 東日本建設業保証株式会社"; do
  code=${pair%% *}; name=${pair#* }
  HOSHO_DATA_DIR="$ROOT/$code" "$H" issuer-key >"$ROOT/issuer-$code.pem"
  "$H" dsure --data-dir "$ROOT/dsure" add-issuer --code "$code" --name "$name" --public-key "$ROOT/issuer-$code.pem"
  HOSHO_DATA_DIR="$ROOT/$code" HOSHO_DSURE_URL="$DSURE" HOSHO_ISSUER_CODE="$code" HOSHO_ISSUER_NAME="$name" \
    "$H" demo | sed "s/^/[$code] /"
done

HOSHO_DATA_DIR="$ROOT/107" HOSHO_DSURE_URL="$DSURE" HOSHO_ISSUER_CODE=107 HOSHO_ISSUER_NAME=東日本建設業保証株式会社 \
  "$H" api --port 8107 >"$ROOT/107.log" 2>&1 &
PIDS="$PIDS $!"
echo "D-Sure: $DSURE/api/dsure/issuers · 東日本 API: http://127.0.0.1:8107/api/schema · 西日本 UI: http://localhost:3000 (D-Sure page /dsure)"
HOSHO_DATA_DIR="$ROOT/207" HOSHO_DSURE_URL="$DSURE" HOSHO_DSURE_FORWARD_SECRET_FILE="$ROOT/dsure/ui-forward.secret" \
  "$H" run --port 3000
