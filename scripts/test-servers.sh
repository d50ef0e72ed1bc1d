#!/usr/bin/env bash
# The real servers the tests run against: Redis, PostgreSQL, RabbitMQ and Kafka, each on free
# 127.0.0.1 ports, with all their data under one directory.
#
#   scripts/test-servers.sh start DIR   start them (in parallel) and write DIR/env, export lines
#                                       with the TANDEM_TEST_* variables
#   scripts/test-servers.sh stop DIR    stop them (TERM, then KILL after a grace period) and
#                                       remove DIR; safe to repeat
#
# Missing packages (redis-server, rabbitmq-server, postgresql) are installed with apt when run as
# root, without letting their install scripts start system services. Kafka runs from its jars
# on Maven Central (scripts/kafka/pom.xml), not from a tarball.
set -euo pipefail
set +m # no job control: background jobs stay in our process group, so setsid never forks

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MARKER=.tandem-test-servers # marks a directory this script made (and may delete)
GRACE=${TANDEM_TEST_SERVERS_GRACE:-15} # seconds between TERM and KILL when stopping
RABBITMQ_SERVER=/usr/lib/rabbitmq/bin/rabbitmq-server # the real script, not the su wrapper
POLICY_RC=/usr/sbin/policy-rc.d # consulted by packages' install scripts before starting services
KAFKA_VERSION_DIR=$ROOT/scripts/kafka

log() { echo "test-servers: $*" >&2; }
die() {
  log "$*"
  exit 1
}
now_ms() { date +%s%3N; }

usage() {
  echo "usage: $0 start DIR | stop DIR" >&2
  exit 2
}

# ---------------------------------------------------------------------------------------------
# helpers

# The newest PostgreSQL server binaries directory (initdb, pg_ctl, postgres), or nothing.
pg_bindir() {
  local d
  d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && echo "$d"
}

# Installs what is missing with apt (root only). A policy-rc.d that refuses every service start
# keeps the packages' install scripts from starting system instances; it is removed afterwards
# only if we created it.
ensure_packages() {
  local need=() made_policy='' rc=0
  command -v python3 >/dev/null 2>&1 || need+=(python3)
  command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  [ -x "$RABBITMQ_SERVER" ] && command -v epmd >/dev/null 2>&1 || need+=(rabbitmq-server)
  pg_bindir >/dev/null || need+=(postgresql)
  ((${#need[@]})) || return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing packages: ${need[*]}; install them (apt-get install ${need[*]}) or run as root"
  fi
  log "installing ${need[*]}"
  if [ ! -e "$POLICY_RC" ]; then
    printf '#!/bin/sh\n# test-servers.sh: no service starts while installing\nexit 101\n' >"$POLICY_RC"
    chmod 755 "$POLICY_RC"
    made_policy=1
  fi
  {
    apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  } || rc=$?
  [ -z "$made_policy" ] || rm -f "$POLICY_RC"
  [ "$rc" -eq 0 ] || die "apt-get install ${need[*]} failed"
  pg_bindir >/dev/null || die "postgresql installed, but no /usr/lib/postgresql/*/bin/initdb"
}

# free_ports N: N distinct free TCP ports on 127.0.0.1, chosen at random below the kernel's
# ephemeral range (ip_local_port_range), so that no outgoing connection of a busy machine takes
# one between now and the server's bind, as happens with ports from bind(0). All are below
# 55000, because RabbitMQ's CLI tools use its distribution port + 10000.
free_ports() {
  python3 - "$1" <<'EOF'
import random, socket, sys
n, held, ports = int(sys.argv[1]), [], []
try:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except OSError:
    low = 32768
candidates = list(range(10000, min(low, 55000)))
random.shuffle(candidates)
for port in candidates + [0] * 100:  # then, if need be, whatever bind(0) gives
    if len(ports) == n:
        break
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        continue
    held.append(s)  # hold every socket until the end so the ports are distinct
    if s.getsockname()[1] < 55000:
        ports.append(s.getsockname()[1])
if len(ports) < n:
    sys.exit("no free ports")
print(*ports)
EOF
}

# port_open PORT: something accepts connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# proc_start PID: the start time of process PID (clock ticks after boot), to tell it from a
# later process that reused its pid.
proc_start() {
  local stat fields
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  # the fields after "pid (comm) "; starttime is field 22, the 20th of these
  read -r -a fields <<<"${stat##*) }"
  echo "${fields[19]}"
}

# group_alive PGID: a process of process group PGID still runs (zombies do not count).
group_alive() {
  local f stat fields
  for f in /proc/[0-9]*/stat; do
    read -r stat 2>/dev/null <"$f" || continue
    read -r -a fields <<<"${stat##*) }" # state, parent, process group, ...
    [ "${fields[2]}" != "$1" ] || [ "${fields[0]}" = Z ] || return 0
  done
  return 1
}

# spawn NAME LOG CMD...: runs CMD in the background in its own session (a terminal's ^C or
# hang-up does not reach it), output appended to LOG; writes "pid starttime" to DIR/pids/NAME.
spawn() {
  local name=$1 logf=$2 pid
  shift 2
  setsid "$@" </dev/null >>"$logf" 2>&1 &
  pid=$!
  echo "$pid $(proc_start "$pid" || echo 0)" >"$DIR/pids/$name"
  SPAWNED=$pid
}

# fail NAME LOG WHY: says which server failed and shows the tail of its log.
fail() {
  log "$1 $3; last lines of $2:"
  tail -n 40 "$2" 2>/dev/null | sed 's/^/    /' >&2 || true
  return 1
}

# wait_until NAME TIMEOUT LOG PID CMD...: retries CMD until it succeeds; fails (naming the server
# and showing its log) when the process PID exits or after TIMEOUT seconds.
wait_until() {
  local name=$1 timeout=$2 logf=$3 pid=$4 deadline
  shift 4
  deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || {
      fail "$name" "$logf" "exited during start-up"
      return 1
    }
    ((SECONDS < deadline)) || {
      fail "$name" "$logf" "is not ready after ${timeout}s"
      return 1
    }
    sleep 0.2
  done
}

# since START_MS: seconds since START_MS, with one decimal.
since() {
  local ms=$(($(now_ms) - $1))
  echo "$((ms / 1000)).$((ms % 1000 / 100)) s"
}

# ready NAME START_MS WHERE: reports a server as up.
ready() { log "$1 ready on $3 after $(since "$2")"; }

# sq VALUE: VALUE single-quoted for sh.
sq() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }

# ---------------------------------------------------------------------------------------------
# the servers; each runs in a background subshell and writes its export lines to DIR/env.d/NAME

start_redis() {
  local d=$DIR/redis t0 bin
  t0=$(now_ms)
  bin=$(command -v redis-server) # not resolved: it is a symlink that acts by its name
  mkdir -p "$d"
  spawn redis "$d/redis.log" "$bin" --bind 127.0.0.1 --port "$REDIS_PORT" --save '' \
    --appendonly no --dir "$d" --daemonize no --logfile ''
  wait_until redis 60 "$d/redis.log" "$SPAWNED" redis_ping "$REDIS_PORT"
  {
    echo "export TANDEM_TEST_REDIS_ADDR=127.0.0.1:$REDIS_PORT"
    echo "export TANDEM_TEST_REDIS_SERVER=$(sq "$bin")"
  } >"$DIR/env.d/1-redis"
  ready redis "$t0" "127.0.0.1:$REDIS_PORT"
}

# redis_ping PORT: the server answers PING with +PONG (no redis-cli needed).
redis_ping() (
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'PING\r\n' >&3
  read -r -t 2 line <&3
  [ "${line%$'\r'}" = +PONG ]
)

start_postgres() {
  local d=$DIR/postgres t0 bin user as=()
  t0=$(now_ms)
  bin=$(pg_bindir)
  mkdir -p "$d"
  # PostgreSQL refuses to run as root: then it runs as the user "postgres" (made if missing)
  if [ "$(id -u)" -eq 0 ]; then
    user=postgres
    id -u "$user" >/dev/null 2>&1 ||
      useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$user"
    chown "$user:" "$d"
    as=(setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups --)
    "${as[@]}" test -w "$d" ||
      die "postgres: user $user cannot reach $d; choose a directory every user can traverse"
  fi
  # unix sockets have a 107-byte path limit
  ((${#d} < 90)) || die "postgres: $d is too long a path for its unix socket"
  cd "$d"
  "${as[@]}" "$bin/initdb" -D "$d/data" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync >"$d/initdb.log" 2>&1 ||
    fail postgres "$d/initdb.log" "initdb failed"
  cat >>"$d/data/postgresql.conf" <<EOF

# scripts/test-servers.sh: loopback only, and fast rather than durable
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$d'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  spawn postgres "$d/postgres.log" "${as[@]}" "$bin/postgres" -D "$d/data"
  wait_until postgres 60 "$d/postgres.log" "$SPAWNED" \
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres -t 1
  # the tests' role and database, reached with a password over TCP
  "${as[@]}" "$bin/psql" -X -q -h "$d" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE tandem LOGIN CREATEDB PASSWORD 'tandem'" \
    -c "CREATE DATABASE tandem OWNER tandem" >>"$d/postgres.log" 2>&1 ||
    fail postgres "$d/postgres.log" "could not create role and database tandem"
  PGPASSWORD=tandem PGCONNECT_TIMEOUT=5 "$bin/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" \
    -U tandem -d tandem -c 'select 1' >>"$d/postgres.log" 2>&1 ||
    fail postgres "$d/postgres.log" "refuses tandem/tandem over TCP"
  {
    echo "export TANDEM_TEST_POSTGRES_URL=postgres://tandem:tandem@127.0.0.1:$PG_PORT/tandem"
    echo "export TANDEM_TEST_POSTGRES_BIN=$(sq "$bin")"
  } >"$DIR/env.d/2-postgres"
  ready postgres "$t0" "127.0.0.1:$PG_PORT"
}

start_rabbitmq() {
  local d=$DIR/rabbitmq t0
  t0=$(now_ms)
  mkdir -p "$d/home" "$d/mnesia" "$d/log" "$d/conf.d"
  echo '[].' >"$d/enabled_plugins" # no plugins (no management)
  : >"$d/rabbitmq-env.conf"        # instead of /etc/rabbitmq/rabbitmq-env.conf
  cat >"$d/rabbitmq.conf" <<'EOF'
# scripts/test-servers.sh: log to the console (rabbitmq.log), never block on a small disk
log.console = true
log.console.level = info
log.file = false
disk_free_limit.absolute = 10MB
EOF
  # The node's environment, for rabbitmq-server and for rabbitmqctl alike (". DIR/rabbitmq/node.env"
  # then "rabbitmqctl status"): its own node name, cookie (in HOME), epmd and files.
  cat >"$d/node.env" <<EOF
export HOME=$(sq "$d/home")
export RABBITMQ_NODENAME=tandem-test-$AMQP_PORT@localhost
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=$AMQP_PORT
export RABBITMQ_DIST_PORT=$DIST_PORT
export ERL_EPMD_PORT=$EPMD_PORT
export RABBITMQ_CONF_ENV_FILE=$(sq "$d/rabbitmq-env.conf")
export RABBITMQ_CONFIG_FILE=$(sq "$d/rabbitmq.conf")
export RABBITMQ_CONFIG_FILES=$(sq "$d/conf.d")
export RABBITMQ_ADVANCED_CONFIG_FILE=$(sq "$d/advanced.config")
export RABBITMQ_ENABLED_PLUGINS_FILE=$(sq "$d/enabled_plugins")
export RABBITMQ_MNESIA_BASE=$(sq "$d/mnesia")
export RABBITMQ_LOG_BASE=$(sq "$d/log")
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
EOF
  # shellcheck disable=SC1091
  . "$d/node.env"
  unset NOTIFY_SOCKET RABBITMQ_ALLOW_INPUT
  cd "$d"
  # our own epmd on a private port, so this node never meets a system one on 4369
  spawn epmd "$d/epmd.log" epmd -port "$EPMD_PORT" -address 127.0.0.1
  wait_until rabbitmq 60 "$d/epmd.log" "$SPAWNED" port_open "$EPMD_PORT"
  spawn rabbitmq "$d/rabbitmq.log" "$RABBITMQ_SERVER"
  wait_until rabbitmq 60 "$d/rabbitmq.log" "$SPAWNED" amqp_ping "$AMQP_PORT"
  echo "export TANDEM_TEST_RABBITMQ_URL=amqp://guest:guest@127.0.0.1:$AMQP_PORT" \
    >"$DIR/env.d/3-rabbitmq"
  ready rabbitmq "$t0" "127.0.0.1:$AMQP_PORT"
}

# amqp_ping PORT: an AMQP 0-9-1 connection to vhost "/" as guest/guest opens and closes.
amqp_ping() {
  python3 - "$1" <<'EOF'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)

def recv(n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            sys.exit("connection closed")
        buf += chunk
    return buf

def method():  # the next method frame's (class, method, arguments)
    kind, _, size = struct.unpack(">BHI", recv(7))
    payload = recv(size)
    recv(1)
    if kind != 1:
        sys.exit("unexpected frame")
    return struct.unpack(">HH", payload[:4]) + (payload[4:],)

def send(cls, meth, args):
    payload = struct.pack(">HH", cls, meth) + args
    s.sendall(struct.pack(">BHI", 1, 0, len(payload)) + payload + b"\xce")

short = lambda t: bytes([len(t)]) + t
s.sendall(b"AMQP\x00\x00\x09\x01")
assert method()[:2] == (10, 10), "no connection.start"
send(10, 11, struct.pack(">I", 0) + short(b"PLAIN") + struct.pack(">I", 12) + b"\0guest\0guest" + short(b"en_US"))
cls, meth, args = method()
assert (cls, meth) == (10, 30), "login refused"
channel_max, frame_max, _ = struct.unpack(">HIH", args[:8])
send(10, 31, struct.pack(">HIH", channel_max, frame_max, 0))
send(10, 40, short(b"/") + short(b"") + b"\0")
assert method()[:2] == (10, 41), "vhost / refused"
send(10, 50, struct.pack(">H", 200) + short(b"bye") + struct.pack(">HH", 0, 0))
assert method()[:2] == (10, 51)
EOF
}

start_kafka() {
  local d=$DIR/kafka t0 cp cluster_id
  t0=$(now_ms)
  mkdir -p "$d/data" "$d/logs"
  kafka_classpath "$d/classpath" || fail kafka "$d/maven.log" "could not resolve its jars"
  cp=$(cat "$d/classpath")
  cat >"$d/server.properties" <<EOF
# scripts/test-servers.sh: one KRaft node, broker and controller, on loopback
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_tandem="tandem-secret";
log.dirs=$d/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  # a random cluster id (base64url of 16 bytes, as Kafka makes them; never starting with "-")
  cluster_id=$(python3 -c 'import base64, uuid
while True:
    i = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
    if not i.startswith("-"):
        print(i)
        break')
  local jvm=(java -Dkafka.logs.dir="$d/logs" -Dlog4j2.configurationFile="$KAFKA_VERSION_DIR/log4j2.properties"
    -Djava.awt.headless=true -cp "$cp")
  # (a short-lived tool: C1 only and the serial GC start it faster)
  "${jvm[@]}" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC kafka.tools.StorageTool format -t "$cluster_id" \
    -c "$d/server.properties" >"$d/format.log" 2>&1 ||
    fail kafka "$d/format.log" "storage format failed"
  spawn kafka "$d/kafka.out" "${jvm[@]}" -Xms256m -Xmx512m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
    kafka.Kafka "$d/server.properties"
  wait_until kafka 120 "$d/logs/server.log" "$SPAWNED" kafka_ready "$d/logs/server.log"
  {
    echo "export TANDEM_TEST_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
    echo "export TANDEM_TEST_KAFKA_SASL_BROKERS=127.0.0.1:$KAFKA_SASL_PORT"
    echo "export TANDEM_TEST_KAFKA_SASL_USER=tandem"
    echo "export TANDEM_TEST_KAFKA_SASL_PASSWORD=tandem-secret"
  } >"$DIR/env.d/4-kafka"
  ready kafka "$t0" "127.0.0.1:$KAFKA_PORT, SASL 127.0.0.1:$KAFKA_SASL_PORT"
}

kafka_ready() {
  grep -q 'Kafka Server started' "$1" && port_open "$KAFKA_PORT" && port_open "$KAFKA_SASL_PORT"
}

# kafka_classpath OUT: the broker's classpath into OUT, resolved by Maven from
# scripts/kafka/pom.xml once and then cached (keyed by the pom's hash) while its jars exist.
kafka_classpath() {
  local out=$1 key cache jar jars=() ok=1
  key=$(sha256sum "$KAFKA_VERSION_DIR/pom.xml" | cut -c1-16)
  cache=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/tandem/kafka-classpath-$key
  if [ -s "$cache" ]; then
    IFS=: read -r -a jars <"$cache"
    for jar in "${jars[@]}"; do [ -f "$jar" ] || ok=; done
    if [ -n "$ok" ]; then
      cp "$cache" "$out"
      return 0
    fi
  fi
  "$ROOT/mvnw" -q -B -f "$KAFKA_VERSION_DIR/pom.xml" dependency:build-classpath \
    -Dmdep.outputFile="$out" >"$(dirname "$out")/maven.log" 2>&1 || return 1
  mkdir -p "$(dirname "$cache")"
  cp "$out" "$cache.$$" && mv "$cache.$$" "$cache"
}

# ---------------------------------------------------------------------------------------------
# stopping

# stop_one NAME: TERM (INT for PostgreSQL: its fast shutdown) to the process in DIR/pids/NAME,
# KILL to its whole process group after GRACE seconds; quiet when it is already gone.
stop_one() {
  local f=$DIR/pids/$1 pid start now sig=TERM i
  [ -f "$f" ] || return 0
  read -r pid start <"$f" || true
  rm -f "$f"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  [ "$1" != postgres ] || sig=INT
  now=$(proc_start "$pid" || true)
  if [ -z "$now" ]; then
    # it is gone; leftovers of its process group (the pid cannot have been reused while the
    # group has members) get the signal
    kill -s "$sig" -- "-$pid" 2>/dev/null || return 0
  elif [ "$now" = "$start" ]; then
    kill -s "$sig" "$pid" 2>/dev/null || true
  else
    return 0 # a later process got its pid: not ours
  fi
  for ((i = 0; i < GRACE * 5; i++)); do
    group_alive "$pid" || return 0 # its session started with it as the process group
    sleep 0.2
  done
  log "$1 did not stop within ${GRACE}s; killing it"
  kill -KILL -- "-$pid" 2>/dev/null || true
}

stop_processes() {
  local name pids=()
  [ -d "$DIR/pids" ] || return 0
  for name in redis postgres rabbitmq kafka; do
    stop_one "$name" &
    pids+=($!)
  done
  for name in "${pids[@]}"; do wait "$name" || true; done
  stop_one epmd # after RabbitMQ, which uses it
}

# ---------------------------------------------------------------------------------------------

start() {
  local t0 name pid started bg_pids=() names=(redis postgres rabbitmq kafka) failed=()
  t0=$(now_ms)
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd -P)
  if [ -e "$DIR/$MARKER" ]; then
    for name in "$DIR"/pids/*; do
      [ -e "$name" ] || continue
      read -r pid started <"$name" || continue
      [ "$(proc_start "$pid" || true)" != "$started" ] ||
        die "servers are already running in $DIR; stop them first: $0 stop $DIR"
    done
    find "$DIR" -mindepth 1 -delete # leftovers of a run that was not stopped
  elif [ -n "$(ls -A "$DIR")" ]; then
    die "$DIR is not empty; give an empty or new directory"
  fi
  touch "$DIR/$MARKER"
  chmod 755 "$DIR" # PostgreSQL runs as another user when we are root
  mkdir -p "$DIR/pids" "$DIR/env.d"

  ensure_packages
  read -r REDIS_PORT PG_PORT AMQP_PORT DIST_PORT EPMD_PORT KAFKA_PORT KAFKA_SASL_PORT \
    KAFKA_CONTROLLER_PORT < <(free_ports 8)
  export DIR REDIS_PORT PG_PORT AMQP_PORT DIST_PORT EPMD_PORT KAFKA_PORT KAFKA_SASL_PORT \
    KAFKA_CONTROLLER_PORT

  # an interrupted start leaves nothing running
  trap 'trap - INT TERM; kill "${bg_pids[@]}" 2>/dev/null; wait; stop_processes; exit 130' INT TERM
  for name in "${names[@]}"; do
    ("start_$name") &
    bg_pids+=($!)
  done
  for name in "${!names[@]}"; do
    wait "${bg_pids[$name]}" || failed+=("${names[$name]}")
  done
  trap - INT TERM
  if ((${#failed[@]})); then
    stop_processes
    die "failed to start: ${failed[*]} (logs under $DIR; remove it with: $0 stop $DIR)"
  fi
  {
    echo "# test servers started by scripts/test-servers.sh; stop: scripts/test-servers.sh stop $DIR"
    echo "export TANDEM_TEST_SERVERS_DIR=$(sq "$DIR")"
    cat "$DIR"/env.d/*
  } >"$DIR/env"
  log "all up after $(since "$t0"); environment in $DIR/env"
}

stop() {
  [ -d "$DIR" ] || return 0
  DIR=$(cd "$DIR" && pwd -P)
  if [ ! -e "$DIR/$MARKER" ]; then
    rmdir "$DIR" 2>/dev/null && return 0
    die "$DIR was not made by $0; not touching it"
  fi
  stop_processes
  rm -rf "$DIR"
}

[ $# -eq 2 ] || usage
DIR=$2
[ -n "$DIR" ] || usage
case $1 in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
