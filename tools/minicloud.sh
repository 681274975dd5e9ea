#!/usr/bin/env bash
# The multi-process cloud of real OpenStack services on loopback
# (DESIGN.md "Tools with a fixed name"):
#
#   bash tools/minicloud.sh up|down|status|smoke|restart SERVICE|kill SERVICE
#
# Settings are MINICLOUD_* variables; see tools/minicloud/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
    up|smoke) bash tools/minicloud/install.sh ;;
esac
if [ ! -x .venv/bin/python ]; then
    echo "minicloud: no .venv yet (bash tools/minicloud.sh up creates it)" >&2
    exit 1
fi
# The orchestrator runs on the project venv's Python (PyMySQL, psycopg2,
# keystoneauth are there); the services run from their own venvs.
PYTHONPATH="$PWD/tools${PYTHONPATH:+:$PYTHONPATH}" \
    exec .venv/bin/python -m minicloud "$@"
