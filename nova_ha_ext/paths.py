"""Where the files the extension ships outside its package live."""

import os
import sys

_PASTE = 'api-paste.ini'


def api_paste_config():
    """Absolute path of the extension's api-paste.ini.

    A source checkout (including an editable install) keeps it in
    ``etc/nova-ha-ext/``; a wheel install puts it under
    ``<prefix>/share/nova-ha-ext/``.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = (
        os.path.join(os.path.dirname(here), 'etc', 'nova-ha-ext', _PASTE),
        os.path.join(sys.prefix, 'share', 'nova-ha-ext', _PASTE),
    )
    for candidate in candidates:
        if os.path.exists(candidate):
            return candidate
    raise FileNotFoundError(
        'nova-ha-ext api-paste.ini not found; looked in: %s'
        % ', '.join(candidates))
