"""Nova's fake libvirt, extended with the watchdog domain event.

Nova's fake connection (``nova.tests.fixtures.libvirt.Connection``) keeps
the callbacks registered with ``domainEventRegisterAny`` but never fires a
watchdog event, and its domains forget the devices it does not model (the
watchdog among them) when they render their XML. ``WatchdogConnection``
adds both: ``fire_watchdog`` runs the registered callback on a native
thread, as libvirt's event loop does, and ``domain_xml`` keeps the XML the
driver defined each domain with.
"""

import fixtures
from lxml import etree

from nova.tests.fixtures import libvirt as fakelibvirt
from nova import utils

from nova_ha_ext.virt import events

WATCHDOG_NONE = events.LIBVIRT_WATCHDOG_ACTIONS.index('none')
WATCHDOG_PAUSE = events.LIBVIRT_WATCHDOG_ACTIONS.index('pause')
WATCHDOG_RESET = events.LIBVIRT_WATCHDOG_ACTIONS.index('reset')


def _native_threading():
    if utils.concurrency_mode_threading():
        import threading
        return threading
    # NOTE: under eventlet "threading" is patched to green threads;
    # libvirt's event loop is a real OS thread.
    return utils.get_eventlet().patcher.original('threading')


class WatchdogConnection(fakelibvirt.Connection):

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.domain_xml = {}

    def _remember(self, dom, xml):
        self.domain_xml[dom.UUIDString()] = xml
        return dom

    def defineXML(self, xml):
        return self._remember(super().defineXML(xml), xml)

    def createXML(self, xml, flags):
        return self._remember(super().createXML(xml, flags), xml)

    def watchdog_devices(self, uuid):
        """The <watchdog> elements of the XML ``uuid`` was defined with,
        as dicts of their attributes."""
        tree = etree.fromstring(self.domain_xml[uuid])
        return [dict(dev.attrib) for dev in tree.findall('./devices/watchdog')]

    def fire_watchdog(self, uuid, action):
        """Fire ``uuid``'s watchdog; libvirt took ``action`` (its code)."""
        callback, opaque = self._event_callbacks[
            events.VIR_DOMAIN_EVENT_ID_WATCHDOG]
        dom = self.lookupByUUIDString(uuid)
        thread = _native_threading().Thread(
            target=callback, args=(self, dom, action, opaque))
        thread.start()
        thread.join()


class WatchdogLibvirtFixture(fixtures.Fixture):
    """Make Nova's libvirt fixtures create WatchdogConnections."""

    def _setUp(self):
        self.useFixture(fixtures.MonkeyPatch(
            'nova.tests.fixtures.libvirt.Connection', WatchdogConnection))
