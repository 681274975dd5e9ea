#!/usr/bin/env bash
# Run Nova's own server-group functional tests
# (nova.tests.functional.test_server_group) with nova-ha-ext's scheduler
# filters enabled in nova-scheduler, plus the check that they really ran.
# Sets up .venv like run-tests.sh; extra arguments go to "stestr run"
# (e.g. --concurrency 1, or a test-name regex).
#
#   bash tools/run-nova-server-group-tests.sh
#
# Environment: see tools/venv.sh; NOVA_HA_FILTER_NOVA_TESTS (other Nova
# test modules or classes to run the same way, space-separated).
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/venv.sh
install_venv test

rc=0
"$venv/bin/stestr" --test-path=./nova_ha_ext/tests/functional/nova_compat_filters \
    run "$@" || rc=$?
"$venv/bin/stestr" last --subunit | "$venv/bin/python" tools/test_summary.py
exit $rc
