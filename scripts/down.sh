#!/usr/bin/env bash
# Stops the API and worker started by `npm run up` (SIGTERM: they finish in-flight work first).
source "$(dirname "$0")/lib.sh"
for name in api worker; do
  pidfile=".run/$name.pid"
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    [ "${1:-}" = --quiet ] || say "stopped $name"
  fi
  rm -f "$pidfile"
done
