"""``instance.watchdog``: a guest's watchdog fired.

The payload is Nova's ``InstanceActionPayload`` -- the instance as every
``instance.*`` notification describes it, so consumers parse it the same
way -- plus what happened: the action libvirt took, when the watchdog
fired, and how many firings of this guest were left unreported before this
one (see ``[nova_ha] watchdog_notify_interval``).
"""

from nova.notifications.objects import base as nova_base
from nova.notifications.objects import instance as instance_payloads
from nova.objects import base as obj_base
from nova.objects import fields
from nova import rpc

from nova_ha_ext.notifications import base as ha_base


@obj_base.NovaObjectRegistry.register_notification
class HAInstanceWatchdogPayload(instance_payloads.InstanceActionPayload):
    # Version 1.0: Initial version, on InstanceActionPayload 1.9
    VERSION = '1.0'

    fields = {
        # What libvirt did to the guest: none (for notify), reset,
        # poweroff, pause, shutdown, debug or inject-nmi.
        'watchdog_action': fields.StringField(),
        'event_time': fields.DateTimeField(),
        'suppressed': fields.NonNegativeIntegerField(),
    }

    def __init__(self, context, instance, watchdog_action, event_time,
                 suppressed, bdms=None):
        super().__init__(context=context, instance=instance, fault=None,
                         bdms=bdms)
        self.watchdog_action = watchdog_action
        self.event_time = event_time
        self.suppressed = suppressed


@nova_base.notification_sample('instance-watchdog.json')
@obj_base.NovaObjectRegistry.register_notification
class HAInstanceWatchdogNotification(ha_base.HANotificationBase):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'payload': fields.ObjectField('HAInstanceWatchdogPayload'),
    }


@rpc.if_notifications_enabled
def notify_watchdog(context, instance, host, watchdog_action, event_time,
                    suppressed):
    """Emit ``instance.watchdog`` for ``instance`` from nova-compute@host."""
    payload = HAInstanceWatchdogPayload(
        context=context, instance=instance, watchdog_action=watchdog_action,
        event_time=event_time, suppressed=suppressed)
    ha_base.emit(context, HAInstanceWatchdogNotification, 'instance',
                 'watchdog', ha_base.SOURCE_COMPUTE, payload, host=host)
