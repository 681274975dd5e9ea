#!/usr/bin/env bash
# Run a subset of Nova's own libvirt functional tests (fake libvirt) with
# nova-ha-ext's libvirt driver as the compute driver, the way nova.conf
# enables it (compute_driver = ha_libvirt.HALibvirtDriver). Extra arguments
# go to "stestr run" (e.g. --concurrency 1 or a test-name regex).
#
#   bash tools/run-nova-libvirt-tests.sh
#   NOVA_HA_NOVA_LIBVIRT_TESTS="nova.tests.functional.libvirt.test_uefi" \
#       bash tools/run-nova-libvirt-tests.sh
#
# Environment: see tools/venv.sh; NOVA_HA_NOVA_LIBVIRT_TESTS (Nova test
# modules or classes to run instead of the default subset);
# OS_NOVA_DISABLE_EVENTLET_PATCHING=1 for native threads.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/venv.sh
install_venv test
. "$venv/bin/activate"
exec stestr --test-path=./nova_ha_ext/tests/functional/nova_compat_libvirt \
    run "$@"
