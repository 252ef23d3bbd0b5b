#!/usr/bin/env bash
# `npm run farm`: install what is missing, start the services (unless the environment points
# at them), apply migrations, then run the farm's processes in the foreground until Ctrl-C,
# which stops the processes and the services this run started. Safe to run again.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/services.sh"
cd "$ROOT_DIR"

# Optional overrides from .env (see .env.example); the real environment wins.
if [ -f .env ]; then
  say "reading .env"
  while IFS='=' read -r k v; do
    [[ "$k" =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
    # An unquoted value ends at " #" (a comment after it); quotes around a value are dropped.
    if [[ "$v" =~ ^\"(.*)\"$ || "$v" =~ ^\'(.*)\'$ ]]; then v=${BASH_REMATCH[1]}; else v=${v%%[[:space:]]#*}; v=${v%"${v##*[![:space:]]}"}; fi
    [ -z "${!k:-}" ] && export "$k=$v"
  done < <(grep -v '^\s*#' .env)
fi

# Build hosts: SLIPWAY_HOSTS daemons, each with its own data root, socket and build bridge.
# Checked before anything is installed or started.
HOSTS="${SLIPWAY_HOSTS:-1}"
[[ "$HOSTS" =~ ^[1-9][0-9]?$ ]] && [ "$HOSTS" -le 16 ] || die "SLIPWAY_HOSTS must be a whole number from 1 to 16 (got '$HOSTS')"
if [ "$HOSTS" -gt 1 ] && [ -n "${DOCKER_HOST:-}" ]; then
  die "DOCKER_HOST is set ($DOCKER_HOST) and SLIPWAY_HOSTS=$HOSTS: the farm starts a daemon per host itself. Unset DOCKER_HOST, or use SLIPWAY_HOSTS=1 to build on that daemon"
fi
# Its workers build on the daemons it starts and are named after them (the routing key).
if [ -n "${SLIPWAY_BUILDKIT_ENDPOINT:-}" ]; then
  die "SLIPWAY_BUILDKIT_ENDPOINT is set: npm run farm builds on the Docker daemons it starts. Remote BuildKit builders are for workers run on their own (the image, infra/k8s); unset it here"
fi
WORKERS="${SLIPWAY_WORKERS:-2}"
[[ "$WORKERS" =~ ^[0-9]+$ ]] || die "SLIPWAY_WORKERS must be a number (got $WORKERS)"
# SLIPWAY_FARM_CHECK=1: check these settings and stop, starting nothing.
if [ "${SLIPWAY_FARM_CHECK:-}" = 1 ]; then say "settings are valid (SLIPWAY_FARM_CHECK=1: nothing started)"; exit 0; fi

prepare_machine

APP_PIDS=()
GC_TIMER=""
cleanup() {
  trap - EXIT INT TERM
  local pid
  [ -n "$GC_TIMER" ] && kill "$GC_TIMER" 2>/dev/null
  for pid in "${APP_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${APP_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  services_down
  say "farm stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PORT="${PORT:-8080}"
check_port_free "$PORT" "the api" PORT
# The api, workers and publisher run as an unprivileged system user. Root is needed only for
# what comes before: installing packages, starting PostgreSQL as postgres, dockerd (namespaces,
# iptables) and the walled-off build bridge. The slipway-docker group owns the Docker socket,
# which the workers need (and which is root-equivalent: keep build hosts apart in production).
id slipway >/dev/null 2>&1 || useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin slipway \
  || die "could not create the slipway system user (useradd)"
# Only the workers get the socket's group; the internet-facing api and the publisher do not.
getent group slipway-docker >/dev/null || groupadd --system slipway-docker || die "could not create the slipway-docker group (groupadd)"
export SLIPWAY_DOCKER_GROUP=slipway-docker
services_up farm
# Host 1 is the profile's daemon (data root .slipway/farm/docker, as before); hosts 2..N get
# docker-h<i> and a socket and bridge of their own. services_down stops every one started here.
HOST_SOCKETS=("$DOCKER_HOST")
for ((h = 2; h <= HOSTS; h++)); do
  launch_dockerd "H$h" "docker-h$h" "-h$h"
  HOST_SOCKETS+=("$LAUNCHED_HOST")
done

# Secrets: from the environment, else made once and kept in the state folder.
secrets="$STATE/secrets.env"
if [ ! -f "$secrets" ]; then
  umask 077
  {
    echo "FARM_WEBHOOK_SECRET=$(rand_hex 24)"
    echo "FARM_API_TOKEN=slw_$(rand_hex 24)"
  } >"$secrets"
  umask 022
fi
# The key of the encrypted secret store (AES-256-GCM): added to an older secrets file too.
grep -q '^FARM_SECRET_KEY=' "$secrets" || echo "FARM_SECRET_KEY=$(rand_hex 32)" >>"$secrets"
# The key sealing dashboard session cookies: kept, so sessions outlive an api restart.
grep -q '^FARM_SESSION_KEY=' "$secrets" || echo "FARM_SESSION_KEY=$(rand_hex 32)" >>"$secrets"
chmod 600 "$secrets"
# shellcheck disable=SC1090
source "$secrets"
export SLIPWAY_SECRET_KEY="${SLIPWAY_SECRET_KEY:-$FARM_SECRET_KEY}"
export SLIPWAY_SESSION_KEY="${SLIPWAY_SESSION_KEY:-$FARM_SESSION_KEY}"
export SLIPWAY_WEBHOOK_SECRET="${SLIPWAY_WEBHOOK_SECRET:-$FARM_WEBHOOK_SECRET}"
export SLIPWAY_API_TOKEN="${SLIPWAY_API_TOKEN:-$FARM_API_TOKEN}"
export PORT

say "building the dashboard"
npm run --silent build -w @slipway/dashboard >/dev/null || die "the dashboard build failed (npm run build -w @slipway/dashboard)"

say "applying database migrations"
npx --no-install tsx packages/db/src/migrate/cli.ts deploy || die "database migration failed"

export NODE_ENV="${NODE_ENV:-production}"
export SLIPWAY_WORKER_CACHE_DIR="${SLIPWAY_WORKER_CACHE_DIR:-$STATE/worker}"
APP_HOME="$STATE/app-home"   # npm's and git's home for the slipway user
mkdir -p "$SLIPWAY_WORKER_CACHE_DIR" "$APP_HOME"
chown -R slipway:slipway "$SLIPWAY_WORKER_CACHE_DIR" "$APP_HOME"
# The api signs registry tokens: the key is readable by the slipway group, nobody else.
if [ -n "${SLIPWAY_REGISTRY_TOKEN_KEY:-}" ] && [ "$(dirname "$SLIPWAY_REGISTRY_TOKEN_KEY")" = "$STATE/registry-auth" ]; then
  chgrp slipway "$STATE/registry-auth" "$SLIPWAY_REGISTRY_TOKEN_KEY"; chmod 750 "$STATE/registry-auth"; chmod 640 "$SLIPWAY_REGISTRY_TOKEN_KEY"
fi
# setpriv execs tsx (no npx in between: npx does not pass SIGTERM on, and its child outlived
# the farm), and tsx relays signals to the node process it runs: the PID recorded stops the app.
start_app() { # NAME ENTRY [SUPPLEMENTARY_GROUP]
  local groups=(--clear-groups)
  if [ -n "${3:-}" ]; then groups=("--groups=$3"); fi
  HOME="$APP_HOME" setpriv --reuid=slipway --regid=slipway "${groups[@]}" -- "$ROOT_DIR/node_modules/.bin/tsx" "$2" &
  APP_PIDS+=($!)
  say "started $1 as user slipway (pid $!)"
}
start_app api apps/api/src/index.ts
# SLIPWAY_WORKERS workers per host, each on its host's daemon. One host keeps the plain
# machine name as its build host label; several are <name>-h1..<name>-hN.
HOST_LINES=""
for ((h = 1; h <= HOSTS; h++)); do
  label="${SLIPWAY_BUILD_HOST:-$(hostname)}"
  [ "$HOSTS" -gt 1 ] && label="$label-h$h"
  for ((w = 1; w <= WORKERS; w++)); do
    DOCKER_HOST="${HOST_SOCKETS[h - 1]}" SLIPWAY_BUILD_HOST="$label" SLIPWAY_WORKER_ID="$label-w$w" \
      start_app "worker $w of host $label" apps/worker/src/index.ts slipway-docker
  done
  HOST_LINES+=$(printf '\n    Host %-10s %s' "$label" "${HOST_SOCKETS[h - 1]}")
done
start_app publisher apps/publisher/src/index.ts

cat >&2 <<INFO

  Slipway farm is running. Ctrl-C stops it.
    Dashboard      http://127.0.0.1:$PORT/   (sign in with the API token below)
    API            http://127.0.0.1:$PORT   (health: /healthz, /readyz)
    Webhook URL    http://127.0.0.1:$PORT/webhooks/github   (content type application/json)
    Webhook secret $SLIPWAY_WEBHOOK_SECRET
    API token      $SLIPWAY_API_TOKEN   (Authorization: Bearer ...)
    PostgreSQL     $(mask_url "$DATABASE_URL")
    Redis          $(mask_url "$REDIS_URL")   (passwords in $STATE/services.env)
    Build hosts    $HOSTS (SLIPWAY_HOSTS), Docker daemon of each:$HOST_LINES
    Registry       $SLIPWAY_REGISTRY   (builds and caches; never a publish target)
    Publishing     credentials: PUT /api/v1/registries/<host> (admin token); public hosts: ${SLIPWAY_PUBLIC_PUBLISH_HOSTS:-none}
    Workers        $WORKERS build workers per host (SLIPWAY_WORKERS), git mirrors in $SLIPWAY_WORKER_CACHE_DIR

INFO

# Registry garbage collection on a schedule (when this run started the registry): retention
# deletes old images and deleted branches' caches over the API, this frees their blobs.
GC_HOURS="${SLIPWAY_REGISTRY_GC_HOURS:-24}"
[[ "$GC_HOURS" =~ ^[0-9]+$ ]] || die "SLIPWAY_REGISTRY_GC_HOURS must be a whole number of hours (0: never)"
registry_entry=-1
for i in "${!STARTED[@]}"; do [[ "${STARTED[$i]}" == registry-internal:* ]] && registry_entry=$i; done

# Run until one process exits or Ctrl-C.
set +e
while true; do
  GC_TIMER=""
  if [ "$GC_HOURS" -gt 0 ] && [ "$registry_entry" -ge 0 ]; then
    sleep $((GC_HOURS * 3600)) &
    GC_TIMER=$!
  fi
  finished=""
  wait -n -p finished "${APP_PIDS[@]}" $GC_TIMER
  rc=$?
  if [ -n "$GC_TIMER" ] && [ "$finished" = "$GC_TIMER" ]; then
    # The registry comes back under a new PID (even when the collection failed): the one
    # services_down stops.
    bash infra/registry-gc.sh "$STATE/registry" >/dev/null
    STARTED[registry_entry]="registry-internal:$(read_pid "$STATE/registry/registry.pid")"
    continue
  fi
  break
done
say "a farm process exited (code $rc); stopping the farm"
exit $rc
