"""nova-ha-manage, run as operators run it: a process and a config file."""

from importlib import metadata
import os
import subprocess
import sys

import fixtures
from nova import test
import sqlalchemy as sa

from nova_ha_ext.cmd import manage
from nova_ha_ext.db import migration


class TestManage(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def _config(self, connection):
        path = os.path.join(self.tmp, 'nova.conf')
        with open(path, 'w') as conf:
            conf.write('[nova_ha]\nconnection = %s\n' % connection)
        return path

    def _manage(self, connection, *args):
        # NOTE: a process of its own: the command parses the global CONF
        # and configures the process-wide transaction context.
        return subprocess.run(
            [sys.executable, '-m', 'nova_ha_ext.cmd.manage',
             '--config-file', self._config(connection)] + list(args),
            capture_output=True, text=True, timeout=120)

    def test_entry_point_is_main(self):
        scripts = metadata.entry_points(group='console_scripts',
                                        name='nova-ha-manage')
        self.assertEqual([manage.main], [ep.load() for ep in scripts])

    def test_sync_then_version(self):
        db_file = os.path.join(self.tmp, 'nova_ha.sqlite')
        url = 'sqlite:///' + db_file

        before = self._manage(url, 'db', 'version')
        self.assertEqual((0, 'None'), (before.returncode,
                                       before.stdout.strip()), before.stderr)

        sync = self._manage(url, 'db', 'sync')
        self.assertEqual(0, sync.returncode, sync.stderr)

        version = self._manage(url, 'db', 'version')
        self.assertEqual(0, version.returncode, version.stderr)
        self.assertEqual(migration.head_revision(), version.stdout.strip())
        engine = sa.create_engine(url)
        self.addCleanup(engine.dispose)
        self.assertIn('host_evacuations',
                      sa.inspect(engine).get_table_names())

    def test_unknown_revision(self):
        url = 'sqlite:///' + os.path.join(self.tmp, 'nova_ha.sqlite')
        result = self._manage(url, 'db', 'sync', '--version', 'abc123abc123')
        self.assertEqual(1, result.returncode)
        self.assertIn("Can't locate revision identified by 'abc123abc123'",
                      result.stderr)

    def test_unreachable_database(self):
        # NOTE: port 9 (discard) on loopback: refused at once.
        result = self._manage(
            'mysql+pymysql://nova:s3cret@127.0.0.1:9/nova_ha', 'db', 'sync')
        self.assertEqual(1, result.returncode)
        self.assertIn('ERROR: cannot connect to the nova-ha database at '
                      'mysql+pymysql://nova:***@127.0.0.1:9/nova_ha',
                      result.stderr)
        self.assertIn('[nova_ha] connection', result.stderr)
        self.assertNotIn('s3cret', result.stderr)
        self.assertNotIn('Traceback', result.stderr + result.stdout)

    def test_invalid_url(self):
        result = self._manage('nosuchdriver://x/y', 'db', 'version')
        self.assertEqual(1, result.returncode)
        self.assertIn('ERROR: invalid [nova_ha] connection', result.stderr)
        self.assertNotIn('Traceback', result.stderr + result.stdout)
