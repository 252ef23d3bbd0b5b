#!/bin/sh
# The entrypoint of Slipway's own image (Dockerfile), run by tini (PID 1: passes SIGTERM on and
# reaps zombies). The first argument picks the role; `exec` leaves node as tini's only child, so
# SIGTERM reaches the app's own shutdown (packages/config runApp: exit 0).
# tsx is a production dependency: it compiles the TypeScript sources as they are imported.
set -eu
cd /app
role="${1:-}"
[ $# -gt 0 ] && shift
case "$role" in
  api) exec node --import tsx apps/api/src/index.ts "$@" ;;
  worker) exec node --import tsx apps/worker/src/index.ts "$@" ;;
  publisher) exec node --import tsx apps/publisher/src/index.ts "$@" ;;
  # Applies the pending migrations of prisma/migrations to DATABASE_URL, then exits.
  migrate) exec node --import tsx packages/db/src/migrate/cli.ts deploy "$@" ;;
  *)
    echo "slipway: unknown role '$role': the first argument must be one of api, worker, publisher, migrate" >&2
    exit 64
    ;;
esac
