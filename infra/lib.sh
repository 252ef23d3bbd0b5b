# Shared helpers for Slipway's infra scripts. Source it; do not run it.
# Every function says what it does and fails with a one-line reason, never a stack trace.

say()  { printf '\033[1;34m[slipway]\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[1;33m[slipway]\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[1;31m[slipway] error:\033[0m %s\n' "$*" >&2; exit 1; }

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

require_root() {
  [ "$(id -u)" = 0 ] || die "this step installs system packages and starts daemons, so it must run as root (you are $(id -un))"
}

# port_in_use PORT -> 0 if something listens on 127.0.0.1:PORT
port_in_use() {
  # the subshell opens the connection and closes it as it exits
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_for DESCRIPTION SECONDS CMD... -> polls CMD until it succeeds
wait_for() {
  local what=$1 secs=$2; shift 2
  local i
  for ((i = 0; i < secs * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

# rand_hex BYTES -> that many random bytes as hex (passwords, secrets)
rand_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# mask_url URL -> the URL with any password replaced by *** (for what is printed)
mask_url() { printf '%s' "$1" | sed -E 's#(//[^:/@]*):[^@/]*@#\1:***@#'; }

pid_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
read_pid() { [ -f "$1" ] && cat "$1" 2>/dev/null || true; }

# Installs npm dependencies when package-lock.json changed since the last install
# (npm ci on a fresh checkout), then generates the Prisma client if the schema changed.
ensure_node_deps() {
  command -v node >/dev/null 2>&1 || die "node is not on PATH: install Node.js 20.19+ first"
  local major; major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || die "Node.js 20.19+ is needed, this is $(node -v)"
  local stamp="$ROOT_DIR/node_modules/.slipway-lock-hash" hash
  hash=$(sha256sum "$ROOT_DIR/package-lock.json" | cut -c1-32)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
    say "installing npm dependencies (npm ci)"
    (cd "$ROOT_DIR" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
    echo "$hash" >"$stamp"
  fi
  bash "$ROOT_DIR/infra/prisma-generate.sh"
}

# What every entry point needs first: system packages, then npm dependencies + Prisma client.
prepare_machine() {
  bash "$ROOT_DIR/infra/install.sh"
  ensure_node_deps
}

# The fault suite (tests/faults): one file at a time, after the other tests, on the services
# already up; then RELIABILITY.md's figures from this run (.slipway/test/reliability/).
# Returns vitest's exit code.
run_fault_suite() {
  say "fault suite (tests/faults)"
  set +e
  npx --no-install vitest run --config vitest.faults.config.ts --reporter=default --reporter=json --outputFile.json=.slipway/test/vitest-faults.json
  local rc=$?
  set -e
  npx --no-install tsx tests/faults/write-reliability.ts || warn "could not write the reliability report"
  return $rc
}
