#!/usr/bin/env bash
# Set up a local virtualenv with pinned dependencies and run the whole test
# suite: lint, unit, database (SQLite, MariaDB, PostgreSQL) and functional
# tests on Nova's in-process control plane. Extra arguments are passed to
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
"$venv/bin/stestr" run "$@" || rc=$?
"$venv/bin/stestr" last --subunit | "$venv/bin/python" tools/test_summary.py
exit $rc
