"""The ``sys.meta_path`` finders the ``.pth`` files install.

Imported at every interpreter start-up of the environment (see
``virt/alias.py`` and ``nova_policy_hook.py``): standard library only.
"""

import sys


def installed(mark):
    """True when a finder carrying the attribute ``mark`` is installed."""
    return any(getattr(finder, mark, False) for finder in sys.meta_path)


def install(finder, mark, first=False):
    """Add ``finder`` (once per ``mark``): last, or first if ``first``.

    The mark survives re-imports of the finder's module, so installing
    stays idempotent even if the module object was replaced.
    """
    if installed(mark):
        return
    if first:
        sys.meta_path.insert(0, finder)
    else:
        sys.meta_path.append(finder)
