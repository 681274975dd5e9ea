"""Nova's libvirt driver with the watchdog ``notify`` action.

Enabled in nova.conf with ``[DEFAULT] compute_driver =
ha_libvirt.HALibvirtDriver`` (see ``alias.py`` for how Nova finds it).
Everything else is Nova's LibvirtDriver unchanged.
"""

import nova.conf
from nova.virt import event as virtevent
from nova.virt.libvirt import config as vconfig
from nova.virt.libvirt import driver

from nova_ha_ext import conf as ha_conf
from nova_ha_ext.virt import events
from nova_ha_ext.virt import watchdog

CONF = nova.conf.CONF


class HALibvirtDriver(driver.LibvirtDriver):

    def __init__(self, virtapi, read_only=False):
        # NOTE: nova-compute registers only Nova's options; ours must be on
        # its CONF before anything reads them. Registering is idempotent.
        ha_conf.register_opts(CONF)
        super().__init__(virtapi, read_only=read_only)
        # NOTE: LibvirtDriver builds its Host itself and hands that object
        # to helpers (the VIF driver), so it is specialised in place rather
        # than replaced by a second Host that the helpers would not see.
        # WatchdogHost adds methods only, no state.
        self._host.__class__ = events.WatchdogHost
        self._watchdog_reporter = events.WatchdogReporter()

    def init_host(self, host):
        self._watchdog_reporter.host = host
        return super().init_host(host)

    def emit_event(self, event: virtevent.InstanceEvent) -> None:
        if isinstance(event, events.WatchdogEvent):
            self._watchdog_reporter.handle(event)
            return
        super().emit_event(event)

    @staticmethod
    def _guest_add_watchdog_action(guest, flavor, image_meta):
        # Nova's version raises InvalidWatchdogAction for "notify"; that
        # case is left to _get_guest_config, which also sees the image's
        # ha_watchdog_action (in the instance's system metadata).
        if watchdog.flavor_asks_notify(flavor, image_meta):
            return
        driver.LibvirtDriver._guest_add_watchdog_action(
            guest, flavor, image_meta)

    def _get_guest_config(self, instance, network_info, image_meta,
                          disk_info, rescue=None, block_device_info=None,
                          context=None, mdevs=None, accel_info=None,
                          share_info=None, old_guest=None):
        guest = super()._get_guest_config(
            instance, network_info, image_meta, disk_info, rescue=rescue,
            block_device_info=block_device_info, context=context,
            mdevs=mdevs, accel_info=accel_info, share_info=share_info,
            old_guest=old_guest)
        notify = watchdog.requested(
            instance.flavor, image_meta, instance.system_metadata)
        if notify is not None:
            _set_watchdog(guest, notify.then)
        return guest


def _set_watchdog(guest, action):
    """Give ``guest`` one i6300esb watchdog whose libvirt action is
    ``action``, in place of any Nova added."""
    bark = vconfig.LibvirtConfigGuestWatchdog()
    bark.action = action
    for index, device in enumerate(guest.devices):
        if isinstance(device, vconfig.LibvirtConfigGuestWatchdog):
            guest.devices[index] = bark
            return
    guest.add_device(bark)
