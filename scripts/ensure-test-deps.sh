#!/usr/bin/env bash
# Idempotently installs what the test suite needs on a Debian 12 machine (as root), then brings
# up PostgreSQL via ensure-postgres.sh and prints its connection string as the only stdout line:
#
#   export TAKT_TEST_POSTGRES=$(scripts/ensure-test-deps.sh)
#
# --no-postgres: only install the packages (prints nothing on stdout).
# All logging goes to stderr.
set -euo pipefail

# Keep stdout clean: fd 3 is the real stdout, everything else goes to stderr.
exec 3>&1 1>&2

# Debian packages the tests need besides PostgreSQL (which ensure-postgres.sh handles).
# mosquitto: the MQTT tests start their own broker (/usr/sbin/mosquitto -c <temp conf> on a free port, with
# mosquitto_passwd for its users); the system service is not used and need not run.
# chromium, fonts-liberation: the web console's browser tests (tests/Takt.Console.Tests) drive Debian's chromium
# through Playwright (its own browser download is not used); the fonts make text render the same everywhere.
PACKAGES=(
    mosquitto
    chromium
    fonts-liberation
)

log() { printf '[ensure-test-deps] %s\n' "$*" >&2; }

with_postgres=1
for arg in "$@"; do
    case "$arg" in
        --no-postgres) with_postgres=0 ;;
        *) log "unknown argument: $arg"; exit 2 ;;
    esac
done

is_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]} > 0)); then
    [[ $(id -u) -eq 0 ]] || { log "must run as root to install: ${missing[*]}"; exit 1; }
    export DEBIAN_FRONTEND=noninteractive
    log "installing: ${missing[*]}"
    if [[ "${TAKT_APT_UPDATED:-}" != 1 ]]; then
        apt-get update -q
        export TAKT_APT_UPDATED=1 # ensure-postgres.sh then skips its own update
    fi
    # No stdin, no inherited descriptors: a package's postinst may start a daemon.
    (
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            if [[ "$fd" =~ ^[0-9]+$ ]] && ((fd > 2)); then
                eval "exec ${fd}>&-"
            fi
        done
        exec apt-get install -y -q "${missing[@]}" </dev/null
    )
fi

if ((with_postgres)); then
    conn=$(bash "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/ensure-postgres.sh" 3>&-)
    printf '%s\n' "$conn" >&3
fi
