# All metadata is in setup.cfg and the build backend is declared in
# pyproject.toml. This file adds one build step, which setup.cfg cannot
# express: the .pth file that makes the libvirt driver importable as
# nova.virt.ha_libvirt (see nova_ha_ext/virt/alias.py for why).
import os

import setuptools
from setuptools.command.build import build

PTH_NAME = 'nova-ha-ext-driver.pth'
# NOTE: a .pth line that starts with "import" is executed by the site
# module at interpreter start-up; alias.install() only appends a finder.
PTH_LINE = 'import nova_ha_ext.virt.alias; nova_ha_ext.virt.alias.install()\n'


class BuildDriverAlias(setuptools.Command):
    """Write nova-ha-ext-driver.pth to the top of the wheel."""

    description = 'write the .pth file that aliases nova.virt.ha_libvirt'
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
        with open(os.path.join(target, PTH_NAME), 'w') as f:
            f.write(PTH_LINE)

    def get_outputs(self):
        if self.editable_mode:
            return []
        return [os.path.join(self.build_lib, PTH_NAME)]

    def get_output_mapping(self):
        return {}


class BuildWithDriverAlias(build):
    sub_commands = build.sub_commands + [('build_driver_alias', None)]


setuptools.setup(cmdclass={
    'build': BuildWithDriverAlias,
    'build_driver_alias': BuildDriverAlias,
})
