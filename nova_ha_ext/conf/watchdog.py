"""[nova_ha] options of the libvirt watchdog ``notify`` action.

Read by nova-compute running ``compute_driver = ha_libvirt.HALibvirtDriver``
(the driver registers them on Nova's CONF when it is constructed).
"""

from oslo_config import cfg

from nova_ha_ext.conf import database

GROUP = database.GROUP

OPTS = [
    cfg.BoolOpt(
        'notify_all_watchdog_actions',
        default=False,
        help='Send the instance.watchdog notification (and record the '
             '"watchdog" instance action) whenever the watchdog of any '
             'guest on this host fires, whatever its action: reset, '
             'poweroff, pause and none as well as notify. When false, only '
             'guests whose flavor has hw:watchdog_action=notify or whose '
             'image has ha_watchdog_action=notify are reported; the other '
             'actions then behave exactly as in Nova.'),
    cfg.IntOpt(
        'watchdog_notify_interval',
        default=60,
        min=0,
        help='Seconds during which further firings of one guest\'s '
             'watchdog after a reported one are counted but not reported: '
             'a guest that keeps crashing (for example, reset after each '
             'kernel panic) sends at most one instance.watchdog '
             'notification per interval, and the next one carries in '
             '"suppressed" how many firings were left out. 0 reports '
             'every firing.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
