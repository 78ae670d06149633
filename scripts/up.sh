#!/usr/bin/env bash
# `npm run up`: dependencies, build, secrets (generated into .env on first run), PostgreSQL and Redis,
# migrations, demo data, then the API and the worker in the background (logs and pids in .run/).
# `npm run down` stops them.
source "$(dirname "$0")/lib.sh"

node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || fail "Node.js 20.19 or newer is needed (found $(node --version))"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

say "building"
npm run --silent build
# Before anything reads the configuration (docker compose included): no secret has a default, so each one
# missing from .env gets a random value there (.env is created with mode 0600; existing values are kept).
node dist/libs/config/src/cli/ensure-secrets.js .env
source "$ROOT/scripts/lib.sh" # again: exports what .env holds now
bash scripts/ensure-services.sh
say "running migrations"
node dist/libs/persistence/src/cli/migrate.js run
if [ -f dist/apps/api/src/cli/seed.js ]; then
  say "loading the demo cohort (idempotent)"
  node dist/apps/api/src/cli/seed.js --demo
fi

mkdir -p .run && chmod 700 .run
bash scripts/down.sh --quiet
start() { # name entry [node options]
  # The apps connect as the app role only: the owner's URL and password stay with migrations and the seed.
  # Appended, not overwritten: the worker's log keeps a copy of each signed audit checkpoint (docs/SECURITY.md).
  nohup env -u MIGRATION_DATABASE_URL -u POSTGRES_PASSWORD node "${@:3}" "$2" >>".run/$1.log" 2>&1 &
  echo $! >".run/$1.pid"
}
start api dist/apps/api/src/main.js
# A larger young generation for the worker: a cohort re-screen parses each batch as one JSON document whose
# objects live until the batch is judged; with V8's default 16 MB semi-space many of them are copied by a
# scavenge first, and the re-screen is slower (figures in docs/PERFORMANCE.md).
start worker dist/apps/worker/src/main.js --max-semi-space-size=64

API_URL="http://127.0.0.1:${API_PORT}"
for _ in $(seq 1 60); do
  if curl -fsS "$API_URL/api/v1/health/ready" >/dev/null 2>&1 &&
    curl -fsS "http://127.0.0.1:${WORKER_HEALTH_PORT}/health/ready" >/dev/null 2>&1; then
    READY=1
    break
  fi
  kill -0 "$(cat .run/api.pid)" 2>/dev/null || fail "the API stopped; see .run/api.log"
  kill -0 "$(cat .run/worker.pid)" 2>/dev/null || fail "the worker stopped; see .run/worker.log"
  sleep 0.5
done
[ "${READY:-0}" = 1 ] || fail "the API or worker did not become ready in 30 s; see .run/api.log and .run/worker.log"

cat <<MSG

  The registry is up.
    API          $API_URL/api/v1
    API docs     $API_URL/api/docs
    Readiness    $API_URL/api/v1/health/ready
    Worker       http://127.0.0.1:${WORKER_HEALTH_PORT}/health/ready
    Logs         .run/api.log, .run/worker.log
    Stop         npm run down
MSG
# The demo password is kept in that file only (mode 0600), not printed where terminal logs would keep it.
if [ -f .run/demo-logins.txt ]; then echo "    Demo log-ins .run/demo-logins.txt (readable by you only)"; fi
