"""Named fault points: where a test stalls or stops a worker or an API call.

The recovery state machine's safety rests on what happens when a worker
stalls past its lease or dies between two steps, or when two API calls
interleave. Tests prove it by acting at these points in the production
code path (not in a copy of it). In production no hook is set and
:func:`hit` is one dictionary lookup.

Points (keyword arguments passed to the hook in brackets):

``worker.task_claimed`` (worker_id, evacuation)
    a worker claimed a task's lease, before running it.
``worker.item_loaded`` (worker_id, item, instance)
    an attempt loaded its instance, before the final re-checks.
``worker.before_evacuate`` (worker_id, item, instance)
    after the final re-checks, immediately before Nova's evacuate: the
    residual window (see doc/recovery-state-machine.md).
``worker.after_evacuate`` (worker_id, item, migration)
    Nova accepted the evacuation; its migration is not yet recorded.
``worker.poll`` (worker_id, evacuation)
    each round of a task's loop, before it reads its items.
``worker.before_requeue`` (worker_id, evacuation, item)
    an attempt failed and will be retried, before the item goes back to
    pending.
``worker.before_finish`` (worker_id, evacuation)
    the task has nothing left to do, before its closing write.
``api.force_down.locked`` (host)
    a force-down holds the host's lock, before the storm guard.
``api.force_down.recorded`` (host, evacuation)
    the host failure is recorded, Nova's service not yet forced down.
``api.force_up.locked`` (host)
    a force-up holds the host's lock, before its checks.
"""

import threading

_hooks = {}
_lock = threading.Lock()


class Killed(BaseException):
    """Raised by a hook to stop the calling thread as a crash would.

    A BaseException so that no ``except Exception`` on the way up records
    anything: the process "died" at this point.
    """


def hit(name, **context):
    """Run the hook set for ``name``, if any."""
    hook = _hooks.get(name)
    if hook is not None:
        hook(name, **context)


def set_hook(name, hook):
    """Call ``hook(name, **context)`` at every hit of ``name``."""
    with _lock:
        _hooks[name] = hook


def clear(name=None):
    with _lock:
        if name is None:
            _hooks.clear()
        else:
            _hooks.pop(name, None)
