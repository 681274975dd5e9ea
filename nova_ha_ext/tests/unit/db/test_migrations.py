"""Schema migrations: every revision applies, one head, models in sync.

Runs on SQLite always and on MariaDB/MySQL and PostgreSQL when their
servers answer (see nova_ha_ext.tests.db_backends); otherwise those tests
skip and say which backend was missing.
"""

from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import test_fixtures
from oslo_db.sqlalchemy import test_migrations
import sqlalchemy as sa

from nova import test
from nova_ha_ext.db import migration
from nova_ha_ext.db import models
from nova_ha_ext.tests import db_backends

db_backends.use_default_admin_urls()

load_tests = test_fixtures.optimize_module_test_loader()

_TABLES = {'host_evacuations', 'instance_evacuations'}


class _MigrationsTests(test_fixtures.OpportunisticDBTestMixin):
    # NOTE: the opportunistic fixture provides the (empty) database itself
    # and Nova's DB poisoning must stay off for it.
    USES_DB_SELF = True

    def setUp(self):
        super().setUp()
        self.engine = enginefacade.writer.get_engine()

    def test_single_head(self):
        heads = migration.script_directory().get_heads()
        self.assertEqual([migration.head_revision()], heads)

    def test_walk_versions(self):
        self.assertIsNone(migration.db_version(self.engine))
        revisions = list(reversed(list(
            migration.script_directory().walk_revisions())))
        self.assertEqual(None, revisions[0].down_revision)
        for revision in revisions:
            migration.db_sync(self.engine, version=revision.revision)
            self.assertEqual(revision.revision,
                             migration.db_version(self.engine))
        self.assertEqual(migration.head_revision(),
                         migration.db_version(self.engine))
        tables = set(sa.inspect(self.engine).get_table_names())
        self.assertTrue(_TABLES.issubset(tables), tables)

    def test_sync_is_idempotent(self):
        migration.db_sync(self.engine)
        migration.db_sync(self.engine)
        self.assertEqual(migration.head_revision(),
                         migration.db_version(self.engine))


class _ModelsSync(test_migrations.ModelsMigrationsSync):

    def db_sync(self, engine):
        migration.db_sync(engine)

    def get_engine(self):
        return self.engine

    def get_metadata(self):
        return models.BASE.metadata

    def include_object(self, object_, name, type_, reflected, compare_to):
        # NOTE: the revision table belongs to Alembic, not to the models.
        return not (type_ == 'table' and name == migration.VERSION_TABLE)


class TestMigrationsSQLite(_MigrationsTests, _ModelsSync,
                           test.NoDBTestCase):
    pass


class TestMigrationsMySQL(_MigrationsTests, _ModelsSync, test.NoDBTestCase):
    FIXTURE = test_fixtures.MySQLOpportunisticFixture


class TestMigrationsPostgreSQL(_MigrationsTests, _ModelsSync,
                               test.NoDBTestCase):
    FIXTURE = test_fixtures.PostgresqlOpportunisticFixture
