"""The driver is importable the way Nova imports compute drivers."""

from importlib import machinery
import os
import subprocess
import sys

from nova import test
from oslo_utils import importutils

from nova_ha_ext.virt import alias
from nova_ha_ext.virt import driver as ha_driver


class AliasTestCase(test.NoDBTestCase):

    def test_nova_imports_the_driver_by_its_nova_conf_name(self):
        # What nova.virt.driver.load_compute_driver does with
        # [DEFAULT] compute_driver.
        self.assertEqual('ha_libvirt.HALibvirtDriver', alias.COMPUTE_DRIVER)
        self.assertIs(
            ha_driver.HALibvirtDriver,
            importutils.import_class('nova.virt.' + alias.COMPUTE_DRIVER))

    def test_install_answers_one_name_only(self):
        alias.install()
        finders = [f for f in sys.meta_path
                   if getattr(f, 'nova_ha_ext_alias', False)]
        self.assertEqual(1, len(finders))
        # After Python's path finder: a module Nova ships wins.
        self.assertLess(sys.meta_path.index(machinery.PathFinder),
                        sys.meta_path.index(finders[0]))
        self.assertIsNone(finders[0].find_spec('nova.virt.ha_other'))
        self.assertIsNone(finders[0].find_spec('nova.virt.libvirt'))
        self.assertIsNotNone(finders[0].find_spec(alias.MODULE))

    def test_fresh_interpreter_loads_the_driver(self):
        # Start-up alone (the .pth file) must make the name importable,
        # without importing Nova before it is asked for.
        code = (
            'import sys\n'
            'assert "nova" not in sys.modules, "nova imported at start-up"\n'
            'from oslo_utils import importutils\n'
            'cls = importutils.import_class("nova.virt.%s")\n'
            'print(cls.__module__ + "." + cls.__name__)\n'
            % alias.COMPUTE_DRIVER)
        out = subprocess.run(
            [sys.executable, '-W', 'ignore', '-c', code],
            capture_output=True, text=True, timeout=120,
            env=dict(os.environ, OS_NOVA_DISABLE_EVENTLET_PATCHING='1'))
        self.assertEqual(0, out.returncode, out.stderr)
        self.assertEqual('nova_ha_ext.virt.driver.HALibvirtDriver',
                         out.stdout.strip())
