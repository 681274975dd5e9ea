#!/usr/bin/env bash
# Set up a local virtualenv with pinned dependencies and run nova-ha-sim,
# the in-process cloud with nova-ha-ext enabled. Arguments go to
# nova-ha-sim (see "bash tools/run-sim.sh --help").
#
# Environment: see tools/venv.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/venv.sh
install_venv sim
exec "$venv/bin/nova-ha-sim" "$@"
