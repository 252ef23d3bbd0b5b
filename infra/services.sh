# Starts and stops the services Slipway needs, under one git-ignored state folder.
# Locked down: PostgreSQL and Redis bound to loopback with generated passwords (kept in
# $STATE/services.env, mode 0600; PostgreSQL scram-sha-256, never trust), Redis with maxmemory
# and noeviction; each dockerd runs RUN steps on a bridge of its own that cannot reach the host
# (see setup_build_bridge).
# Source it, then: services_up PROFILE ; ... ; services_down
#   PROFILE farm: ports pg 15432, redis 16379, registry 5000 (token realm: the api, $PORT) (state .slipway/farm)
#   PROFILE test: ports pg 25432, redis 26379, registry 25000 (token realm 25002, served by the
#   tests' global setup) + 25001 (publish target, no auth) (state .slipway/test);
#   SLIPWAY_TEST_PORT_BASE=B moves them all to B+432, B+1379, B, B+1, B+2
# A service is skipped when the environment already points at one (DATABASE_URL, REDIS_URL,
# DOCKER_HOST, SLIPWAY_REGISTRY). A service already running from an earlier run of the same
# profile is reused (and then left running by services_down). services_down stops only what
# this shell started, by the PIDs it recorded.
# shellcheck shell=bash

STARTED=()   # "name:pid" of what this shell started

profile_ports() {
  case "$1" in
    farm) PG_PORT=15432 REDIS_PORT=16379 REGISTRY_PORT=5000 REGISTRY2_PORT= REGISTRY_AUTH_PORT=${PORT:-8080} ;;
    # SLIPWAY_TEST_PORT_BASE moves the whole test profile (two checkouts testing side by side).
    test)
      local b=${SLIPWAY_TEST_PORT_BASE:-25000}
      [[ "$b" =~ ^[1-9][0-9]{3,4}$ ]] && [ "$b" -le 60000 ] || die "SLIPWAY_TEST_PORT_BASE=$b is not a port between 1000 and 60000"
      PG_PORT=$((b + 432)) REDIS_PORT=$((b + 1379)) REGISTRY_PORT=$b REGISTRY2_PORT=$((b + 1)) REGISTRY_AUTH_PORT=$((b + 2)) ;;
    *) die "unknown profile $1 (farm or test)" ;;
  esac
}

# A short per-checkout, per-profile folder under /run for unix sockets: socket paths are
# limited to 108 bytes, and a deep checkout path would overflow them.
runtime_dir() { echo "/run/slipway-$(printf '%s' "$ROOT_DIR:$1" | sha256sum | cut -c1-10)"; }

check_port_free() { # PORT WHAT ENVVAR
  if port_in_use "$1"; then
    die "port $1 is taken by another process, so $2 cannot start there. Free the port, or set $3 to use a $2 you already run."
  fi
}

# Written on every start (also over a data folder an older version initialised with trust):
# the postgres superuser only through the socket as the postgres OS user; everyone else by
# password (scram-sha-256) over loopback TCP.
write_pg_hba() { # DATA_DIR
  cat >"$1/pg_hba.conf" <<'HBA'
# Written by infra/services.sh on every start; edits here are replaced.
local   all   postgres                  peer
host    all   all        127.0.0.1/32   scram-sha-256
host    all   all        ::1/128        scram-sha-256
HBA
  chown postgres:postgres "$1/pg_hba.conf"; chmod 600 "$1/pg_hba.conf"
}

start_postgres() {
  local dir="$STATE/pg" pgbin=/usr/lib/postgresql/15/bin pid
  if [ -n "${DATABASE_URL:-}" ]; then say "PostgreSQL: using DATABASE_URL from the environment"; return 0; fi
  export DATABASE_URL="postgresql://slipway:$PG_PASSWORD@127.0.0.1:$PG_PORT/slipway"
  [ "$(id -u)" = 0 ] || die "starting PostgreSQL as the postgres user needs root (you are $(id -un)); run as root, or set DATABASE_URL to a PostgreSQL you already run"
  id postgres >/dev/null 2>&1 || die "no postgres user: the postgresql package is not installed (run infra/install.sh as root)"
  pid=$(head -1 "$dir/data/postmaster.pid" 2>/dev/null || true)
  if pid_alive "$pid"; then
    say "PostgreSQL: already running (pid $pid, port $PG_PORT)"
    write_pg_hba "$dir/data"
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" reload >/dev/null || die "could not reload PostgreSQL's pg_hba.conf"
  else
    check_port_free "$PG_PORT" PostgreSQL DATABASE_URL
    mkdir -p "$dir"; chown postgres:postgres "$dir"; chmod 700 "$dir"
    # postgres must be able to reach its folder: make the parents traversable.
    local p="$dir"; while [ "$p" != / ]; do p=$(dirname "$p"); chmod o+x "$p" 2>/dev/null || true; done
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      say "PostgreSQL: initdb in $dir/data"
      runuser -u postgres -- "$pgbin/initdb" -D "$dir/data" --auth-local=peer --auth-host=scram-sha-256 -U postgres -E UTF8 >"$dir/initdb.log" 2>&1 \
        || die "PostgreSQL initdb failed, see $dir/initdb.log"
    fi
    write_pg_hba "$dir/data"
    say "PostgreSQL: starting on 127.0.0.1:$PG_PORT"
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1 -c password_encryption=scram-sha-256 -c fsync=${PG_FSYNC:-on} -c max_connections=200" start >/dev/null \
      || die "PostgreSQL did not start, see $dir/postgres.log"
    pid=$(head -1 "$dir/data/postmaster.pid")
    STARTED+=("postgres:$pid")
  fi
  # Tests drop their databases WITH (FORCE), which must end every session in them; an autovacuum
  # worker that went into a fresh database is no session of slipway's ("must be a member of the
  # role whose process is being terminated", seen under load). The test profile's role may end
  # it; the farm's may not.
  local grant=""
  [ "$PROFILE" = test ] && grant="GRANT pg_signal_backend TO slipway;"
  # The password goes through psql's standard input, never an argument list.
  runuser -u postgres -- psql -h "$dir" -p "$PG_PORT" -U postgres -qtA -v ON_ERROR_STOP=1 >/dev/null <<SQL || die "could not set up the PostgreSQL role slipway"
DO \$\$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname='slipway') THEN CREATE ROLE slipway LOGIN CREATEDB; END IF; END\$\$;
ALTER ROLE slipway WITH LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
$grant
SQL
  if [ "$(runuser -u postgres -- psql -h "$dir" -p "$PG_PORT" -U postgres -qtAc "SELECT 1 FROM pg_database WHERE datname='slipway'")" != 1 ]; then
    runuser -u postgres -- createdb -h "$dir" -p "$PG_PORT" -U postgres -O slipway slipway || die "could not create database slipway"
  fi
}

redis_ping() { REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

start_redis() {
  local dir="$STATE/redis" pid
  if [ -n "${REDIS_URL:-}" ]; then say "Redis: using REDIS_URL from the environment"; return 0; fi
  export REDIS_URL="redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT"
  pid=$(read_pid "$dir/redis.pid")
  if pid_alive "$pid"; then
    say "Redis: already running (pid $pid, port $REDIS_PORT)"
    redis_ping || die "the Redis on port $REDIS_PORT (pid $pid, left by an earlier run) does not accept this profile's password; stop it and run again"
    return 0
  fi
  check_port_free "$REDIS_PORT" Redis REDIS_URL
  mkdir -p "$dir"
  # The farm keeps queue state across restarts (AOF, as BullMQ recommends); tests need none.
  local persist='save ""
appendonly no'
  [ "$PROFILE" = farm ] && persist='save ""
appendonly yes
appendfsync everysec'
  # A config file (mode 0600) rather than arguments: the password must not be in `ps`.
  # noeviction: BullMQ's keys must never be evicted; past maxmemory, writes fail loudly.
  (umask 077; cat >"$dir/redis.conf" <<CONF
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
dir $dir
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
$persist
requirepass $REDIS_PASSWORD
maxmemory ${SLIPWAY_REDIS_MAXMEMORY:-1gb}
maxmemory-policy noeviction
CONF
  )
  say "Redis: starting on 127.0.0.1:$REDIS_PORT (maxmemory ${SLIPWAY_REDIS_MAXMEMORY:-1gb}, noeviction)"
  redis-server "$dir/redis.conf" >/dev/null || die "Redis did not start, see $dir/redis.log"
  wait_for redis 10 redis_ping || die "Redis did not answer, see $dir/redis.log"
  STARTED+=("redis:$(read_pid "$dir/redis.pid")")
}

# Generated passwords of the services this profile starts, made once, kept mode 0600.
load_service_secrets() {
  local f="$STATE/services.env"
  if [ ! -f "$f" ]; then
    (umask 077; { echo "PG_PASSWORD=$(rand_hex 24)"; echo "REDIS_PASSWORD=$(rand_hex 24)"; } >"$f")
  fi
  grep -q '^REGISTRY_SECRET=' "$f" || echo "REGISTRY_SECRET=$(rand_hex 32)" >>"$f"
  chmod 600 "$f"
  # shellcheck disable=SC1090
  source "$f"
}

# setup_build_bridge TAG -> the bridge one dockerd puts RUN steps on (sets BRIDGE): a network
# of its own, NATed to the outside, with one rule that drops everything it sends to the host
# itself — every address of the machine, every port (PostgreSQL, Redis, registries, the api).
# Docker's own FORWARD rules still let traffic out to the world (package mirrors).
BRIDGES=()   # bridges of the daemons this shell started, removed by services_down
setup_build_bridge() {
  local h br n
  h=$(printf '%s' "$ROOT_DIR:$PROFILE:$1" | sha256sum)
  br="slw${h:0:8}"   # interface names are limited to 15 characters
  if ! ip link show "$br" >/dev/null 2>&1; then
    n=$(( 16#${h:8:4} % 200 + 20 ))
    while ip -4 route show | grep -q "^172\.31\.$n\.0/24"; do n=$(( n % 250 + 1 )); done
    { ip link add "$br" type bridge && ip addr add "172.31.$n.1/24" dev "$br" && ip link set "$br" up; } \
      || die "could not create the build bridge $br (needs root and iproute2)"
  fi
  BRIDGES+=("$br")
  iptables -C INPUT -i "$br" -j DROP 2>/dev/null || iptables -I INPUT -i "$br" -j DROP \
    || die "could not add the firewall rule that keeps builds off the host (iptables -I INPUT -i $br -j DROP)"
  BRIDGE=$br
}

# After the daemon made its chains: no link-local (cloud metadata) and no other build bridge.
restrict_build_bridge() { # BRIDGE
  local rule
  for rule in "-d 169.254.0.0/16" "-d 172.31.0.0/16"; do
    # shellcheck disable=SC2086
    iptables -C DOCKER-USER -i "$1" $rule -j DROP 2>/dev/null || iptables -I DOCKER-USER -i "$1" $rule -j DROP || true
  done
}

# Removes a bridge (its daemon stopped) and every firewall rule that names it or its subnet.
remove_build_bridge() { # BRIDGE
  local br=$1 net t line
  net=$(ip -4 -o addr show dev "$br" 2>/dev/null | awk '{print $4}' | sed 's#\.1/24#.0/24#')
  for t in filter nat; do
    iptables -t "$t" -S 2>/dev/null | grep -E -- "(-i|-o) $br( |$)${net:+|$net}" | sed 's/^-A /-D /' | while read -r line; do
      eval "iptables -t $t $line" 2>/dev/null || true
    done
  done
  ip link del "$br" 2>/dev/null || true
}

# launch_dockerd NAME SUBDIR -> starts (or reuses) one Docker daemon, sets LAUNCHED_HOST.
launch_dockerd() {
  local name=$1 dir="$STATE/$2" run pid host
  [ "$(id -u)" = 0 ] || die "starting dockerd needs root (you are $(id -un)); run as root, or set DOCKER_HOST to a Docker daemon you already run"
  run="$(runtime_dir "$PROFILE")$3"
  host="unix://$run/docker.sock"
  LAUNCHED_HOST=$host
  pid=$(read_pid "$run/docker.pid")
  if pid_alive "$pid" && docker -H "$host" info >/dev/null 2>&1; then say "Docker $name: already running (pid $pid)"; return 0; fi
  mkdir -p "$dir/data" "$run"
  setup_build_bridge "$name"
  # The socket's group (the farm's slipway user, whose workers talk to the daemon).
  local group_json=""
  [ -n "${SLIPWAY_DOCKER_GROUP:-}" ] && group_json=",
  \"group\": \"$SLIPWAY_DOCKER_GROUP\""
  # BuildKit's cache (layers, RUN --mount=type=cache) grows with every build; its garbage
  # collector keeps it under SLIPWAY_BUILDKIT_KEEP_STORAGE, least recently used first.
  local keep=${SLIPWAY_BUILDKIT_KEEP_STORAGE:-20GB}
  [[ "$keep" =~ ^[0-9]+(\.[0-9]+)?([KMGTkmgt]i?[Bb]?|[Bb])?$ ]] || die "SLIPWAY_BUILDKIT_KEEP_STORAGE=$keep is not a size such as 20GB or 500MB"
  # containerd-snapshotter: registry cache export needs the containerd image store.
  # A named bridge of our own (not docker0, which a restart can leave broken), firewalled off
  # the host by setup_build_bridge; builds run RUN steps on it (--network default).
  # icc false: RUN steps of two builds on this daemon cannot reach each other.
  cat >"$dir/daemon.json" <<JSON
{
  "features": { "containerd-snapshotter": true },
  "builder": { "gc": { "enabled": true, "defaultKeepStorage": "$keep" } },
  "data-root": "$dir/data",
  "exec-root": "$run/exec",
  "pidfile": "$run/docker.pid",
  "hosts": ["$host"],
  "bridge": "$BRIDGE",
  "icc": false,
  "iptables": true,
  "ip-masq": true,
  "ip6tables": false,
  "ipv6": false$group_json
}
JSON
  say "Docker $name: starting dockerd ($host)"
  # BuildKit clips step logs at 2 MiB and throttles them to 200 KiB/s by default; a farm
  # keeps every line (builds printing 100k lines must survive), so lift both limits.
  BUILDKIT_STEP_LOG_MAX_SIZE=-1 BUILDKIT_STEP_LOG_MAX_SPEED=-1 \
    setsid dockerd --config-file "$dir/daemon.json" >"$dir/dockerd.log" 2>&1 </dev/null &
  local dpid=$!
  wait_for docker 60 docker -H "$host" info || die "dockerd $name did not answer within 60 s, see $dir/dockerd.log"
  STARTED+=("dockerd-$name:$dpid")
  restrict_build_bridge "$BRIDGE"
}

start_dockerd() {
  if [ -n "${DOCKER_HOST:-}" ]; then say "Docker: using DOCKER_HOST from the environment"; return 0; fi
  launch_dockerd A docker ""
  export DOCKER_HOST=$LAUNCHED_HOST
}

# The internal registry's token auth: a signing key and its self-signed certificate (made once,
# key mode 0600). The registry trusts the certificate; the api's /registry/token signs with the
# key (SLIPWAY_REGISTRY_TOKEN_KEY/CERT) for credentials made with SLIPWAY_REGISTRY_SECRET.
registry_token_key() {
  local dir="$STATE/registry-auth"
  mkdir -p "$dir"; chmod 700 "$dir"
  if [ ! -f "$dir/token.key" ] || [ ! -f "$dir/token.crt" ]; then
    (umask 077; openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/token.key" -out "$dir/token.crt" -days 3650 -subj "/CN=slipway-registry-token" >/dev/null 2>&1) \
      || die "openssl could not make the registry token key in $dir"
  fi
  chmod 644 "$dir/token.crt"   # public: the registry (and the api) read it
  export SLIPWAY_REGISTRY_TOKEN_KEY="$dir/token.key" SLIPWAY_REGISTRY_TOKEN_CERT="$dir/token.crt" SLIPWAY_REGISTRY_SECRET="$REGISTRY_SECRET"
}

start_registry() { # NAME PORT STATE_SUBDIR [TOKEN_REALM]
  local name=$1 port=$2 dir="$STATE/$3" realm=${4:-} pid auth=""
  mkdir -p "$dir/data"
  pid=$(read_pid "$dir/registry.pid")
  if pid_alive "$pid"; then say "registry $name: already running (pid $pid, port $port)"; return 0; fi
  check_port_free "$port" "the $name registry" SLIPWAY_REGISTRY
  if [ -n "$realm" ]; then
    auth="auth:
  token:
    realm: $realm
    service: slipway-registry
    issuer: slipway
    rootcertbundle: $SLIPWAY_REGISTRY_TOKEN_CERT"
  fi
  cat >"$dir/config.yml" <<YAML
version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: $dir/data }
  delete: { enabled: true }
http:
  addr: 127.0.0.1:$port
$auth
YAML
  say "registry $name: starting on 127.0.0.1:$port${realm:+ (token auth, realm $realm)}"
  setsid docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
  echo $! >"$dir/registry.pid"
  wait_for registry 20 port_in_use "$port" || die "registry $name did not answer, see $dir/registry.log"
  STARTED+=("registry-$name:$(read_pid "$dir/registry.pid")")
}

services_up() { # PROFILE
  PROFILE=$1
  profile_ports "$PROFILE"
  STATE="$ROOT_DIR/.slipway/$PROFILE"
  mkdir -p "$STATE"; chmod 711 "$STATE"
  load_service_secrets
  start_postgres
  start_redis
  start_dockerd
  if [ -n "${SLIPWAY_REGISTRY:-}" ]; then
    say "registry: using SLIPWAY_REGISTRY=$SLIPWAY_REGISTRY from the environment"
  else
    # The token realm is the api's /registry/token (farm), or the token server the tests'
    # global setup runs on a port of the test profile's own.
    registry_token_key
    start_registry internal "$REGISTRY_PORT" registry "http://127.0.0.1:$REGISTRY_AUTH_PORT/registry/token"
    export SLIPWAY_REGISTRY="127.0.0.1:$REGISTRY_PORT"
    if [ "$PROFILE" = test ]; then export SLIPWAY_TEST_REGISTRY_AUTH_PORT=$REGISTRY_AUTH_PORT; fi
  fi
  # Tests get a second, independent daemon: a second build host with a cold local cache.
  if [ "$PROFILE" = test ] && [ -z "${SLIPWAY_TEST_DOCKER_HOST_B:-}" ]; then
    launch_dockerd B docker-b "-b"
    export SLIPWAY_TEST_DOCKER_HOST_B=$LAUNCHED_HOST
  fi
  if [ -n "$REGISTRY2_PORT" ]; then
    start_registry publish "$REGISTRY2_PORT" registry-publish
    export SLIPWAY_TEST_PUBLISH_REGISTRY="127.0.0.1:$REGISTRY2_PORT"
  fi
}

# Stops, newest first, only what this shell started.
services_down() {
  local i entry name pid
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    entry=${STARTED[$i]}; name=${entry%%:*}; pid=${entry#*:}
    pid_alive "$pid" || continue
    say "stopping $name (pid $pid)"
    if [ "$name" = postgres ]; then
      runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$STATE/pg/data" -m fast -w stop >/dev/null 2>&1 || kill "$pid"
    else
      kill "$pid" 2>/dev/null || true
      wait_for "$name exit" 30 bash -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null || true
    fi
  done
  STARTED=()
  local br
  for br in "${BRIDGES[@]}"; do remove_build_bridge "$br"; done
  BRIDGES=()
}

# The test profile as tests and benchmarks use it: services stopped when the shell exits,
# no fsync (durability is not under test), SLIPWAY_TEST_ADMIN_DATABASE_URL for per-test databases.
test_services_up() {
  trap services_down EXIT
  trap 'exit 130' INT TERM
  PG_FSYNC=off services_up test
  export SLIPWAY_TEST_ADMIN_DATABASE_URL="$DATABASE_URL"
}
