#!/usr/bin/env bash
# Set up a local virtualenv with pinned dependencies and run the whole test
# suite: lint, unit, database (SQLite, MariaDB, PostgreSQL) and functional
# tests on Nova's in-process control plane, then the e2e tier on a cloud of
# real processes (tools/run-e2e.sh). Extra arguments are passed to
# "stestr run" (e.g. a test-name regex).
#
#   bash tools/run-tests.sh
#
# Environment: see tools/venv.sh; OS_TEST_DBAPI_ADMIN_CONNECTION
# (MySQL/PostgreSQL admin URLs for the database tests).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/venv.sh
install_venv test,pep8

echo "== lint (ruff)"
"$venv/bin/ruff" check nova_ha_ext tools benchmarks

echo "== tests (stestr)"
rc=0
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
"$venv/bin/stestr" run "$@" || rc=$?
"$venv/bin/stestr" last --subunit > "$runs/main.subunit"
streams=("$runs/main.subunit")
# The fault-injection tier (races, stalls, kills) again: Nova runs under
# eventlet or native threads, and the extension's records live on SQLite,
# MariaDB/MySQL or PostgreSQL.
fault_stage() {
    local label=$1 file=$2
    shift 2
    echo "== fault-injection tier, $label (stestr)"
    env "$@" "$venv/bin/stestr" run nova_ha_ext.tests.functional.faults \
        || rc=$?
    "$venv/bin/stestr" last --subunit > "$runs/$file.subunit"
    streams+=("$runs/$file.subunit:$label")
}
if [ $# -eq 0 ]; then
    fault_stage "native threads" threads OS_NOVA_DISABLE_EVENTLET_PATCHING=1
    fault_stage "records on MariaDB" mysql NOVA_HA_FUNCTIONAL_DB=mysql
    fault_stage "records on PostgreSQL" pg NOVA_HA_FUNCTIONAL_DB=postgresql
    # The e2e tier: a cloud of real OpenStack services as separate
    # processes (tools/minicloud.sh), killed and restarted (e2e/README.md).
    echo "== e2e tier on real processes (tools/run-e2e.sh)"
    E2E_SUBUNIT_DIR=$runs bash tools/run-e2e.sh || rc=$?
    for stream in "$runs"/e2e-*.subunit; do
        [ -e "$stream" ] || continue
        cloud=${stream##*/e2e-}
        streams+=("$stream:${cloud%.subunit} cloud")
    done
fi
"$venv/bin/python" tools/test_summary.py "${streams[@]}"
exit $rc
