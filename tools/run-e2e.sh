#!/usr/bin/env bash
# The e2e tier: bring a minicloud up, run e2e/ against it, always bring
# it down (e2e/README.md).
#
#   bash tools/run-e2e.sh [stestr filter]
#
# One cloud for every test (each leaves its hosts as it found them):
# RecordingFakeDriver so tests see the guests and can hold rebuilds in
# flight, a short lease so a dead HA conductor's task is taken over fast.
set -euo pipefail
cd "$(dirname "$0")/.."
export MINICLOUD_DIR="${MINICLOUD_DIR:-$PWD/.minicloud-e2e}"
export MINICLOUD_RECORDING_DRIVER=1
export MINICLOUD_HA_LEASE_SECONDS="${MINICLOUD_HA_LEASE_SECONDS:-6}"
export MINICLOUD_HA_RESUME_INTERVAL="${MINICLOUD_HA_RESUME_INTERVAL:-3}"
export MINICLOUD_COMPUTES="${MINICLOUD_COMPUTES:-3}"
mc() { bash tools/minicloud.sh "$@"; }
peak_file="$MINICLOUD_DIR.peak"
sampler=
finish() {
    rc=$?
    [ -n "$sampler" ] && kill "$sampler" 2>/dev/null && wait "$sampler" 2>/dev/null
    [ -f "$peak_file" ] && echo "e2e: peak RSS of the cloud $(sort -n "$peak_file" | tail -1) MiB"
    rm -f "$peak_file"
    mc down || rc=1
    exit $rc
}
trap finish EXIT
started=$(date +%s)
mc up
# Summed RSS every 5 s (minicloud status's total line).
(while sleep 5; do
     mc status 2>/dev/null | sed -n 's/^total RSS \([0-9]*\) MiB.*/\1/p' >>"$peak_file"
 done) &
sampler=$!
# One worker: the tests share the cloud's hosts and HA conductors.
.venv/bin/stestr --config .stestr.e2e.conf run --concurrency 1 "$@"
echo "e2e: tier took $(( $(date +%s) - started )) s (cloud up included)"
