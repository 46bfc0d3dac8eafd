# shellcheck shell=bash
# deploy/local/lib.sh — shared code for deploy/local/{up,down,env,status}.
#
# Not executable on its own: the scripts `source` it. It defines versions,
# ports and paths of the local, Docker-free test infrastructure
# (Kafka 3.9 KRaft, PostgreSQL from Debian, FerretDB with SQLite backend),
# plus install/start/stop/readiness functions for each service.
#
# Layout:
#   deploy/local/.state/            runtime state (git-ignored): data, logs, pid files, urls.env
#   ${IDP_INFRA_CACHE:-$HOME/.cache/idp-infra}/
#                                   install caches (Kafka jars, FerretDB binary)
#
# Environment knobs:
#   IDP_INFRA_CACHE    cache directory (default $HOME/.cache/idp-infra)
#   IDP_INFRA_TIMEOUT  seconds to wait for each service to answer (default 120)

# ---------------------------------------------------------------------------
# Versions, ports, paths
# ---------------------------------------------------------------------------
LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE_DIR="$LOCAL_DIR/.state"
CACHE_DIR="${IDP_INFRA_CACHE:-${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}/.cache/idp-infra}"
URLS_FILE="$STATE_DIR/urls.env"
START_TIMEOUT="${IDP_INFRA_TIMEOUT:-120}"

HOST=127.0.0.1

# Keep in sync with <kafka.version> in deploy/local/kafka/pom.xml.
KAFKA_VERSION=3.9.2
KAFKA_PORT=59092
KAFKA_CONTROLLER_PORT=59093
KAFKA_HEAP="${IDP_KAFKA_HEAP:-1g}"

PG_PORT=55432
PG_DB=idp
PG_USER=postgres

# v1.24.2 is the newest v1.x on the Go module proxy (v1.24.0 is not published there).
FERRETDB_VERSION=v1.24.2
FERRETDB_PORT=57017
FERRETDB_DEBUG_PORT=57018

ALL_SERVICES=(postgres kafka mongo)

KAFKA_STATE="$STATE_DIR/kafka"
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_PID="$KAFKA_STATE/kafka.pid"
KAFKA_LOG="$KAFKA_STATE/logs/server.log"
KAFKA_OUT="$KAFKA_STATE/kafka.out"

PG_STATE="$STATE_DIR/postgres"

FERRET_STATE="$STATE_DIR/ferretdb"
FERRET_HOME="$CACHE_DIR/ferretdb-$FERRETDB_VERSION"
FERRET_BIN="$FERRET_HOME/bin/ferretdb"
FERRET_PID="$FERRET_STATE/ferretdb.pid"
FERRET_LOG="$FERRET_STATE/ferretdb.log"

# ---------------------------------------------------------------------------
# Generic helpers
# ---------------------------------------------------------------------------
log() { printf '[local-infra] %s\n' "$*" >&2; }
die() { printf '[local-infra] ERROR: %s\n' "$*" >&2; exit 1; }

# die_with_log SERVICE LOGFILE MESSAGE: fail, naming the service and its log, with the log's tail.
die_with_log() {
  local svc=$1 logfile=$2 msg=$3
  printf '[local-infra] ERROR: %s: %s\n' "$svc" "$msg" >&2
  printf '[local-infra] %s log file: %s\n' "$svc" "$logfile" >&2
  if [[ -f $logfile ]]; then
    printf '[local-infra] ---- last 25 lines of %s ----\n' "$logfile" >&2
    tail -n 25 "$logfile" >&2 || true
    printf '[local-infra] ----\n' >&2
  fi
  exit 1
}

# Normalise a service name; prints the canonical name or fails.
canonical_service() {
  case "$1" in
    kafka) echo kafka ;;
    postgres | postgresql | pg) echo postgres ;;
    mongo | mongodb | ferretdb | ferret) echo mongo ;;
    *) die "unknown service '$1' (expected: kafka, postgres, mongo, all)" ;;
  esac
}

# Expand the command-line arguments into a list of canonical service names (SERVICES array).
parse_services() {
  SERVICES=()
  local arg
  if [[ $# -eq 0 ]]; then
    SERVICES=("${ALL_SERVICES[@]}")
    return
  fi
  for arg in "$@"; do
    if [[ $arg == all ]]; then
      SERVICES=("${ALL_SERVICES[@]}")
      return
    fi
    SERVICES+=("$(canonical_service "$arg")")
  done
}

run_as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run: $* (not root and no sudo)"
  fi
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install manually: $*"
  log "apt-get install $* (this may take a minute)"
  if [[ $APT_UPDATED -eq 0 ]]; then
    run_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    APT_UPDATED=1
  fi
  run_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# Serialise concurrent up/down runs (e.g. parallel test jobs). Lock on fd 9, which every
# daemon we start must not inherit (else it would hold the lock for its whole life).
take_lock() {
  mkdir -p "$STATE_DIR"
  # Belt and braces: keep everything generated here out of git even without a top-level entry.
  [[ -f $STATE_DIR/.gitignore ]] || echo '*' >"$STATE_DIR/.gitignore"
  exec 9>"$STATE_DIR/.lock"
  if ! flock -w 600 9; then
    die "could not lock $STATE_DIR/.lock (another up/down still running?)"
  fi
}

# port_open PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# pid_alive PIDFILE PATTERN: true if the pid in PIDFILE runs and its command line contains PATTERN
# (guards against a stale pid file whose pid was reused by another program).
pid_alive() {
  local pidfile=$1 pattern=$2 pid
  [[ -f $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$pattern"
}

# start_detached PIDFILE LOGFILE CMD...: start CMD in its own session, stdout/stderr to LOGFILE,
# and record its pid (bash writes $$ then execs, so the pid is CMD's own).
start_detached() {
  local pidfile=$1 logfile=$2
  shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016  # $$ and $@ are expanded by the inner bash
  # 9>&- : do not let the daemon inherit the up/down lock (see take_lock).
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
  local i
  for i in $(seq 1 50); do
    [[ -s $pidfile ]] && return 0
    sleep 0.1
  done
  die "could not start $1 (no pid file $pidfile)"
}

# stop_pid SERVICE PIDFILE PATTERN [GRACE_SECONDS]: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local svc=$1 pidfile=$2 pattern=$3 grace=${4:-60} pid i
  if ! pid_alive "$pidfile" "$pattern"; then
    rm -f "$pidfile"
    log "$svc: not running"
    return 0
  fi
  pid=$(<"$pidfile")
  log "$svc: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$svc: still running after ${grace}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  rm -f "$pidfile"
  log "$svc: stopped"
}

# wait_ready SERVICE PIDFILE PATTERN LOGFILE CHECK...: poll CHECK until it succeeds, failing fast
# if the process dies and after START_TIMEOUT seconds.
wait_ready() {
  local svc=$1 pidfile=$2 pattern=$3 logfile=$4
  shift 4
  local deadline=$((SECONDS + START_TIMEOUT))
  until "$@"; do
    if ! pid_alive "$pidfile" "$pattern"; then
      die_with_log "$svc" "$logfile" "process exited during startup"
    fi
    if ((SECONDS >= deadline)); then
      die_with_log "$svc" "$logfile" "did not answer within ${START_TIMEOUT}s (process still running; set IDP_INFRA_TIMEOUT to wait longer)"
    fi
    sleep 0.5
  done
}

# listener_cmdline PORT: command line of the process listening on 127.0.0.1:PORT (needs ss and
# enough rights to see that process; prints nothing otherwise).
listener_cmdline() {
  local pid
  command -v ss >/dev/null 2>&1 || return 0
  pid=$(ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9][0-9]*\).*/\1/p' | head -n 1)
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline"
}

# foreign_instance SERVICE PORT: true if PORT is held by this same service as started by
# deploy/local/up of ANOTHER checkout (e.g. a CI clone while the developer's instance runs).
# Prints that instance's state directory. Such an instance is reused (after a readiness check),
# never stopped.
foreign_instance() {
  local svc=$1 cmd
  cmd=$(listener_cmdline "$2")
  case "$svc:$cmd" in
    kafka:*kafka.Kafka*/deploy/local/.state/kafka/server.properties* | \
      postgres:*postgres*-D*/deploy/local/.state/postgres/* | \
      postgres:*postgres*-D*/var/tmp/idp-infra-pg-* | \
      mongo:*--state-dir=*/deploy/local/.state/ferretdb*)
      grep -oE '[^ =:]*(/deploy/local/\.state|/var/tmp/idp-infra-pg-[0-9a-f]+)' <<<"$cmd" | head -n 1
      return 0
      ;;
  esac
  return 1
}

# ensure_port_free SERVICE PORT...: fail if another program already listens on one of the ports.
ensure_port_free() {
  local svc=$1 port
  shift
  for port in "$@"; do
    if port_open "$port"; then
      die "$svc: port $HOST:$port is already in use by another process (not started by this checkout's deploy/local/up); see: ss -ltnp 'sport = :$port'"
    fi
  done
}

# adopt_foreign SERVICE PORT READY_FN: if PORT belongs to another checkout's instance of SERVICE
# and READY_FN succeeds, reuse it (return 0); return 1 if the port is not held by such an instance.
adopt_foreign() {
  local svc=$1 port=$2 ready=$3 other
  port_open "$port" || return 1
  other=$(foreign_instance "$svc" "$port") || return 1
  "$ready" || die "$svc: $HOST:$port is held by another checkout's instance ($other) that does not answer"
  log "$svc: reusing the instance started by another checkout ($other); this checkout's down leaves it running"
  return 0
}

# ---------------------------------------------------------------------------
# urls.env
# ---------------------------------------------------------------------------
service_url_lines() {
  case "$1" in
    kafka) echo "KAFKA_BROKERS=$HOST:$KAFKA_PORT" ;;
    postgres) echo "POSTGRES_URL=postgres://$PG_USER@$HOST:$PG_PORT/$PG_DB" ;;
    mongo) echo "MONGO_URL=mongodb://$HOST:$FERRETDB_PORT/" ;;
  esac
}

service_url_keys() {
  service_url_lines "$1" | cut -d= -f1
}

# urls_set SERVICE / urls_unset SERVICE: add or remove a service's lines in urls.env.
urls_unset() {
  local key tmp
  [[ -f $URLS_FILE ]] || return 0
  tmp="$URLS_FILE.tmp"
  cp "$URLS_FILE" "$tmp"
  for key in $(service_url_keys "$1"); do
    grep -v "^$key=" "$tmp" >"$tmp.2" || true
    mv "$tmp.2" "$tmp"
  done
  if [[ -s $tmp ]]; then
    mv "$tmp" "$URLS_FILE"
  else
    rm -f "$tmp" "$URLS_FILE"
  fi
}

urls_set() {
  mkdir -p "$STATE_DIR"
  urls_unset "$1"
  service_url_lines "$1" >>"$URLS_FILE"
  sort -o "$URLS_FILE" "$URLS_FILE"
}

# ---------------------------------------------------------------------------
# Kafka (KRaft, single node, broker+controller)
# ---------------------------------------------------------------------------
java_bin() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java
  fi
}

kafka_install() {
  local pom="$LOCAL_DIR/kafka/pom.xml" marker="$KAFKA_HOME/.installed" want
  if ! command -v java >/dev/null 2>&1 && [[ -z ${JAVA_HOME:-} ]]; then
    apt_install openjdk-17-jre-headless
  fi
  want="$KAFKA_VERSION $(sha256sum "$pom" | cut -d' ' -f1)"
  if [[ -f $marker && $(<"$marker") == "$want" ]]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || apt_install maven
  log "kafka: fetching Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_HOME/libs"
  local t0=$SECONDS tmp="$KAFKA_HOME/libs.tmp.$$"
  mkdir -p "$KAFKA_HOME"
  rm -rf "$tmp"
  # (sed strips the stray ANSI resets Maven 3.8 prints even in quiet batch mode)
  mvn -q -B -Dstyle.color=never -f "$pom" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DoutputDirectory="$tmp" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2 ||
    die "kafka: 'mvn dependency:copy-dependencies' failed (Maven Central reachable? see output above)"
  [[ -f $tmp/kafka_2.13-$KAFKA_VERSION.jar ]] || die "kafka: kafka_2.13-$KAFKA_VERSION.jar missing after mvn"
  rm -rf "$KAFKA_HOME/libs"
  mv "$tmp" "$KAFKA_HOME/libs"
  echo "$want" >"$marker"
  log "kafka: jars installed in $((SECONDS - t0))s"
}

kafka_write_config() {
  mkdir -p "$KAFKA_STATE/data" "$KAFKA_STATE/logs"
  cat >"$KAFKA_STATE/server.properties" <<EOF
# Generated by deploy/local/up — local single-node KRaft test broker. Do not edit: regenerated on start.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_STATE/data

num.partitions=3
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0

num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
log.segment.bytes=104857600
EOF
  cat >"$KAFKA_STATE/tools.properties" <<EOF
request.timeout.ms=10000
default.api.timeout.ms=20000
EOF
}

# kafka_java CLASS ARGS...: run a Kafka CLI class (small heap, fast start, warnings to stderr).
kafka_java() {
  "$(java_bin)" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$LOCAL_DIR/kafka/tools-log4j.properties" \
    -cp "$KAFKA_HOME/libs/*" "$@"
}

# The broker is recognised by its config path (unique to this checkout's .state).
KAFKA_MATCH="kafka.Kafka $KAFKA_STATE/server.properties"
kafka_running() { pid_alive "$KAFKA_PID" "$KAFKA_MATCH"; }

kafka_ready() {
  port_open "$KAFKA_PORT" || return 1
  timeout 40 "$(java_bin)" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j.configuration="file:$LOCAL_DIR/kafka/tools-log4j.properties" \
    -cp "$KAFKA_HOME/libs/*" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$HOST:$KAFKA_PORT" --command-config "$KAFKA_STATE/tools.properties" \
    --list >/dev/null 2>>"$KAFKA_STATE/readiness.log"
}

kafka_up() {
  kafka_install
  if kafka_running; then
    if kafka_ready; then
      log "kafka: already running (pid $(<"$KAFKA_PID"))"
      return 0
    fi
    wait_ready kafka "$KAFKA_PID" "$KAFKA_MATCH" "$KAFKA_LOG" kafka_ready
    return 0
  fi
  kafka_write_config
  adopt_foreign kafka "$KAFKA_PORT" kafka_ready && return 0
  ensure_port_free kafka "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"
  local t0=$SECONDS
  if [[ ! -f $KAFKA_STATE/data/meta.properties ]]; then
    local cluster_id
    # A Kafka cluster id is a base64url-encoded (unpadded) 16-byte UUID.
    cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    log "kafka: formatting KRaft storage (cluster id $cluster_id)"
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$KAFKA_STATE/server.properties" --ignore-formatted >>"$KAFKA_OUT" 2>&1 ||
      die_with_log kafka "$KAFKA_OUT" "storage format failed"
  fi
  log "kafka: starting broker on $HOST:$KAFKA_PORT (controller $HOST:$KAFKA_CONTROLLER_PORT, heap $KAFKA_HEAP)"
  : >"$KAFKA_STATE/readiness.log"
  start_detached "$KAFKA_PID" "$KAFKA_OUT" \
    "$(java_bin)" -Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$LOCAL_DIR/kafka/log4j.properties" \
    -Dkafka.logs.dir="$KAFKA_STATE/logs" \
    -cp "$KAFKA_HOME/libs/*" kafka.Kafka "$KAFKA_STATE/server.properties"
  wait_ready kafka "$KAFKA_PID" "$KAFKA_MATCH" "$KAFKA_LOG" kafka_ready
  log "kafka: ready in $((SECONDS - t0))s (log: $KAFKA_LOG)"
}

kafka_down() { stop_pid kafka "$KAFKA_PID" "$KAFKA_MATCH" 60; }

kafka_purge() { rm -rf "$KAFKA_STATE"; }

# ---------------------------------------------------------------------------
# PostgreSQL (Debian packages, own cluster driven by pg_ctl; never the system cluster)
# ---------------------------------------------------------------------------
pg_bindir() {
  local initdb
  initdb=$(find /usr/lib/postgresql -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)
  [[ -n $initdb ]] && dirname "$initdb"
}

# Run a command as the postgres OS user (postgres refuses to run as root).
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_install() {
  if [[ -z $(pg_bindir) ]]; then
    # Note: Debian's package also creates (and may start) its own "main" cluster on port 5432;
    # this setup never uses or touches it.
    apt_install postgresql
    [[ -n $(pg_bindir) ]] || die "postgres: initdb not found under /usr/lib/postgresql/*/bin after apt-get install"
  fi
  if [[ $EUID -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
    log "postgres: creating system user 'postgres'"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
}

# The data directory must be reachable by the postgres user. It lives in .state unless the
# checkout sits under a directory postgres cannot traverse (e.g. /root/...), in which case it
# goes to /var/tmp/idp-infra-pg-<hash of .state path>/ and .state/postgres/data-location says where.
pg_datadir() {
  local loc="$PG_STATE/data-location"
  if [[ -f $loc ]]; then
    cat "$loc"
    return
  fi
  mkdir -p "$PG_STATE"
  local dir="$PG_STATE/data"
  if [[ $EUID -eq 0 ]] && ! runuser -u postgres -- test -x "$PG_STATE"; then
    dir="/var/tmp/idp-infra-pg-$(printf '%s' "$STATE_DIR" | sha256sum | cut -c1-12)/data"
    log "postgres: user 'postgres' cannot access $PG_STATE; using $dir"
  fi
  echo "$dir" >"$loc"
  echo "$dir"
}

# The server log sits next to the data directory (so the postgres user can write it).
pg_log() {
  local data
  data=$(pg_datadir)
  echo "${data%/*}/postgres.log"
}

pg_running() {
  local data
  data=$(pg_datadir)
  [[ -f $data/postmaster.pid ]] || return 1
  as_pg "$(pg_bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1
}

pg_psql() {
  "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PG_PORT" -U "$PG_USER" "$@"
}

pg_ready() {
  "$(pg_bindir)/pg_isready" -q -h "$HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres &&
    pg_psql -d postgres -tAc 'select 1' >/dev/null 2>&1
}

pg_ensure_db() {
  if [[ $(pg_psql -d postgres -tAc "select 1 from pg_database where datname = '$PG_DB'") != 1 ]]; then
    log "postgres: creating database $PG_DB"
    pg_psql -d postgres -c "create database \"$PG_DB\""
  fi
}

pg_up() {
  pg_install
  local bindir data t0=$SECONDS PG_LOG
  bindir=$(pg_bindir)
  data=$(pg_datadir)
  PG_LOG=$(pg_log)
  mkdir -p "$PG_STATE"
  if pg_running; then
    if ! pg_ready; then
      die_with_log postgres "$PG_LOG" "server process exists but does not answer on $HOST:$PG_PORT"
    fi
    pg_ensure_db
    log "postgres: already running (data $data)"
    return 0
  fi
  if adopt_foreign postgres "$PG_PORT" pg_ready; then
    pg_ensure_db
    return 0
  fi
  ensure_port_free postgres "$PG_PORT"
  if [[ $EUID -eq 0 ]]; then
    chown postgres: "$PG_STATE"
  fi
  if [[ ! -f $data/PG_VERSION ]]; then
    log "postgres: initdb in $data ($("$bindir/postgres" --version))"
    mkdir -p "$data"
    if [[ $EUID -eq 0 ]]; then
      chown postgres: "$data" "${data%/*}"
    fi
    chmod 700 "$data"
    as_pg "$bindir/initdb" -D "$data" -U "$PG_USER" --auth=trust --encoding=UTF8 --locale=C \
      >>"$PG_LOG" 2>&1 || die_with_log postgres "$PG_LOG" "initdb failed"
    echo "include_if_exists = 'idp-local.conf'" >>"$data/postgresql.conf"
  fi
  # Settings for a disposable test server; rewritten on every start.
  cat >"$data/idp-local.conf" <<EOF
# Generated by deploy/local/up — test-only settings, NOT crash safe (fsync/synchronous_commit off).
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = ''
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
EOF
  if [[ $EUID -eq 0 ]]; then
    chown postgres: "$data/idp-local.conf"
  fi
  touch "$PG_LOG"
  if [[ $EUID -eq 0 ]]; then
    chown postgres: "$PG_LOG"
  fi
  log "postgres: starting on $HOST:$PG_PORT"
  as_pg "$bindir/pg_ctl" -D "$data" -l "$PG_LOG" -w -t "$START_TIMEOUT" start >/dev/null 9>&- ||
    die_with_log postgres "$PG_LOG" "pg_ctl start failed or timed out after ${START_TIMEOUT}s"
  local deadline=$((SECONDS + START_TIMEOUT))
  until pg_ready; do
    ((SECONDS < deadline)) || die_with_log postgres "$PG_LOG" "did not answer on $HOST:$PG_PORT within ${START_TIMEOUT}s"
    sleep 0.5
  done
  pg_ensure_db
  log "postgres: ready in $((SECONDS - t0))s (log: $PG_LOG)"
}

pg_down() {
  local bindir data PG_LOG
  bindir=$(pg_bindir)
  if [[ -z $bindir || ! -f $PG_STATE/data-location && ! -d $PG_STATE/data ]]; then
    log "postgres: not running"
    return 0
  fi
  data=$(pg_datadir)
  PG_LOG=$(pg_log)
  if ! pg_running; then
    log "postgres: not running"
    return 0
  fi
  log "postgres: stopping"
  as_pg "$bindir/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null ||
    die_with_log postgres "$PG_LOG" "pg_ctl stop failed"
  log "postgres: stopped"
}

pg_purge() {
  if [[ -f $PG_STATE/data-location ]]; then
    local data
    data=$(<"$PG_STATE/data-location")
    case "$data" in
      /var/tmp/idp-infra-pg-*) rm -rf "${data%/*}" ;;
    esac
  fi
  rm -rf "$PG_STATE"
}

# ---------------------------------------------------------------------------
# FerretDB (MongoDB wire protocol) with the SQLite backend
# ---------------------------------------------------------------------------
# Why not plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@vX`: it compiles, but the
# binary panics at start ("Invalid build/version/version.txt file content"). FerretDB embeds
# build/version/version.txt, which its release tooling generates from `git describe` and which is
# not in the module zip; the check only runs when the main module is FerretDB itself, and -overlay
# cannot replace files in the module cache. So: fetch the module source through the Go module
# proxy (`go mod download`), copy it, write version.txt, and `go build ./cmd/ferretdb`.
ferret_install() {
  if [[ -x $FERRET_BIN ]] && "$FERRET_BIN" --version >/dev/null 2>&1; then
    return 0
  fi
  command -v go >/dev/null 2>&1 || die "mongo: 'go' not found; Go >= 1.24 is needed to build FerretDB $FERRETDB_VERSION"
  log "mongo: building FerretDB $FERRETDB_VERSION with $(go version | cut -d' ' -f3) (first time only, ~1-2 min)"
  local t0=$SECONDS modjson srcdir build="$FERRET_HOME/src.tmp.$$"
  modjson=$(cd / && GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION") ||
    die "mongo: 'go mod download github.com/FerretDB/FerretDB@$FERRETDB_VERSION' failed"
  srcdir=$(printf '%s\n' "$modjson" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [[ -n $srcdir && -d $srcdir ]] || die "mongo: could not locate FerretDB module source (go mod download output: $modjson)"
  mkdir -p "$FERRET_HOME/bin"
  rm -rf "$build"
  cp -r "$srcdir" "$build"
  chmod -R u+w "$build"
  echo "$FERRETDB_VERSION" >"$build/build/version/version.txt"
  (cd "$build" && go build -buildvcs=false -trimpath -o "$FERRET_BIN.tmp" ./cmd/ferretdb) ||
    die "mongo: 'go build ./cmd/ferretdb' failed (sources in $build)"
  mv "$FERRET_BIN.tmp" "$FERRET_BIN"
  rm -rf "$build"
  "$FERRET_BIN" --version >/dev/null || die "mongo: built $FERRET_BIN does not run"
  log "mongo: FerretDB built in $((SECONDS - t0))s"
}

# The instance is recognised by its --state-dir (not by the binary's path, which depends on the cache).
FERRET_MATCH="--state-dir=$FERRET_STATE"
ferret_running() { pid_alive "$FERRET_PID" "$FERRET_MATCH"; }

# MongoDB wire-protocol round trip without a driver: send OP_MSG {ping: 1, $db: "admin"} and
# expect {ok: 1.0} back. (`ferretdb ping` is no help: in v1.24 it only pings with
# --setup-database + --setup-username + --test-enable-new-auth.) Without python3, fall back to
# "port open + FerretDB logged that it listens".
# shellcheck disable=SC2016  # Python source, nothing to expand
FERRET_PING_PY='
import socket, struct, sys
host, port = sys.argv[1], int(sys.argv[2])
def el(t, name, val): return bytes([t]) + name.encode() + b"\0" + val
body = el(0x10, "ping", struct.pack("<i", 1)) + el(0x02, "$db", struct.pack("<i", 6) + b"admin\0")
doc = struct.pack("<i", len(body) + 5) + body + b"\0"
msg = struct.pack("<I", 0) + b"\0" + doc
s = socket.create_connection((host, port), timeout=5)
s.settimeout(5)
s.sendall(struct.pack("<iiii", 16 + len(msg), 1, 0, 2013) + msg)
buf = b""
while len(buf) < 4 or len(buf) < struct.unpack("<i", buf[:4])[0]:
    chunk = s.recv(65536)
    if not chunk: sys.exit("connection closed")
    buf += chunk
if struct.unpack("<i", buf[12:16])[0] != 2013: sys.exit("unexpected opcode")
if b"\x01ok\x00" + struct.pack("<d", 1.0) not in buf: sys.exit("ping not ok: %r" % buf)
'

ferret_ready() {
  port_open "$FERRETDB_PORT" || return 1
  if command -v python3 >/dev/null 2>&1; then
    timeout 15 python3 -c "$FERRET_PING_PY" "$HOST" "$FERRETDB_PORT" 2>>"$FERRET_STATE/readiness.log"
  else
    grep -q "Listening on TCP $HOST:$FERRETDB_PORT" "$FERRET_LOG"
  fi
}

ferret_up() {
  ferret_install
  mkdir -p "$FERRET_STATE/data"
  if ferret_running; then
    if ferret_ready; then
      log "mongo: already running (pid $(<"$FERRET_PID"))"
      return 0
    fi
    wait_ready mongo "$FERRET_PID" "$FERRET_MATCH" "$FERRET_LOG" ferret_ready
    return 0
  fi
  adopt_foreign mongo "$FERRETDB_PORT" ferret_ready && return 0
  ensure_port_free mongo "$FERRETDB_PORT" "$FERRETDB_DEBUG_PORT"
  local t0=$SECONDS
  : >"$FERRET_STATE/readiness.log"
  log "mongo: starting FerretDB $FERRETDB_VERSION (SQLite) on $HOST:$FERRETDB_PORT (debug HTTP $HOST:$FERRETDB_DEBUG_PORT)"
  DO_NOT_TRACK=1 start_detached "$FERRET_PID" "$FERRET_LOG" "$FERRET_BIN" \
    --handler=sqlite \
    "--sqlite-url=file:$FERRET_STATE/data/" \
    "--listen-addr=$HOST:$FERRETDB_PORT" \
    "--debug-addr=$HOST:$FERRETDB_DEBUG_PORT" \
    "$FERRET_MATCH" \
    --telemetry=disable \
    --log-level=info \
    --log-format=text
  wait_ready mongo "$FERRET_PID" "$FERRET_MATCH" "$FERRET_LOG" ferret_ready
  log "mongo: ready in $((SECONDS - t0))s (log: $FERRET_LOG)"
}

ferret_down() { stop_pid mongo "$FERRET_PID" "$FERRET_MATCH" 30; }

ferret_purge() { rm -rf "$FERRET_STATE"; }

# ---------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------
service_up() {
  case "$1" in
    kafka) kafka_up ;;
    postgres) pg_up ;;
    mongo) ferret_up ;;
  esac
}

service_down() {
  case "$1" in
    kafka) kafka_down ;;
    postgres) pg_down ;;
    mongo) ferret_down ;;
  esac
}

service_purge() {
  case "$1" in
    kafka) kafka_purge ;;
    postgres) pg_purge ;;
    mongo) ferret_purge ;;
  esac
}

service_running() {
  case "$1" in
    kafka) kafka_running ;;
    postgres) [[ -n $(pg_bindir) ]] && { [[ -f $PG_STATE/data-location ]] || [[ -d $PG_STATE/data ]]; } && pg_running ;;
    mongo) ferret_running ;;
  esac
}

service_log() {
  case "$1" in
    kafka) echo "$KAFKA_LOG" ;;
    postgres) if [[ -f $PG_STATE/data-location ]]; then pg_log; else echo "$PG_STATE/postgres.log"; fi ;;
    mongo) echo "$FERRET_LOG" ;;
  esac
}
