#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests (docs/POSTGRES.md).
#   pg_cluster.sh start DIR     make sure a server runs; writes DIR/url and prints it:
#                               postgres://vigil:PASSWORD@127.0.0.1:PORT/vigil
#   pg_cluster.sh restart DIR   stop the server (fast: sessions are cut) and start it again, same
#                               port and data (for "PostgreSQL restarted under load" tests)
#   pg_cluster.sh stop DIR      stop the server and delete its data
# DIR (in the build tree) keeps the state: url, state (where the data lives), server.log (a link).
# The data lives in a temporary folder of its own (mktemp under TMPDIR or /tmp), owned by the
# server's user: PostgreSQL refuses to run as root, so as root the server runs as the `postgres`
# user of Debian's postgresql package. It listens on 127.0.0.1 only, on a free port, with its unix
# socket in the temporary folder; loopback connections need the password (scram-sha-256). fsync
# is off: the data is thrown away. Each command is idempotent; a failure prints the server log and
# exits non-zero. PG_BINDIR overrides where initdb/pg_ctl/psql are looked for.
set -euo pipefail

die() {
  echo "pg_cluster: $*" >&2
  exit 1
}
usage() {
  echo "usage: pg_cluster.sh start|stop|restart DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
cmd=$1
dir=$2
case "$cmd" in start | stop | restart) ;; *) usage ;; esac
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

find_bindir() {
  if [ -n "${PG_BINDIR:-}" ]; then
    [ -x "$PG_BINDIR/pg_ctl" ] || die "PG_BINDIR=$PG_BINDIR has no pg_ctl"
    echo "$PG_BINDIR"
    return
  fi
  local best=""
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && best=$d
  done
  if [ -z "$best" ] && command -v pg_ctl >/dev/null 2>&1; then best=$(dirname "$(command -v pg_ctl)"); fi
  [ -n "$best" ] || die "no PostgreSQL server found (initdb, pg_ctl under /usr/lib/postgresql/*/bin or on PATH).
The tests that need PostgreSQL fail without it. Install it with: scripts/setup.sh --test
(Debian package postgresql), or point PG_BINDIR at the folder holding initdb and pg_ctl."
  echo "$best"
}

# Runs a PostgreSQL program as the server's user: `postgres` when we are root, else ourselves.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

show_log() {
  local log=$1
  if [ -f "$log" ]; then
    echo "pg_cluster: --- server log ($log) ---" >&2
    tail -n 50 "$log" >&2 || true
    echo "pg_cluster: --- end of server log ---" >&2
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# The state of a cluster made by `start`: base (the temporary folder), port, bindir.
load_state() {
  base="" port="" bindir=""
  [ -f "$dir/state" ] || return 1
  # shellcheck disable=SC1091
  . "$dir/state"
  [ -n "$base" ] && [ -d "$base/data" ]
}

running() {
  as_pg "$bindir/pg_ctl" status -D "$base/data" >/dev/null 2>&1
}

stop_cluster() {
  if load_state; then
    if running; then
      as_pg "$bindir/pg_ctl" stop -D "$base/data" -m fast -w -t 60 >/dev/null || {
        show_log "$base/server.log"
        die "pg_ctl stop failed"
      }
    fi
  fi
  if [ -n "${base:-}" ] && [ -d "$base" ]; then
    case "$base" in */vigil-pg.*) rm -rf "$base" ;; esac
  fi
  rm -f "$dir/state" "$dir/url" "$dir/server.log"
}

start_cluster() {
  if load_state && running; then
    [ -f "$dir/url" ] || die "server runs but $dir/url is missing; run: pg_cluster.sh stop $dir"
    cat "$dir/url"
    return
  fi
  # Whatever is left of an earlier run (a crash, a reboot) is thrown away.
  stop_cluster
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root, and there is no 'postgres' user to run the server as.
Install PostgreSQL with: scripts/setup.sh --test (Debian package postgresql)"
  fi
  bindir=$(find_bindir)
  command -v python3 >/dev/null || die "python3 is needed to find a free port"

  base=$(mktemp -d "${TMPDIR:-/tmp}/vigil-pg.XXXXXX")
  chmod 700 "$base"
  mkdir "$base/sock"
  if [ "$(id -u)" = 0 ]; then chown -R postgres: "$base"; fi
  local log="$base/server.log" password
  password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  echo "$password" >"$base/pwfile"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$base/pwfile"; fi
  chmod 600 "$base/pwfile"

  # The superuser (postgres) has the same password; local socket connections are trusted.
  if ! as_pg "$bindir/initdb" -D "$base/data" -U postgres --pwfile="$base/pwfile" --auth-local=trust \
    --auth-host=scram-sha-256 -E UTF8 --locale=C --no-sync >"$base/initdb.log" 2>&1; then
    cat "$base/initdb.log" >&2
    die "initdb failed in $base/data"
  fi
  ln -sfn "$log" "$dir/server.log"

  local tries
  for tries in 1 2 3 4 5; do
    port=$(free_port)
    cat >>"$base/data/postgresql.conf" <<EOF
# vigil test server (tests/support/pg_cluster.sh)
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$base/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
shared_buffers = 32MB
log_min_messages = warning
EOF
    if as_pg "$bindir/pg_ctl" start -D "$base/data" -l "$log" -w -t 60 >/dev/null 2>&1; then
      break
    fi
    # Another process may have taken the port between free_port and the bind: try another.
    if ! grep -q "could not bind\|Address already in use" "$log" 2>/dev/null || [ "$tries" = 5 ]; then
      show_log "$log"
      die "pg_ctl start failed (data in $base/data)"
    fi
  done
  printf 'base=%q\nport=%q\nbindir=%q\n' "$base" "$port" "$bindir" >"$dir/state"

  if ! as_pg "$bindir/psql" -X -q -h "$base/sock" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -v pw="$password" >"$base/psql.log" 2>&1 <<'EOF'; then
CREATE ROLE vigil LOGIN PASSWORD :'pw';
CREATE DATABASE vigil OWNER vigil;
EOF
    cat "$base/psql.log" >&2
    show_log "$log"
    die "creating the role and database vigil failed"
  fi
  (
    umask 077
    echo "postgres://vigil:$password@127.0.0.1:$port/vigil" >"$dir/url"
  )
  cat "$dir/url"
}

restart_cluster() {
  if ! load_state || ! [ -f "$dir/url" ]; then
    start_cluster
    return
  fi
  if ! as_pg "$bindir/pg_ctl" restart -D "$base/data" -l "$base/server.log" -m fast -w -t 60 >/dev/null 2>&1; then
    show_log "$base/server.log"
    die "pg_ctl restart failed"
  fi
  cat "$dir/url"
}

case "$cmd" in
  start) start_cluster ;;
  stop) stop_cluster ;;
  restart) restart_cluster ;;
esac
