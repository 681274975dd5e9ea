"""Watchdog fired -> instance.watchdog emitted, in-process.

    python -m benchmarks.watchdog [--events 1000] [--mode both]

Runs on the functional tests' harness (Nova's real API, conductor,
scheduler, placement and compute manager; nova-ha-ext's libvirt driver on
Nova's fake libvirt): boots one guest with ``hw:watchdog_action=notify``,
then fires its watchdog ``--events`` times, one after another, from a
native thread as libvirt's event loop does, and times each firing until
its notification has been emitted (instance loaded, instance action
recorded, payload built and handed to the notifier). The rate limit is
off (``watchdog_notify_interval = 0``) so that every firing is reported.
Each concurrency mode runs in a process of its own, since eventlet
patching is process-wide.
"""
