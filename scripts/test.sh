#!/usr/bin/env bash
# The whole test suite: SQLite always (browser tests included) and, when one answers on
# 127.0.0.1:5432, the API tests again on PostgreSQL at the same time (a scratch database of
# its own, throttle keys under per-test prefixes: the two runs share nothing). The PostgreSQL
# run's output is printed after the SQLite run's; the script fails if either fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$PATH" REFLEX_USE_SYSTEM_BUN=1
PG_URL="${HOSHO_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

pg_pid=""
pg_log="$(mktemp -t hosho-pg-tests.XXXXXX)"
if .venv/bin/python - "$PG_URL" <<'PY'
import asyncio, sys
import asyncpg
async def ping(url):
    conn = await asyncio.wait_for(asyncpg.connect(url), 5)
    await conn.close()
try:
    asyncio.run(ping(sys.argv[1]))
except Exception as exc:
    print(f"PostgreSQL not reachable ({exc.__class__.__name__}); skipping the PostgreSQL run")
    sys.exit(1)
PY
then
  echo "==> tests on PostgreSQL ($PG_URL) started alongside; output follows the SQLite run"
  HOSHO_TEST_DATABASE_URL="$PG_URL" .venv/bin/python -m pytest -p no:cacheprovider -m "not browser" "$@" >"$pg_log" 2>&1 &
  pg_pid=$!
fi

echo "==> tests on SQLite"
sqlite_status=0
.venv/bin/python -m pytest "$@" || sqlite_status=$?

pg_status=0
if [[ -n "$pg_pid" ]]; then
  wait "$pg_pid" || pg_status=$?
  echo "==> tests on PostgreSQL ($PG_URL)"
  cat "$pg_log"
fi
rm -f "$pg_log"
exit $(( sqlite_status != 0 ? sqlite_status : pg_status ))
