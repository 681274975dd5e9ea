# All metadata is in setup.cfg and the build backend is declared in
# pyproject.toml. This file adds one build step, which setup.cfg cannot
# express: the .pth files that make the libvirt driver importable as
# nova.virt.ha_libvirt (see nova_ha_ext/virt/alias.py for why) and list the
# extension's policy rules among Nova's (nova_ha_ext/nova_policy_hook.py).
import os

import setuptools
from setuptools.command.build import build

# NOTE: a .pth line that starts with "import" is executed by the site
# module at interpreter start-up; each install() only adds a finder.
PTH_FILES = {
    'nova-ha-ext-driver.pth':
        'import nova_ha_ext.virt.alias; nova_ha_ext.virt.alias.install()\n',
    'nova-ha-ext-policies.pth':
        'import nova_ha_ext.nova_policy_hook; '
        'nova_ha_ext.nova_policy_hook.install()\n',
}


class BuildDriverAlias(setuptools.Command):
    """Write the .pth files to the top of the wheel."""

    description = ('write the .pth files that alias nova.virt.ha_libvirt '
                   'and chain the policy rules into nova.policies')
    user_options = []

    def initialize_options(self):
        self.build_lib = None
        # Set by setuptools' editable_wheel (PEP 660 editable installs).
        self.editable_mode = False

    def finalize_options(self):
        self.set_undefined_options('build_py', ('build_lib', 'build_lib'))

    def _target_dir(self):
        if self.editable_mode:
            # NOTE: an editable wheel ignores build_lib (the package is
            # used from the checkout); what editable_wheel packs is the
            # unpacked wheel directory, which it makes install_lib.
            return self.get_finalized_command('install').install_lib
        return self.build_lib

    def run(self):
        target = self._target_dir()
        os.makedirs(target, exist_ok=True)
        for name, line in PTH_FILES.items():
            with open(os.path.join(target, name), 'w') as f:
                f.write(line)

    def get_outputs(self):
        if self.editable_mode:
            return []
        return [os.path.join(self.build_lib, name) for name in PTH_FILES]

    def get_output_mapping(self):
        return {}


class BuildWithDriverAlias(build):
    sub_commands = build.sub_commands + [('build_driver_alias', None)]


setuptools.setup(cmdclass={
    'build': BuildWithDriverAlias,
    'build_driver_alias': BuildDriverAlias,
})
