"""A fresh MariaDB/MySQL or PostgreSQL database for one functional test.

The functional tiers keep the extension's records on SQLite by default.
With ``NOVA_HA_FUNCTIONAL_DB=mysql`` or ``=postgresql`` they keep them on
a database created for each test on that server (admin URLs as for the
database tests, see db_backends.py) and dropped afterwards, so the state
machine's conditional writes and unique indexes are exercised there under
the same races. A server that cannot be reached makes the test skip,
naming it.
"""

import os

import fixtures
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import provision
from oslo_utils import uuidutils

from nova_ha_ext.tests import db_backends

ENV = 'NOVA_HA_FUNCTIONAL_DB'
TYPES = ('mysql', 'postgresql')


def requested():
    """The database type asked for in the environment, or None (SQLite)."""
    value = os.environ.get(ENV, '').strip().lower()
    if not value or value == 'sqlite':
        return None
    if value not in TYPES:
        raise ValueError('%s=%s: use one of %s (or leave it unset for '
                         'SQLite)' % (ENV, value, ', '.join(TYPES)))
    return value


class ProvisionedDatabase(fixtures.Fixture):
    """Creates ``nova_ha_<random>`` on the server; ``url`` points at it.

    :raises provision.BackendNotAvailable: the server is unreachable (the
        caller skips with this reason).
    """

    def __init__(self, db_type):
        super().__init__()
        self.db_type = db_type
        self.url = None

    def _setUp(self):
        db_backends.use_default_admin_urls()
        backend = provision.Backend.backend_for_database_type(self.db_type)
        name = 'nova_ha_%s' % uuidutils.generate_uuid(dashed=False)[:12]
        backend.create_named_database(name)
        self.addCleanup(self._drop, backend, name)
        self.url = backend.provisioned_database_url(name).render_as_string(
            hide_password=False)

    @staticmethod
    def _drop(backend, name):
        try:
            backend.drop_named_database(name)
        except db_exc.DBError:
            # NOTE: a connection of a worker thread still open; the name is
            # unique, so a leftover never disturbs another test.
            pass
