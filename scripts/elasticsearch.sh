#!/usr/bin/env bash
# Local single-node Elasticsearch for development and the integration tests.
#
#   bash scripts/elasticsearch.sh start    download (once), start, wait until the cluster is yellow
#   bash scripts/elasticsearch.sh stop     stop the node started by this script (no error if none)
#   bash scripts/elasticsearch.sh status   exit 0 when running and healthy, 1 when running but
#                                          unhealthy, 3 when not running
#   bash scripts/elasticsearch.sh url      print the HTTP address (http://127.0.0.1:$ES_PORT)
#
# It runs the integration-test distribution that Elastic publishes to Maven Central
# (org.elasticsearch.distribution.integ-test-zip:elasticsearch:<version>:zip), fetched with Maven,
# on a system JDK (17). The version and defaults live in scripts/elasticsearch.env.
#
# Environment (all optional):
#   ES_VERSION, ES_PORT, ES_HEAP   override scripts/elasticsearch.env
#   ES_TRANSPORT_PORT             transport port or range (default 9350-9399)
#   ES_JAVA_OPTS                  extra JVM options, appended after -Xms/-Xmx$ES_HEAP
#   ES_JAVA_HOME                  JDK to use (default: /usr/lib/jvm/java-17-openjdk-*, $JAVA_HOME,
#                                 then the `java` on PATH)
#   ES_START_TIMEOUT              seconds to wait for a yellow cluster (default 120)
#   ES_STOP_TIMEOUT               seconds before SIGTERM escalates to SIGKILL (default 20)
#   LSHQL_CACHE_DIR               cache root (default <repo>/.cache); this script uses
#                                 $LSHQL_CACHE_DIR/elasticsearch
#   LSHQL_ES_USER                 system user to run as when invoked as root (default lshql-es)
#   ES_KEEP_DATA                  set to keep the data of the previous run (a restart)
#
# Elasticsearch refuses to run as root: as root, the script creates a system user, hands it the
# install and run folders and starts the node with `runuser`. If that user cannot reach the cache
# folder (e.g. a clone under /root), the install and run folders go to /var/tmp/lshql-elasticsearch
# instead; the downloaded zip stays in the cache.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/.." && pwd)

log() { printf '[elasticsearch] %s\n' "$*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# KEY=VALUE lines; a non-empty value already in the environment wins.
load_env_file() {
  local file=$1 line key value
  [ -f "$file" ] || die "missing $file"
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    case $line in '' | '#'*) continue ;; esac
    key=${line%%=*}
    value=${line#*=}
    [[ $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    if [ -z "${!key:-}" ]; then printf -v "$key" '%s' "$value"; fi
  done <"$file"
}

load_env_file "$SCRIPT_DIR/elasticsearch.env"
: "${ES_VERSION:?ES_VERSION must be set in scripts/elasticsearch.env}"
ES_PORT=${ES_PORT:-9250}
ES_HEAP=${ES_HEAP:-512m}
ES_TRANSPORT_PORT=${ES_TRANSPORT_PORT:-9350-9399}
ES_START_TIMEOUT=${ES_START_TIMEOUT:-120}
ES_STOP_TIMEOUT=${ES_STOP_TIMEOUT:-20}
ES_USER=${LSHQL_ES_USER:-lshql-es}
ES_HOST=127.0.0.1
ES_URL="http://$ES_HOST:$ES_PORT"
CLUSTER_NAME=lshql-test

[[ $ES_PORT =~ ^[0-9]+$ ]] || die "ES_PORT must be a number, got '$ES_PORT'"

CACHE_ROOT=${LSHQL_CACHE_DIR:-$REPO_DIR/.cache}
case $CACHE_ROOT in /*) ;; *) CACHE_ROOT="$PWD/$CACHE_ROOT" ;; esac
CACHE_DIR="$CACHE_ROOT/elasticsearch"
ZIP_FILE="$CACHE_DIR/elasticsearch-$ES_VERSION.zip"
FALLBACK_BASE=/var/tmp/lshql-elasticsearch

is_root() { [ "$(id -u)" -eq 0 ]; }

# True when every existing component of the path grants search (x) permission to "others", so
# the unprivileged Elasticsearch user can reach it.
world_traversable() {
  local p mode
  p=$(readlink -m "$1")
  while :; do
    if [ -e "$p" ]; then
      mode=$(stat -L -c '%a' "$p")
      ((8#$mode & 1)) || return 1
    fi
    [ "$p" = / ] && return 0
    p=$(dirname "$p")
  done
}

# Where the unpacked distribution and the run folder live.
base_dir() {
  if is_root && ! world_traversable "$CACHE_DIR"; then
    echo "$FALLBACK_BASE"
  else
    echo "$CACHE_DIR"
  fi
}

# The pid file of a node started by this script on $ES_PORT (either base), if any.
find_pid_file() {
  local base
  for base in "$CACHE_DIR" "$FALLBACK_BASE"; do
    if [ -f "$base/run-$ES_PORT/elasticsearch.pid" ]; then
      echo "$base/run-$ES_PORT/elasticsearch.pid"
      return 0
    fi
  done
  return 1
}

# Alive, not a zombie, and an Elasticsearch JVM (guards against a recycled pid).
is_es_process() {
  local pid=$1 state
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/stat" ] || return 1
  state=$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ "$state" != Z ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'org\.elasticsearch'
}

# Prints the pid of our running node; fails when there is none (and removes a stale pid file).
running_pid() {
  local pid_file pid
  pid_file=$(find_pid_file) || return 1
  pid=$(tr -d '[:space:]' <"$pid_file" 2>/dev/null || true)
  if is_es_process "$pid"; then
    echo "$pid"
    return 0
  fi
  rm -f "$pid_file" 2>/dev/null || true
  return 1
}

# Prints the cluster status (green/yellow/red) when something answers on the port.
cluster_status() {
  local body
  body=$(curl -fsS -m "${1:-5}" "$ES_URL/_cluster/health?wait_for_status=yellow&timeout=${2:-1s}" 2>/dev/null) || return 1
  sed -n 's/.*"status":"\([a-z]*\)".*/\1/p' <<<"$body"
}

port_answers() {
  curl -s -o /dev/null -m 3 "$ES_URL/" 2>/dev/null
}

detect_java_home() {
  local c java
  for c in "${ES_JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-* \
    /usr/lib/jvm/java-17-openjdk "${JAVA_HOME:-}"; do
    if [ -n "$c" ] && [ -x "$c/bin/java" ]; then
      echo "$c"
      return 0
    fi
  done
  if java=$(command -v java 2>/dev/null); then
    dirname "$(dirname "$(readlink -f "$java")")"
    return 0
  fi
  return 1
}

download_zip() {
  local tmp
  command -v mvn >/dev/null 2>&1 ||
    die "Maven (mvn) is needed to download Elasticsearch $ES_VERSION (e.g. apt-get install maven)"
  log "downloading org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip with Maven"
  tmp=$(mktemp -d "$CACHE_DIR/download.XXXXXX")
  if ! mvn -B -ntp -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    "-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
    "-DoutputDirectory=$tmp" >"$tmp/mvn.log" 2>&1; then
    tail -n 40 "$tmp/mvn.log" >&2 || true
    rm -rf "$tmp"
    die "Maven could not download Elasticsearch $ES_VERSION"
  fi
  [ -s "$tmp/elasticsearch-$ES_VERSION.zip" ] || {
    rm -rf "$tmp"
    die "Maven did not produce elasticsearch-$ES_VERSION.zip"
  }
  mv -f "$tmp/elasticsearch-$ES_VERSION.zip" "$ZIP_FILE"
  rm -rf "$tmp"
}

extract_zip() {
  local base=$1 tmp
  log "unpacking $(basename "$ZIP_FILE") into $base"
  mkdir -p "$base"
  tmp=$(mktemp -d "$base/extract.XXXXXX")
  if command -v unzip >/dev/null 2>&1; then
    unzip -q "$ZIP_FILE" -d "$tmp" || {
      rm -rf "$tmp"
      rm -f "$ZIP_FILE"
      die "corrupt download removed; run again to re-download"
    }
  elif command -v python3 >/dev/null 2>&1; then
    python3 -m zipfile -e "$ZIP_FILE" "$tmp" || {
      rm -rf "$tmp"
      rm -f "$ZIP_FILE"
      die "corrupt download removed; run again to re-download"
    }
  else
    rm -rf "$tmp"
    die "need unzip (or python3) to unpack Elasticsearch"
  fi
  [ -f "$tmp/elasticsearch-$ES_VERSION/bin/elasticsearch" ] || {
    rm -rf "$tmp"
    die "unexpected archive layout in $ZIP_FILE"
  }
  rm -rf "$base/elasticsearch-$ES_VERSION"
  mv "$tmp/elasticsearch-$ES_VERSION" "$base/elasticsearch-$ES_VERSION"
  rm -rf "$tmp"
}

ensure_install() {
  local base=$1
  [ -s "$ZIP_FILE" ] || download_zip
  [ -f "$base/elasticsearch-$ES_VERSION/bin/elasticsearch" ] || extract_zip "$base"
}

# Serialise download/unpack between concurrent invocations. The lock fd is closed before the
# node is launched, so the daemon never inherits it.
with_install_lock() {
  if command -v flock >/dev/null 2>&1; then
    {
      flock 9
      "$@"
    } 9>"$CACHE_DIR/.install.lock"
  else
    "$@"
  fi
}

ensure_es_user() {
  id -u "$ES_USER" >/dev/null 2>&1 && return 0
  log "creating system user $ES_USER"
  if command -v useradd >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      --user-group "$ES_USER" || id -u "$ES_USER" >/dev/null 2>&1
  elif command -v adduser >/dev/null 2>&1; then
    adduser -S -D -H "$ES_USER" || id -u "$ES_USER" >/dev/null 2>&1
  else
    die "cannot create user $ES_USER (no useradd/adduser); Elasticsearch refuses to run as root"
  fi
}

print_logs() {
  local run_dir=$1 f
  for f in "$run_dir/logs/startup.out" "$run_dir/logs/$CLUSTER_NAME.log"; do
    if [ -s "$f" ]; then
      printf -- '----- last lines of %s -----\n' "$f" >&2
      tail -n 60 "$f" >&2 || true
    fi
  done
}

write_config() {
  local run_dir=$1
  cat >"$run_dir/config/elasticsearch.yml" <<EOF
# Generated by scripts/elasticsearch.sh; rewritten on every start.
cluster.name: $CLUSTER_NAME
node.name: $CLUSTER_NAME-node
discovery.type: single-node
network.host: $ES_HOST
http.port: $ES_PORT
transport.port: "$ES_TRANSPORT_PORT"
xpack.security.enabled: false
path.data: "$run_dir/data"
path.logs: "$run_dir/logs"
cluster.routing.allocation.disk.threshold_enabled: false
EOF
}

cmd_start() {
  local pid status base es_home run_dir pid_file java_home java_opts rc
  local -a launch

  if pid=$(running_pid); then
    if status=$(cluster_status 5 1s) && [ -n "$status" ]; then
      log "already running (pid $pid, status $status) at $ES_URL"
      return 0
    fi
    log "node (pid $pid) is up but not yet healthy; waiting"
    pid_file=$(find_pid_file)
    wait_healthy "$(dirname "$pid_file")" "$pid"
    return 0
  fi
  if port_answers; then
    die "port $ES_PORT is in use by a process not started by this script; stop it or set ES_PORT"
  fi

  java_home=$(detect_java_home) || die "no JDK found; install openjdk-17-jdk-headless or set ES_JAVA_HOME"

  mkdir -p "$CACHE_DIR"
  base=$(base_dir)
  [ "$base" = "$CACHE_DIR" ] || log "user $ES_USER cannot reach $CACHE_DIR; using $base for install and data"
  mkdir -p "$base"
  with_install_lock ensure_install "$base"
  es_home="$base/elasticsearch-$ES_VERSION"
  run_dir="$base/run-$ES_PORT"
  pid_file="$run_dir/elasticsearch.pid"

  # Fresh data on every start, unless ES_KEEP_DATA asks to restart on the data already there.
  if [ -z "${ES_KEEP_DATA:-}" ]; then rm -rf "$run_dir"; else rm -rf "$run_dir/config"; fi
  mkdir -p "$run_dir/config" "$run_dir/data" "$run_dir/logs" "$run_dir/tmp"
  cp -R "$es_home/config/." "$run_dir/config/"
  write_config "$run_dir"

  java_opts="-Xms$ES_HEAP -Xmx$ES_HEAP${ES_JAVA_OPTS:+ $ES_JAVA_OPTS}"
  launch=(env -u JAVA_HOME -u JAVA_TOOL_OPTIONS -u _JAVA_OPTIONS -u JAVA_OPTS
    "ES_JAVA_HOME=$java_home" "ES_PATH_CONF=$run_dir/config" "ES_TMPDIR=$run_dir/tmp"
    "ES_JAVA_OPTS=$java_opts"
    bash "$es_home/bin/elasticsearch" -d -p "$pid_file")
  if is_root; then
    ensure_es_user
    command -v runuser >/dev/null 2>&1 || die "runuser (util-linux) is needed to start Elasticsearch as $ES_USER"
    if [ "$(stat -c '%U' "$es_home")" != "$ES_USER" ]; then chown -R "$ES_USER:" "$es_home"; fi
    chown -R "$ES_USER:" "$run_dir"
    launch=(runuser -u "$ES_USER" -- "${launch[@]}")
  fi

  log "starting Elasticsearch $ES_VERSION on $ES_URL (java: $java_home, heap: $ES_HEAP)"
  set +e
  if command -v timeout >/dev/null 2>&1; then
    (cd "$run_dir" && timeout "$ES_START_TIMEOUT" "${launch[@]}") >"$run_dir/logs/startup.out" 2>&1 </dev/null
  else
    (cd "$run_dir" && "${launch[@]}") >"$run_dir/logs/startup.out" 2>&1 </dev/null
  fi
  rc=$?
  set -e
  if [ "$rc" -ne 0 ]; then
    log "Elasticsearch failed to start (exit $rc)"
    print_logs "$run_dir"
    cmd_stop >/dev/null 2>&1 || true
    exit 1
  fi
  pid=$(tr -d '[:space:]' <"$pid_file" 2>/dev/null || true)
  wait_healthy "$run_dir" "$pid"
}

wait_healthy() {
  local run_dir=$1 pid=$2 deadline status
  deadline=$((SECONDS + ES_START_TIMEOUT))
  while :; do
    if status=$(cluster_status 10 5s) && [ -n "$status" ]; then
      log "ready: $ES_URL (pid $pid, cluster $status)"
      return 0
    fi
    if ! is_es_process "$pid"; then
      log "Elasticsearch process ${pid:-?} exited before the cluster became healthy"
      print_logs "$run_dir"
      rm -f "$run_dir/elasticsearch.pid" 2>/dev/null || true
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "cluster not yellow within ${ES_START_TIMEOUT}s"
      print_logs "$run_dir"
      cmd_stop >/dev/null 2>&1 || true
      exit 1
    fi
    sleep 1
  done
}

cmd_stop() {
  local pid_file pid deadline
  if ! pid_file=$(find_pid_file); then
    log "not running"
    return 0
  fi
  pid=$(tr -d '[:space:]' <"$pid_file" 2>/dev/null || true)
  if ! is_es_process "$pid"; then
    rm -f "$pid_file"
    log "not running (removed stale pid file)"
    return 0
  fi
  log "stopping Elasticsearch (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + ES_STOP_TIMEOUT))
  while is_es_process "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.5; done
  if is_es_process "$pid"; then
    log "still running after ${ES_STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while is_es_process "$pid" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    is_es_process "$pid" && die "process $pid did not exit"
  fi
  rm -f "$pid_file"
  log "stopped"
}

cmd_status() {
  local pid status
  if ! pid=$(running_pid); then
    echo "not running"
    return 3
  fi
  if status=$(cluster_status 5 1s) && [ -n "$status" ]; then
    echo "running (pid $pid) at $ES_URL, cluster $status"
    return 0
  fi
  echo "running (pid $pid) at $ES_URL, not healthy"
  return 1
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  url) echo "$ES_URL" ;;
  *)
    echo "usage: $0 start|stop|status|url" >&2
    exit 2
    ;;
esac
