#!/usr/bin/env bash
# infra/registry-gc.sh DIR: garbage-collects the Distribution registry whose config.yml and
# registry.pid are in DIR (the layout start_registry in services.sh writes). Retention deletes
# manifests over the API (packages/retention); the blobs only they referenced stay on disk until
# this runs. Distribution's collector must not run while the registry takes pushes (a layer
# being uploaded would be collected under the push), so the registry is stopped, collected and
# started again: a pause of about a second. Copies and pulls retry through it; a push that
# spans it can lose a layer it uploaded just before (no manifest referenced it yet), and that
# build's try fails at its manifest and is retried. Without --delete-untagged: in this
# version it also deletes the images an index points at (distribution issue 3178), and retention
# deletes what it means to by digest. Prints the restarted registry's PID on stdout.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

dir=${1:?usage: registry-gc.sh DIR (holding config.yml and registry.pid)}
conf="$dir/config.yml"
[ -f "$conf" ] || die "registry gc: no registry config at $conf"
data=$(sed -n 's/.*rootdirectory: *\([^ },]*\).*/\1/p' "$conf" | head -1)
port=$(sed -n 's/^ *addr: *[^:]*:\([0-9][0-9]*\).*/\1/p' "$conf" | head -1)
[ -n "$data" ] && [ -n "$port" ] || die "registry gc: $conf names no filesystem rootdirectory or http addr"
mkdir -p "$data"

bytes() { du -sb "$data" 2>/dev/null | cut -f1; }
before=$(bytes)
started=$(date +%s%N)
pid=$(read_pid "$dir/registry.pid")
was_running=false
# Only the registry serving this config: a PID file outliving its process may name another.
cmdline=""
pid_alive "$pid" && cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
if [[ "$cmdline" == *"docker-registry serve $conf"* ]]; then
  was_running=true
  kill -TERM "$pid"
  for _ in $(seq 1 100); do pid_alive "$pid" || break; sleep 0.1; done
  pid_alive "$pid" && die "registry gc: the registry (pid $pid) did not stop within 10 s"
fi

restart() {
  $was_running || return 0
  setsid docker-registry serve "$conf" >>"$dir/registry.log" 2>&1 </dev/null &
  echo $! >"$dir/registry.pid"
  wait_for "registry on port $port" 20 port_in_use "$port" || die "registry gc: the registry did not come back, see $dir/registry.log"
}

if ! out=$(docker-registry garbage-collect "$conf" 2>&1); then
  restart
  die "registry gc: garbage-collect failed: $(tail -3 <<<"$out")"
fi
restart
paused_ms=$((($(date +%s%N) - started) / 1000000))
blobs=$(grep -c "eligible for deletion" <<<"$out" || true)
after=$(bytes)
say "registry gc: $blobs blobs deleted, $(((before - after) / 1048576)) MiB freed ($((after / 1048576)) MiB kept), registry paused ${paused_ms} ms"
$was_running && cat "$dir/registry.pid"
true
