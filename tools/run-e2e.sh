#!/usr/bin/env bash
# The e2e tier: real processes, real Keystone tokens (e2e/README.md).
#
#   bash tools/run-e2e.sh            # both clouds, every test
#   E2E_CLOUDS=shared bash tools/run-e2e.sh
#
# E2E_SUBUNIT_DIR: where to leave each cloud's subunit stream (the test
# command's summary reads them).
#
# Two clouds, each brought up once and always brought down:
#  1. "shared": the machine's MariaDB and RabbitMQ; every test but the
#     restarts (each test leaves its hosts as it found them).
#  2. "private": private MariaDB and RabbitMQ (so the tests may restart
#     them) and the extension's database on PostgreSQL; the restart
#     tests, and the killed-compute recovery again on PostgreSQL.
# Both use RecordingFakeDriver (tests see the guests and can hold
# rebuilds in flight) and a short lease, so a dead HA conductor's task
# is taken over within seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
export MINICLOUD_RECORDING_DRIVER=1
LEASE="${MINICLOUD_HA_LEASE_SECONDS:-6}"
export MINICLOUD_HA_RESUME_INTERVAL="${MINICLOUD_HA_RESUME_INTERVAL:-3}"
export MINICLOUD_COMPUTES="${MINICLOUD_COMPUTES:-3}"
CLOUDS=${E2E_CLOUDS:-shared private}
BASE_DIR=${E2E_DIR:-$PWD/.minicloud-e2e}

# Test (h) runs Debian's stock fence agents.
if [ ! -x /usr/sbin/fence_compute ] || ! /usr/bin/python3 -c 'import novaclient, keystoneclient' 2>/dev/null; then
    echo "e2e: apt-get install fence-agents python3-novaclient python3-keystoneclient"
    pkgs="fence-agents python3-novaclient python3-keystoneclient"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        $pkgs >/dev/null || {
        # A fresh machine has no package lists yet.
        apt-get update >/dev/null
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y \
            --no-install-recommends $pkgs >/dev/null
    }
fi

mc() { bash tools/minicloud.sh "$@"; }
sampler=
current=
finish() {
    rc=$?
    if [ -n "$sampler" ]; then kill "$sampler" 2>/dev/null || true; fi
    if [ -n "$current" ]; then MINICLOUD_DIR=$current mc down || rc=1; fi
    exit $rc
}
trap finish EXIT

run_cloud() {  # name, stestr filter
    local name=$1 filter=$2 peak up_start
    export MINICLOUD_DIR=$BASE_DIR-$1 MINICLOUD_PRIVATE_DB= \
        MINICLOUD_PRIVATE_MQ= MINICLOUD_HA_DB= MINICLOUD_HA_LEASE_SECONDS=$LEASE
    if [ "$name" = private ]; then
        # No conductor is killed here: a lease longer than a server's
        # restart keeps the one running task with its worker.
        export MINICLOUD_PRIVATE_DB=1 MINICLOUD_PRIVATE_MQ=1 \
            MINICLOUD_HA_DB=postgresql MINICLOUD_HA_LEASE_SECONDS=30
    fi
    peak=$MINICLOUD_DIR.peak
    : >"$peak"
    current=$MINICLOUD_DIR
    up_start=$(date +%s)
    mc up || return 1
    echo "e2e[$name]: up in $(( $(date +%s) - up_start )) s"
    # Summed RSS every 5 s (minicloud status's total line).
    (while sleep 5; do
         mc status 2>/dev/null | sed -n 's/^total RSS \([0-9]*\) MiB.*/\1/p' >>"$peak"
     done) &
    sampler=$!
    local t0 rc=0
    t0=$(date +%s)
    # One worker: the tests share the cloud's hosts and HA conductors.
    .venv/bin/stestr --config .stestr.e2e.conf run --concurrency 1 "$filter" || rc=$?
    if [ -n "${E2E_SUBUNIT_DIR:-}" ]; then
        # For tools/run-tests.sh's closing summary.
        .venv/bin/stestr --config .stestr.e2e.conf last --subunit \
            >"$E2E_SUBUNIT_DIR/e2e-$name.subunit" || true
    fi
    echo "e2e[$name]: tests took $(( $(date +%s) - t0 )) s"
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    sampler=
    echo "e2e[$name]: peak RSS of the cloud $(sort -n "$peak" | tail -1) MiB"
    rm -f "$peak"
    mc down || rc=1
    current=
    return $rc
}

started=$(date +%s)
status=0
for cloud in $CLOUDS; do
    case $cloud in
        shared) run_cloud shared '^e2e\.(?!test_restarts)' || status=1 ;;
        private) run_cloud private 'e2e\.test_restarts|test_a_' || status=1 ;;
        *) echo "e2e: unknown cloud $cloud" >&2; exit 2 ;;
    esac
done
echo "e2e: tier took $(( $(date +%s) - started )) s"
exit $status
