#!/usr/bin/env bash
# Set up a local virtualenv with pinned dependencies and run nova-ha-sim,
# the in-process cloud with nova-ha-ext enabled. Arguments go to
# nova-ha-sim (see "bash tools/run-sim.sh --help").
#
# Environment: PYTHON (interpreter for the venv, default python3),
# NOVA_HA_VENV (venv path, default .venv).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${NOVA_HA_VENV:-.venv}
if [ ! -x "$venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -c constraints.txt -e '.[sim]'
exec "$venv/bin/nova-ha-sim" "$@"
