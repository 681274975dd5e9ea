"""The .pth files setup.py installs, for an editable install as for a
wheel (its build_driver_alias step)."""

import os
import sys
import sysconfig

from nova import test

from nova_ha_ext import meta_path

PTH_FILES = {
    # nova.virt.ha_libvirt (virt/alias.py)
    'nova-ha-ext-driver.pth':
        'import nova_ha_ext.virt.alias; nova_ha_ext.virt.alias.install()',
    # the os-ha rules in nova.policies.list_rules (nova_policy_hook.py)
    'nova-ha-ext-policies.pth':
        'import nova_ha_ext.nova_policy_hook; '
        'nova_ha_ext.nova_policy_hook.install()',
}


class PthFilesTest(test.NoDBTestCase):

    def test_environment_has_the_pth_files(self):
        for name, line in PTH_FILES.items():
            path = os.path.join(sysconfig.get_paths()['purelib'], name)
            self.assertTrue(os.path.exists(path), path)
            with open(path) as f:
                self.assertEqual(line, f.read().strip())

    def test_install_is_idempotent_per_mark(self):
        self.addCleanup(setattr, sys, 'meta_path', list(sys.meta_path))

        class Finder:
            test_mark = True

            def find_spec(self, fullname, path=None, target=None):
                return None

        meta_path.install(Finder(), 'test_mark')
        meta_path.install(Finder(), 'test_mark', first=True)
        self.assertEqual(1, len([f for f in sys.meta_path
                                 if isinstance(f, Finder)]))
        self.assertIsInstance(sys.meta_path[-1], Finder)
        self.assertTrue(meta_path.installed('test_mark'))
