#!/usr/bin/env bash
# Full test run from a fresh Debian 12 machine (root, .NET 10 SDK): installs and starts what the
# tests need, builds the solution (warnings are errors), runs every test project with
# Microsoft.Testing.Platform and ends with the line "N passed, N failed".
#
#   ./test.sh [extra dotnet test arguments]      e.g. ./test.sh --filter-class 'Takt.*'
#
# TAKT_TEST_POSTGRES, when already set, is used as is (no local PostgreSQL is started).
# Logs: artifacts/build.log, artifacts/test.log.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1

mkdir -p artifacts
build_log=artifacts/build.log
test_log=artifacts/test.log

# --- dependencies ----------------------------------------------------------------------------
if [[ -z "${TAKT_TEST_POSTGRES:-}" ]]; then
    TAKT_TEST_POSTGRES=$(bash scripts/ensure-test-deps.sh)
    export TAKT_TEST_POSTGRES
else
    bash scripts/ensure-test-deps.sh --no-postgres
    echo "test.sh: using TAKT_TEST_POSTGRES from the environment" >&2
fi

# --- build -----------------------------------------------------------------------------------
echo "test.sh: dotnet build Takt.slnx -c Release (log: ${build_log})" >&2
if ! dotnet build Takt.slnx -c Release 2>&1 </dev/null | tee "$build_log"; then
    echo "test.sh: build failed (see ${build_log})" >&2
    exit 1
fi

# --- test ------------------------------------------------------------------------------------
echo "test.sh: dotnet test --solution Takt.slnx -c Release --no-build $* (log: ${test_log})" >&2
set +e
dotnet test --solution Takt.slnx -c Release --no-build "$@" 2>&1 </dev/null | tee "$test_log"
test_rc=${PIPESTATUS[0]}
set -e

# MTP ends with one aggregate block for all test projects:
#   Test run summary: Passed!|Failed!
#     <per-assembly lines>
#     error: N        (only when a test host crashed or a project ran zero tests)
#     total: N
#     failed: N
#     succeeded: N
#     skipped: N
# Only lines after "Test run summary:" are counted, so test output cannot skew the numbers.
if grep -q '^Test run summary:' "$test_log"; then
    errors=$(awk '/^Test run summary:/{s=1} s && /^  error: /{e+=$2} END{print e+0}' "$test_log")
    if ((errors > 0)); then
        echo "test.sh: ${errors} test run error(s) (crashed test host or a project that ran zero tests); see ${test_log}"
    fi
    if ((test_rc != 0)); then
        echo "test.sh: dotnet test exited with ${test_rc}"
    fi
    awk '/^Test run summary:/{s=1} s && /^  failed: /{f+=$2} s && /^  succeeded: /{p+=$2}
         END{printf "%d passed, %d failed\n", p, f}' "$test_log"
else
    echo "test.sh: no test summary found (dotnet test exited with ${test_rc}); see ${test_log}"
    ((test_rc != 0)) || test_rc=1
fi
exit "$test_rc"
