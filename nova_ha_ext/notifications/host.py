"""``ha.host.force_down`` and ``ha.host.force_up``."""

from nova.notifications.objects import base as nova_base
from nova.objects import base as obj_base
from nova.objects import fields

from nova_ha_ext.notifications import base


@obj_base.NovaObjectRegistry.register_notification
class HAHostPayload(nova_base.NotificationPayloadBase):
    """A compute host as the force-down/up call left it."""

    # Version 1.0: Initial version
    VERSION = '1.0'

    SCHEMA = {
        'host': ('service', 'host'),
        'forced_down': ('service', 'forced_down'),
        'disabled': ('service', 'disabled'),
        'disabled_reason': ('service', 'disabled_reason'),
    }

    fields = {
        'host': fields.StringField(),
        'forced_down': fields.BooleanField(),
        'disabled': fields.BooleanField(),
        'disabled_reason': fields.StringField(nullable=True),
        'fenced': fields.BooleanField(nullable=True),
        'reason': fields.StringField(nullable=True),
        'evacuation_uuid': fields.UUIDField(nullable=True),
        'selection': fields.StringField(nullable=True),
        'withheld_reason': fields.StringField(nullable=True),
    }

    def __init__(self, service, evacuation=None):
        super().__init__()
        self.populate_schema(service=service)
        self.fenced = evacuation.fenced if evacuation else None
        self.reason = evacuation.reason if evacuation else None
        self.evacuation_uuid = evacuation.uuid if evacuation else None
        self.selection = evacuation.selection if evacuation else None
        self.withheld_reason = (evacuation.withheld_reason
                                if evacuation else None)


@nova_base.notification_sample('ha-host-force_down.json')
@nova_base.notification_sample('ha-host-force_up.json')
@obj_base.NovaObjectRegistry.register_notification
class HAHostNotification(base.HANotificationBase):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'payload': fields.ObjectField('HAHostPayload'),
    }


def _emit(context, action, service, evacuation=None):
    base.emit(context, HAHostNotification, 'ha.host', action,
              base.SOURCE_API, HAHostPayload(service, evacuation))


def notify_force_down(context, service, evacuation):
    """The host was forced down; ``evacuation`` is the task recorded."""
    _emit(context, 'force_down', service, evacuation)


def notify_force_up(context, service, failure=None, reason=None,
                    source=base.SOURCE_API):
    """The host was forced up. The automatic return names the host failure
    it closed (``failure``) and says why (``reason``)."""
    payload = HAHostPayload(service, failure)
    payload.reason = reason
    base.emit(context, HAHostNotification, 'ha.host', 'force_up', source,
              payload)
