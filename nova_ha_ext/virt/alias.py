"""Make the driver importable as ``nova.virt.ha_libvirt``.

Nova loads its compute driver only as ``nova.virt.<compute_driver>``
(``nova.virt.driver.load_compute_driver``), so a driver shipped outside
Nova's own package cannot be named in nova.conf directly. Shipping a
``nova/virt/ha_libvirt.py`` would put a file inside Nova's package (and,
in an editable install, make setuptools map a second, partial ``nova``
package over the real one). Instead the distribution installs a ``.pth``
file (written by setup.py's ``build_driver_alias`` step, for wheels and
for PEP 660 editable installs alike) whose one line calls ``install()``
at interpreter start-up. ``install()`` appends a finder to
``sys.meta_path`` that answers for that single module name only, so
with it

    [DEFAULT]
    compute_driver = ha_libvirt.HALibvirtDriver

loads ``nova_ha_ext.virt.driver.HALibvirtDriver``.

This module runs in every Python process of the environment: it imports
nothing beyond what the interpreter has already loaded and does no work
until that one name is imported.
"""

import importlib
from importlib import machinery

from nova_ha_ext import meta_path

MODULE = 'nova.virt.ha_libvirt'
DRIVER_CLASS = 'HALibvirtDriver'
# The value of [DEFAULT] compute_driver that selects the driver.
COMPUTE_DRIVER = '%s.%s' % (MODULE.rsplit('.', 1)[1], DRIVER_CLASS)
_TARGET = 'nova_ha_ext.virt.driver'


class _AliasLoader:
    """Builds ``nova.virt.ha_libvirt`` as a small module of its own.

    It only re-exports the driver class: aliasing the real module object
    would rewrite its ``__spec__`` and ``__name__`` under Nova's name.
    """

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        target = importlib.import_module(_TARGET)
        module.__doc__ = ('nova-ha-ext libvirt driver, importable by Nova '
                          'as compute_driver = %s' % COMPUTE_DRIVER)
        setattr(module, DRIVER_CLASS, getattr(target, DRIVER_CLASS))
        module.__all__ = [DRIVER_CLASS]


class _AliasFinder:
    """A ``sys.meta_path`` finder for ``nova.virt.ha_libvirt`` alone."""

    # Marks our finder across re-imports of this module, so that install()
    # stays idempotent even if the module object was replaced.
    nova_ha_ext_alias = True

    def find_spec(self, fullname, path=None, target=None):
        if fullname != MODULE:
            return None
        return machinery.ModuleSpec(fullname, _AliasLoader(), origin=_TARGET)

    def invalidate_caches(self):
        pass


def installed():
    return meta_path.installed('nova_ha_ext_alias')


def install():
    """Add the finder to ``sys.meta_path`` (once; safe to call again).

    It goes last, after Python's own path finder, so that it never hides a
    module Nova itself might ship under that name.
    """
    meta_path.install(_AliasFinder(), 'nova_ha_ext_alias')
