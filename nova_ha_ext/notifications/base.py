"""Envelope pieces shared by every notification of the extension.

Nova's ``EventType`` and ``NotificationPublisher`` restrict the action and
the publishing service to enums of Nova's own verbs and binaries, so
``ha.host.force_down`` from ``nova-ha-conductor`` cannot be expressed with
them. The classes here have the same fields and wire format but free-form
strings; the rest (priority, payload handling, ``emit``) is Nova's
``NotificationBase``.
"""

import nova.conf
from nova.notifications.objects import base as nova_base
from nova.objects import base as obj_base
from nova.objects import fields

CONF = nova.conf.CONF

# The publishing services this package emits from.
SOURCE_API = 'nova-api'
SOURCE_COMPUTE = 'nova-compute'
SOURCE_HA_CONDUCTOR = 'nova-ha-conductor'


@obj_base.NovaObjectRegistry.register_notification
class HAEventType(nova_base.NotificationObject):
    """``<object>.<action>[.<phase>]``, e.g. ``ha.evacuation.start``."""

    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'object': fields.StringField(nullable=False),
        'action': fields.StringField(nullable=False),
        'phase': fields.NotificationPhaseField(nullable=True),
    }

    def __init__(self, object, action, phase=None):
        super().__init__()
        self.object = object
        self.action = action
        self.phase = phase

    def to_notification_event_type_field(self):
        parts = [self.object, self.action]
        if self.phase:
            parts.append(self.phase)
        return '.'.join(parts)


@obj_base.NovaObjectRegistry.register_notification
class HANotificationPublisher(nova_base.NotificationObject):
    """The emitting host and service (``publisher_id`` is source:host)."""

    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'host': fields.StringField(nullable=False),
        'source': fields.StringField(nullable=False),
    }

    def __init__(self, host, source):
        super().__init__()
        self.host = host
        self.source = source


@obj_base.NovaObjectRegistry.register_if(False)
class HANotificationBase(nova_base.NotificationBase):
    """Base of the extension's notifications; subclasses add ``payload``."""

    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'priority': fields.NotificationPriorityField(),
        'event_type': fields.ObjectField('HAEventType'),
        'publisher': fields.ObjectField('HANotificationPublisher'),
    }


def publisher(source, host=None):
    """The publisher for ``source`` on this host (``[DEFAULT] host``)."""
    return HANotificationPublisher(host=host or CONF.host, source=source)


def emit(context, notification_cls, object, action, source, payload,
         priority=fields.NotificationPriority.INFO, host=None):
    """Build ``<object>.<action>`` from ``source`` and send it."""
    notification_cls(
        context=context,
        priority=priority,
        event_type=HAEventType(object=object, action=action),
        publisher=publisher(source, host=host),
        payload=payload,
    ).emit(context)
