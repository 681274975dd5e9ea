# Sourced by the set-up commands: create the local virtualenv if needed and
# install this checkout into it with the pinned constraints.
#
#   install_venv EXTRAS   (e.g. "test,pep8" or "sim")
#
# Environment: PYTHON (interpreter for the venv, default python3),
# NOVA_HA_VENV (venv path, default .venv). Sets $venv.
install_venv() {
    venv=${NOVA_HA_VENV:-.venv}
    if [ ! -x "$venv/bin/python" ]; then
        "${PYTHON:-python3}" -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -c constraints.txt -e ".[$1]"
}
