#!/usr/bin/env bash
# Install what tools/minicloud.sh needs; quick (a few checks) once done.
#
# - Debian packages of the private servers (mariadbd, rabbitmq-server,
#   epmd) and the clients of the shared ones, when missing.
# - The project venv (.venv) as README says, if it does not exist yet.
# - gunicorn in .venv, at the version of tools/minicloud/constraints.txt
#   and under the project's constraints.txt: pip refuses to change any
#   version constraints.txt pins.
# - .venv-cloud with Keystone, Glance and Neutron, pinned by
#   tools/minicloud/constraints.txt. How to refresh that file: see its
#   header.
set -euo pipefail
cd "$(dirname "$0")/../.."
CONSTRAINTS=tools/minicloud/constraints.txt
CLOUD_VENV=${MINICLOUD_CLOUD_VENV:-.venv-cloud}
LOG=${TMPDIR:-/tmp}/minicloud-install.$$.log

quiet() {
    # Run a step with its output in a log, shown only when it fails.
    if ! "$@" >"$LOG" 2>&1; then
        echo "minicloud install: FAILED: $*" >&2
        tail -40 "$LOG" >&2
        rm -f "$LOG"
        exit 1
    fi
    rm -f "$LOG"
}

missing=()
for pair in mariadbd:mariadb-server mariadb-install-db:mariadb-server \
            mysql:mariadb-client rabbitmq-server:rabbitmq-server \
            epmd:erlang-base psql:postgresql-client; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || \
        [ -x "/usr/sbin/${pair%%:*}" ] || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "minicloud install: apt-get install ${missing[*]}"
    quiet apt-get update
    # The packages' own services are not wanted: the shared servers are
    # the machine's, the private ones are started by minicloud.
    quiet env DEBIAN_FRONTEND=noninteractive apt-get install -y \
        --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/nova-compute ]; then
    echo "minicloud install: creating .venv (tools/venv.sh, test,pep8)"
    quiet bash -c '. tools/venv.sh && install_venv test,pep8'
fi

gunicorn_pin=$(grep -i '^gunicorn==' "$CONSTRAINTS")
if ! .venv/bin/python -m pip show gunicorn 2>/dev/null | \
        grep "^Version: ${gunicorn_pin#*==}\$" >/dev/null; then
    echo "minicloud install: $gunicorn_pin into .venv"
    quiet .venv/bin/python -m pip install -c constraints.txt "$gunicorn_pin"
fi

stamp="$CLOUD_VENV/.minicloud-constraints"
if ! cmp -s "$CONSTRAINTS" "$stamp" 2>/dev/null; then
    echo "minicloud install: $CLOUD_VENV (Keystone, Glance, Neutron;" \
         "a few minutes the first time)"
    [ -x "$CLOUD_VENV/bin/python" ] || quiet "${PYTHON:-python3}" -m venv "$CLOUD_VENV"
    quiet "$CLOUD_VENV/bin/python" -m pip install -c "$CONSTRAINTS" \
        keystone glance neutron gunicorn PyMySQL
    cp "$CONSTRAINTS" "$stamp"
fi
