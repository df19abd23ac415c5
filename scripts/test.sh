#!/usr/bin/env bash
# The whole test suite: SQLite always (browser tests included), then the API
# tests again on PostgreSQL when one answers on 127.0.0.1:5432.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$PATH" REFLEX_USE_SYSTEM_BUN=1
PG_URL="${HOSHO_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

echo "==> tests on SQLite"
.venv/bin/python -m pytest "$@"

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
  echo "==> tests on PostgreSQL ($PG_URL)"
  HOSHO_TEST_DATABASE_URL="$PG_URL" .venv/bin/python -m pytest -m "not browser" "$@"
fi
