#!/usr/bin/env bash
# Makes PostgreSQL and Redis reachable at DATABASE_URL and REDIS_URL, in this order:
#   1. already running there: use them;
#   2. a Docker engine answers: docker compose starts the two services from docker/compose.yml;
#   3. root on Debian/Ubuntu: install (if absent) and start the postgresql and redis-server packages;
#   4. otherwise: say exactly what to run, and exit 1.
# Then creates the application database if it does not exist yet.
# SERVICE_STARTERS limits the ways tried in 2-3 (default "docker,debian"; "none" only checks).
source "$(dirname "$0")/lib.sh"

STARTERS="${SERVICE_STARTERS:-docker,debian}"
PG_HOST=$(url_part "$DATABASE_URL" host); PG_PORT=$(url_part "$DATABASE_URL" port)
# The owner's credentials: a fresh cluster gets its password; the app role is made by the migrations CLI.
PG_USER=$(url_part "$MIGRATION_DATABASE_URL" user); PG_PASSWORD=$(url_part "$MIGRATION_DATABASE_URL" password)
REDIS_HOST=$(url_part "$REDIS_URL" host); REDIS_PORT=$(url_part "$REDIS_URL" port)
REDIS_PASSWORD=$(url_part "$REDIS_URL" password)

postgres_up() { tcp_open "$PG_HOST" "$PG_PORT"; }
redis_up() { tcp_open "$REDIS_HOST" "$REDIS_PORT"; }
allowed() { [[ ",$STARTERS," == *",$1,"* ]]; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif sudo -n true 2>/dev/null; then sudo "$@"; else return 1; fi; }
can_be_root() { [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }

start_with_docker() {
  allowed docker || return 1
  command -v docker >/dev/null && docker info >/dev/null 2>&1 && docker compose version >/dev/null 2>&1 || return 1
  say "starting PostgreSQL and Redis with docker compose"
  POSTGRES_HOST_PORT="$PG_PORT" REDIS_HOST_PORT="$REDIS_PORT" \
    docker compose --env-file .env -f docker/compose.yml up -d --wait postgres redis
}

apt_install() { # packages...
  say "installing $* from Debian's packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

start_postgres_debian() {
  allowed debian && is_local_host "$PG_HOST" && can_be_root && command -v apt-get >/dev/null || return 1
  local fresh=0
  if ! command -v pg_lsclusters >/dev/null; then apt_install postgresql && fresh=1 || return 1; fi
  # The packaged cluster must be the one on the configured port; we do not move clusters around.
  local cluster
  cluster=$(pg_lsclusters -h | awk -v port="$PG_PORT" '$3 == port { print $1 " " $2; exit }')
  [ -n "$cluster" ] || { say "no PostgreSQL cluster of Debian's is set to port $PG_PORT"; return 1; }
  say "starting PostgreSQL cluster $cluster"
  # shellcheck disable=SC2086
  as_root pg_ctlcluster --skip-systemctl-redirect $cluster start 2>/dev/null || true
  wait_for_port "$PG_HOST" "$PG_PORT" postgres 30 || return 1
  if [ "$fresh" = 1 ] && [ -n "$PG_PASSWORD" ] && [ "${PG_USER:-postgres}" = postgres ]; then
    # A fresh Debian cluster asks TCP clients for a password: give the one MIGRATION_DATABASE_URL carries.
    as_root su postgres -c "psql -q -p $PG_PORT -c \"ALTER USER postgres PASSWORD '${PG_PASSWORD//\'/\'\'}'\"" >/dev/null
  fi
}

start_redis_debian() {
  allowed debian && is_local_host "$REDIS_HOST" && command -v apt-get >/dev/null || return 1
  if ! command -v redis-server >/dev/null; then can_be_root && apt_install redis-server || return 1; fi
  say "starting redis-server on port $REDIS_PORT"
  local auth=()
  [ -n "$REDIS_PASSWORD" ] && auth=(--requirepass "$REDIS_PASSWORD")
  # noeviction: BullMQ loses jobs if Redis may evict keys.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --maxmemory-policy noeviction --logfile "/tmp/trialready-redis-$REDIS_PORT.log" "${auth[@]}" >/dev/null
  wait_for_port "$REDIS_HOST" "$REDIS_PORT" redis 15
}

explain_and_exit() {
  cat >&2 <<MSG

PostgreSQL ($PG_HOST:$PG_PORT from DATABASE_URL) or Redis ($REDIS_HOST:$REDIS_PORT from REDIS_URL)
is not reachable, and this machine offers no way to start it here (tried: $STARTERS).
Do one of these, then run the command again:
  - with Docker:  docker compose --env-file .env -f docker/compose.yml up -d --wait postgres redis
  - on Debian or Ubuntu, as root:
        apt-get install -y postgresql redis-server
        pg_ctlcluster \$(ls /etc/postgresql) main start
        redis-server --daemonize yes --port $REDIS_PORT --maxmemory-policy noeviction
  - or set DATABASE_URL / REDIS_URL (in .env, see .env.example) to a PostgreSQL 14+ and a Redis 7+ you run.
MSG
  exit 1
}

if postgres_up && redis_up; then
  say "PostgreSQL ($PG_HOST:$PG_PORT) and Redis ($REDIS_HOST:$REDIS_PORT) are running"
else
  if ! { postgres_up && redis_up; }; then start_with_docker || true; fi
  if ! postgres_up; then start_postgres_debian || true; fi
  if ! redis_up; then start_redis_debian || true; fi
  postgres_up && redis_up || explain_and_exit
  say "PostgreSQL and Redis are up"
fi

node scripts/prepare-services.js
