"""Test fixtures of nova-ha-ext."""

import os

import fixtures
from oslo_db.sqlalchemy import enginefacade

from nova_ha_ext.db import api
from nova_ha_ext.db import migration


class HADatabase(fixtures.Fixture):
    """The extension's database, migrated to head, for one test.

    Points ``nova_ha_ext.db.api.context_manager`` at ``url`` (default: a
    fresh SQLite file in a temporary directory) until cleanup. The file
    rather than ``sqlite://`` because an in-memory database is private to
    one connection, and the HA conductor's threads use several.

    Under ``nova.test.NoDBTestCase`` set ``USES_DB_SELF = True``: Nova's
    DatabasePoisonFixture otherwise refuses to start any oslo.db engine.
    """

    def __init__(self, url=None):
        super().__init__()
        self.url = url
        self.engine = None

    def _setUp(self):
        if self.url is None:
            path = self.useFixture(fixtures.TempDir()).path
            self.url = 'sqlite:///' + os.path.join(path, 'nova_ha.sqlite')
        factory = enginefacade._TransactionFactory()
        # NOTE: sqlite_fk as in production (see db/api.py) so that
        # orphan items fail in tests too.
        factory.configure(connection=self.url, sqlite_fk=True)
        self.engine = factory.get_writer_engine()
        self.addCleanup(factory.dispose_pool)
        migration.db_sync(self.engine)

        reset = api.context_manager.patch_factory(factory)
        self.addCleanup(reset)
        # NOTE: marked configured so that the reader/writer decorators
        # never reconfigure the real context from CONF behind our back.
        self.addCleanup(setattr, api, '_configured', api._configured)
        api._configured = True


class HAConductor(fixtures.Fixture):
    """One HA conductor worker, in-process, on Nova's test transport."""

    def __init__(self, worker_id):
        super().__init__()
        self.worker_id = worker_id
        self.service = None
        self._stopped = False

    def _setUp(self):
        # Imported here: the conductor pulls in Nova's compute API, which
        # the database-only tests never need.
        from nova_ha_ext.conductor import manager
        from nova_ha_ext.conductor import service

        self.service = service.HAConductorService(
            manager.HAConductorManager(worker_id=self.worker_id))
        self.service.start()
        self.addCleanup(self.stop)

    @property
    def manager(self):
        return self.service.manager

    def stop(self):
        if not self._stopped:
            self._stopped = True
            self.service.stop()

    def kill(self):
        """Stop as a crashed worker would: its leases stay until expiry."""
        if not self._stopped:
            self._stopped = True
            self.service.kill()
