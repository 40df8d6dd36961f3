#!/usr/bin/env bash
# Idempotently brings up the local PostgreSQL 15 cluster used by the tests and prints its
# connection string as the only line on stdout:
#
#   export TAKT_TEST_POSTGRES=$(scripts/ensure-postgres.sh)
#
# Works on a fresh Debian 12 machine as root without systemd: installs the `postgresql`
# package when the server binaries are missing, creates cluster 15/main if needed, starts it
# with pg_ctlcluster, and creates the superuser role `takt` (password `takt`) and database `takt`.
# With CI=true it also turns off durability (fsync etc.) for speed; never rely on that for
# benchmarks. Without CI those settings are removed again (restarting the server if needed).
# All logging goes to stderr.
set -euo pipefail

# Keep stdout clean: fd 3 is the real stdout, everything else goes to stderr.
exec 3>&1 1>&2

PG_VERSION=15
PG_CLUSTER=main
PG_BIN="/usr/lib/postgresql/${PG_VERSION}/bin"
PG_CONF_DIR="/etc/postgresql/${PG_VERSION}/${PG_CLUSTER}"
PG_DATA_DIR="/var/lib/postgresql/${PG_VERSION}/${PG_CLUSTER}"
TAKT_CONF="${PG_CONF_DIR}/conf.d/90-takt.conf"
DB_USER=takt
DB_PASSWORD=takt
DB_NAME=takt

log() { printf '[ensure-postgres] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (uses apt-get, pg_ctlcluster and runuser)"

export DEBIAN_FRONTEND=noninteractive
# initdb (in the package's postinst and in pg_createcluster) takes its locale from the
# environment; C.UTF-8 always exists on Debian 12 and gives a UTF8 cluster.
export LANG=C.UTF-8 LC_ALL=C.UTF-8

# Runs a command with stdin from /dev/null and every inherited descriptor above 2 closed.
# Used for anything that may start the server: a daemon that inherits the caller's pipes
# (our fd 3, or a CI harness's) keeps them open and makes `$(...)` or a log reader hang.
no_fd_leak() {
    (
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            if [[ "$fd" =~ ^[0-9]+$ ]] && ((fd > 2)); then
                eval "exec ${fd}>&-"
            fi
        done
        exec "$@" </dev/null
    )
}
pgctl() { no_fd_leak pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" "$@"; }

apt_update_once() {
    if [[ "${TAKT_APT_UPDATED:-}" != 1 ]]; then
        log "apt-get update"
        apt-get update -q
        export TAKT_APT_UPDATED=1
    fi
}

# --- 1. server binaries ----------------------------------------------------------------------
if [[ ! -x "${PG_BIN}/postgres" ]]; then
    log "PostgreSQL ${PG_VERSION} not installed; installing package postgresql"
    apt_update_once
    # The package's postinst may start the server (when no policy-rc.d forbids it).
    no_fd_leak apt-get install -y -q postgresql
    [[ -x "${PG_BIN}/postgres" ]] || die "${PG_BIN}/postgres still missing after installing postgresql"
fi

# --- 2. socket directory (tmpfs on real machines, may vanish on reboot) -----------------------
install -d -o postgres -g postgres -m 2775 /var/run/postgresql

# --- 3. cluster ------------------------------------------------------------------------------
cluster_line() { pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c'; }

if [[ -z "$(cluster_line)" ]]; then
    log "creating cluster ${PG_VERSION}/${PG_CLUSTER}"
    pg_createcluster --locale C.UTF-8 --encoding UTF8 "$PG_VERSION" "$PG_CLUSTER"
fi
PG_PORT=$(cluster_line | awk '{print $3}')
[[ "$PG_PORT" =~ ^[0-9]+$ ]] || die "could not read the port of cluster ${PG_VERSION}/${PG_CLUSTER}"

# True when pid is a live (not zombie) postgres process.
is_live_postgres() {
    local pid=$1 stat
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [[ "$(cat "/proc/${pid}/comm" 2>/dev/null)" == postgres ]] || return 1
    stat=$(cat "/proc/${pid}/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ "${stat:0:1}" != Z ]]
}
postmaster_pid() { head -n1 "${PG_DATA_DIR}/postmaster.pid" 2>/dev/null; }
is_running() { pgctl status >/dev/null 2>&1 && is_live_postgres "$(postmaster_pid)"; }

# --- 4. Takt settings in conf.d (always: max_connections; CI only: no durability) -------------
desired_conf="# Managed by scripts/ensure-postgres.sh; rewritten on every run.
max_connections = 200"
case "${CI:-}" in
    [Tt][Rr][Uu][Ee] | 1 | [Yy][Ee][Ss])
        desired_conf+="
# CI only: faster tests, unsafe on an OS crash. Never benchmark with these.
fsync = off
synchronous_commit = off
full_page_writes = off"
        ;;
esac
need_restart=0
if [[ ! -f "$TAKT_CONF" ]] || [[ "$(cat "$TAKT_CONF")" != "$desired_conf" ]]; then
    log "writing ${TAKT_CONF}"
    install -d -o postgres -g postgres "${PG_CONF_DIR}/conf.d"
    printf '%s\n' "$desired_conf" >"$TAKT_CONF"
    chown postgres:postgres "$TAKT_CONF"
    need_restart=1
fi

# --- 5. start --------------------------------------------------------------------------------
# A postmaster.pid left by a killed server whose pid is dead, a zombie or now another process
# makes pg_ctlcluster believe the cluster runs (and refuse to start it). Remove such a file, but
# only when its pid is not a live postgres process.
clear_stale_pidfile() {
    local pidfile="${PG_DATA_DIR}/postmaster.pid" pid
    [[ -f "$pidfile" ]] || return 0
    pid=$(postmaster_pid)
    if ! is_live_postgres "$pid"; then
        log "removing stale ${pidfile} (pid ${pid:-?} is not a live postgres)"
        rm -f "$pidfile"
    fi
}

ensure_started() {
    clear_stale_pidfile
    is_running && return 0
    log "starting cluster ${PG_VERSION}/${PG_CLUSTER}"
    pgctl start && return 0
    log "start failed (will retry while waiting)"
    return 1
}

# Waits up to 120 s for connections on 127.0.0.1, (re)starting the cluster every 5 s while it is
# not running: right after a crash the old server's processes may still block a start.
wait_ready() {
    local i
    for ((i = 1; i <= 240; i++)); do
        pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && return 0
        if ((i % 10 == 0)) && ! is_running; then
            ensure_started || true
        fi
        sleep 0.5
    done
    pg_isready -h 127.0.0.1 -p "$PG_PORT" >&2 || true
    log "last lines of /var/log/postgresql/postgresql-${PG_VERSION}-${PG_CLUSTER}.log:"
    tail -n 20 "/var/log/postgresql/postgresql-${PG_VERSION}-${PG_CLUSTER}.log" >&2 || true
    die "PostgreSQL did not accept connections on 127.0.0.1:${PG_PORT} within 120 s"
}

if [[ $need_restart -eq 1 ]] && is_running; then
    log "restarting cluster to apply ${TAKT_CONF}"
    pgctl restart || true
else
    ensure_started || true
fi
wait_ready

# Run psql as the postgres superuser over the local socket (peer auth).
pg_psql() { (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres "$@"); }

# --- 6. stale server after an upgrade of the binaries ------------------------------------------
# A server left running across `apt-get upgrade` keeps the old binary and fails to load the new
# plpgsql.so ("undefined symbol"): restart it when its version differs from the binaries'.
binary_version=$("${PG_BIN}/postgres" --version | awk '{print $3}')
server_version=$(pg_psql -At -c 'show server_version' 2>/dev/null | awk '{print $1}') || server_version=""
if [[ "$server_version" != "$binary_version" ]]; then
    log "server version '${server_version}' differs from binaries '${binary_version}'; restarting"
    pgctl restart || true
    wait_ready
    server_version=$(pg_psql -At -c 'show server_version' | awk '{print $1}')
    [[ "$server_version" == "$binary_version" ]] ||
        die "server still reports version '${server_version}', binaries are '${binary_version}'"
fi

# --- 7. role and database --------------------------------------------------------------------
if [[ "$(pg_psql -At -c "select 1 from pg_roles where rolname = '${DB_USER}'")" == 1 ]]; then
    # Keep the role usable even if someone changed it.
    pg_psql -c "alter role ${DB_USER} with login superuser password '${DB_PASSWORD}'"
else
    log "creating role ${DB_USER}"
    pg_psql -c "create role ${DB_USER} with login superuser password '${DB_PASSWORD}'"
fi
if [[ "$(pg_psql -At -c "select 1 from pg_database where datname = '${DB_NAME}'")" != 1 ]]; then
    log "creating database ${DB_NAME}"
    pg_psql -c "create database ${DB_NAME} owner ${DB_USER}"
fi

log "PostgreSQL ${server_version} ready on 127.0.0.1:${PG_PORT}"
printf 'Host=127.0.0.1;Port=%s;Username=%s;Password=%s;Database=%s\n' \
    "$PG_PORT" "$DB_USER" "$DB_PASSWORD" "$DB_NAME" >&3
