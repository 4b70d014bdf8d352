# A private PostgreSQL cluster for the store tests (integrations/store), on loopback only.
#
# Sourced by .ci/run:
#   pg_start   installs Debian's postgresql if missing, initdb's a private cluster in a temp
#              dir, starts it on a free 127.0.0.1 port with its own Unix socket dir (as the
#              `postgres` user when run as root), waits until it answers, and exports
#              KAZOO_RECORDS_PG_URL.
#   pg_stop    stops that cluster and removes its directory; safe to call more than once.
# When KAZOO_RECORDS_PG_URL is already set, pg_start uses that server and starts nothing.
#
# By hand: `source .ci/postgres.sh && pg_start`, then
# `cargo test -p kazoo-records-store`, and `pg_stop`.

PG_DIR=""
PG_RUN_AS=()
PG_STARTUP_TIMEOUT=${PG_STARTUP_TIMEOUT:-60}

pg_port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pg_bindir() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        if [ -x "$d/initdb" ]; then PG_BIN="$d"; fi
    done
    [ -n "${PG_BIN:-}" ]
}

pg_install() {
    if pg_bindir; then return 0; fi
    echo "installing postgresql (Debian package)"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
    $sudo apt-get update -qq
    # policy-rc.d-less containers: the package's own cluster is not wanted; none is started.
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        postgresql >/dev/null
    pg_bindir
}

pg_start() {
    if [ -n "${KAZOO_RECORDS_PG_URL:-}" ]; then
        echo "using the PostgreSQL server at KAZOO_RECORDS_PG_URL"
        return 0
    fi
    pg_install || { echo "PostgreSQL's initdb not found after install" >&2; return 1; }
    PG_PORT=54320
    while pg_port_open "$PG_PORT"; do
        PG_PORT=$((PG_PORT + 1))
        if [ "$PG_PORT" -gt 54420 ]; then
            echo "no free port for PostgreSQL in 54320..54420" >&2
            return 1
        fi
    done
    PG_DIR=$(mktemp -d /tmp/kazoo-records-postgres.XXXXXX)
    mkdir -p "$PG_DIR/data" "$PG_DIR/socket"
    PG_RUN_AS=()
    if [ "$(id -u)" -eq 0 ]; then
        # PostgreSQL refuses to run as root: the cluster belongs to an unprivileged user.
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown -R postgres "$PG_DIR"
        PG_RUN_AS=(runuser -u postgres --)
    fi
    "${PG_RUN_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U kazoo --auth=trust \
        --encoding=UTF8 --locale=C >"$PG_DIR/initdb.out" 2>&1 || {
        echo "initdb failed:" >&2; cat "$PG_DIR/initdb.out" >&2; return 1; }
    "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
        -t "$PG_STARTUP_TIMEOUT" \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR/socket -c fsync=off" \
        start >/dev/null || {
        echo "PostgreSQL did not start:" >&2; tail -n 40 "$PG_DIR/server.log" >&2; return 1; }
    until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; do
        sleep 1
    done
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U kazoo kazoo_records
    export KAZOO_RECORDS_PG_URL="postgresql://kazoo@127.0.0.1:$PG_PORT/kazoo_records"
    echo "PostgreSQL answers at $KAZOO_RECORDS_PG_URL"
}

pg_stop() {
    if [ -z "$PG_DIR" ]; then return 0; fi
    "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=""
    echo "PostgreSQL stopped"
}
