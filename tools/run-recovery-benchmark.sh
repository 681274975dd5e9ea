#!/usr/bin/env bash
# The recovery benchmark on real services, from a fresh clone:
#
#   bash tools/run-recovery-benchmark.sh [python -m benchmarks.recovery options]
#
# Installs what the contenders need, then runs
# `python -m benchmarks.recovery --cloud minicloud` on the project venv:
#  - the minicloud (tools/minicloud/install.sh: .venv, .venv-cloud, the
#    Debian servers' packages);
#  - Debian's fence-agents with python3-novaclient (fence_compute,
#    fence_evacuate), if missing;
#  - Masakari 22 into .venv-masakari (the benchmark does it, pinned by
#    benchmarks/recovery/masakari-constraints.txt).
# Figures go to stdout (a table, or JSON with --json), progress to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/minicloud/install.sh
if [ ! -x /usr/sbin/fence_evacuate ] || \
        ! /usr/bin/python3 -c 'import novaclient, keystoneclient' 2>/dev/null; then
    echo "recovery benchmark: apt-get install fence-agents python3-novaclient python3-keystoneclient" >&2
    pkgs="fence-agents python3-novaclient python3-keystoneclient"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        $pkgs >/dev/null 2>&1 || {
        # A fresh machine has no package lists yet.
        apt-get update >/dev/null
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y \
            --no-install-recommends $pkgs >/dev/null
    }
fi
exec .venv/bin/python -m benchmarks.recovery --cloud minicloud "$@"
