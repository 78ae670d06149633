# Shared by the scripts: load .env (if any) and the connection URLs with the same defaults as libs/config.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [ -f .env ]; then set -a; . ./.env; set +a; fi
# No password has a default: `npm run up` generates APP_DATABASE_PASSWORD and POSTGRES_PASSWORD into .env, and
# the URLs carry them. Without them (a machine whose PostgreSQL trusts local connections, as in CI) the URLs
# carry none.
with_password() { [ -n "$2" ] && printf '%s:%s' "$1" "$2" || printf '%s' "$1"; }
export DATABASE_URL="${DATABASE_URL:-postgres://$(with_password trialready_app "${APP_DATABASE_PASSWORD:-}")@127.0.0.1:5432/trialready}"
export MIGRATION_DATABASE_URL="${MIGRATION_DATABASE_URL:-postgres://$(with_password postgres "${POSTGRES_PASSWORD:-}")@127.0.0.1:5432/trialready}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export API_PORT="${API_PORT:-3000}"
export WORKER_HEALTH_PORT="${WORKER_HEALTH_PORT:-3001}"

say() { printf '\033[1m[trialready]\033[0m %s\n' "$*"; }
fail() { printf '\033[1;31m[trialready]\033[0m %s\n' "$*" >&2; exit 1; }

# url_part URL part -> host | port | user | password | database
url_part() {
  node -e '
    const u = new URL(process.argv[1]);
    const defaults = { "postgres:": 5432, "postgresql:": 5432, "redis:": 6379, "rediss:": 6379 };
    const parts = { host: u.hostname.replace(/^\[|\]$/g, ""), port: u.port || defaults[u.protocol] || "",
      user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1) };
    process.stdout.write(String(parts[process.argv[2]] ?? ""));' "$1" "$2"
}

# tcp_open HOST PORT: true when something accepts connections there.
tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

wait_for_port() { # HOST PORT WHAT SECONDS
  local i
  for ((i = 0; i < $4 * 2; i++)); do tcp_open "$1" "$2" && return 0; sleep 0.5; done
  return 1
}

is_local_host() { case "$1" in 127.*|localhost|::1) return 0 ;; *) return 1 ;; esac; }
