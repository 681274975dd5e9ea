"""List the extension's policy rules among Nova's own.

Nova's policy tooling reads one list: ``nova.policies.list_rules``. The
``oslo.policy.policies`` entry point ``nova`` names it (so
``oslopolicy-sample-generator --namespace nova`` prints it), Nova's
enforcer registers it (``nova.policy.register_rules``, which
``oslopolicy-policy-generator --namespace nova`` and every nova-api use),
and ``nova-policy policy check`` filters it. Nova has no plug-in point for
more rules, and a second entry point named ``nova`` would replace Nova's
(stevedore keeps one extension per name).

So, as for the driver alias (``virt/alias.py``), the distribution installs
a ``.pth`` file whose one line calls ``install()`` at interpreter start-up.
``install()`` puts a finder first on ``sys.meta_path`` that answers for
``nova.policies`` alone: it lets Python's own path finder find Nova's
module, runs it unchanged, then wraps its ``list_rules`` so that it
returns Nova's rules followed by this extension's. No Nova file changes;
with the extension uninstalled (no ``.pth``), Nova's list is Nova's.

Like the alias, this runs in every Python process of the environment: it
imports nothing beyond the interpreter's own modules until ``nova.policies``
is imported.
"""

from importlib import machinery
import itertools
import sys

from nova_ha_ext import meta_path

MODULE = 'nova.policies'
_MARK = 'nova_ha_ext_rules'


def _chain(module):
    """Make ``module.list_rules`` return the extension's rules too."""
    nova_list_rules = module.list_rules
    if getattr(nova_list_rules, _MARK, False):
        return

    def list_rules():
        # Imported on first call: the module imports oslo.policy.
        from nova_ha_ext import policies
        return itertools.chain(nova_list_rules(), policies.list_rules())

    list_rules.__doc__ = nova_list_rules.__doc__
    setattr(list_rules, _MARK, True)
    module.list_rules = list_rules


class _Loader:
    """Nova's own loader of ``nova.policies``, then :func:`_chain`."""

    def __init__(self, loader):
        self._loader = loader

    def __getattr__(self, name):
        return getattr(self._loader, name)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _chain(module)


class _Finder:
    """A ``sys.meta_path`` finder for ``nova.policies`` alone."""

    nova_ha_ext_policies = True

    def find_spec(self, fullname, path=None, target=None):
        if fullname != MODULE:
            return None
        spec = machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _Loader(spec.loader)
        return spec

    def invalidate_caches(self):
        pass


def installed():
    return meta_path.installed('nova_ha_ext_policies')


def install():
    """Chain the rules into ``nova.policies`` (once; safe to call again).

    The finder goes first so that it, not Python's path finder, hands out
    the module's spec; it still loads Nova's file from where Python would.
    """
    if MODULE in sys.modules:
        _chain(sys.modules[MODULE])
    meta_path.install(_Finder(), 'nova_ha_ext_policies', first=True)
