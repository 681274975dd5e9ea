"""``ha.evacuation.*`` and ``ha.instance_evacuation.error``."""

from nova.notifications.objects import base as nova_base
from nova.objects import base as obj_base
from nova.objects import fields

from nova_ha_ext.notifications import base
from nova_ha_ext.objects import fields as ha_fields


@obj_base.NovaObjectRegistry.register_notification
class HAEvacuationPayload(nova_base.NotificationPayloadBase):
    """A host evacuation and its counts."""

    # Version 1.0: Initial version
    VERSION = '1.0'

    SCHEMA = {name: ('evacuation', name) for name in (
        'uuid', 'host', 'status', 'selection', 'fenced', 'reason',
        'withheld_reason', 'total_count', 'succeeded_count', 'failed_count',
        'skipped_count', 'cancelled_count', 'started_at', 'finished_at')}

    fields = {
        'uuid': fields.UUIDField(),
        'host': fields.StringField(),
        'status': ha_fields.HostEvacuationStatusField(),
        'selection': ha_fields.EvacuationSelectionField(),
        'fenced': fields.BooleanField(),
        'reason': fields.StringField(nullable=True),
        'withheld_reason': fields.StringField(nullable=True),
        'total_count': fields.IntegerField(),
        'succeeded_count': fields.IntegerField(),
        'failed_count': fields.IntegerField(),
        'skipped_count': fields.IntegerField(),
        'cancelled_count': fields.IntegerField(),
        'started_at': fields.DateTimeField(nullable=True),
        'finished_at': fields.DateTimeField(nullable=True),
    }

    def __init__(self, evacuation):
        super().__init__()
        self.populate_schema(evacuation=evacuation)


@obj_base.NovaObjectRegistry.register_notification
class HAInstanceEvacuationPayload(nova_base.NotificationPayloadBase):
    """One instance of a host evacuation."""

    # Version 1.0: Initial version
    VERSION = '1.0'

    SCHEMA = {name: ('item', name) for name in (
        'evacuation_uuid', 'instance_uuid', 'status', 'attempts',
        'source_host', 'dest_host', 'last_error')}

    fields = {
        'evacuation_uuid': fields.UUIDField(),
        'instance_uuid': fields.UUIDField(),
        'status': ha_fields.InstanceEvacuationStatusField(),
        'attempts': fields.IntegerField(),
        'source_host': fields.StringField(nullable=True),
        'dest_host': fields.StringField(nullable=True),
        'last_error': fields.StringField(nullable=True),
    }

    def __init__(self, item):
        super().__init__()
        self.populate_schema(item=item)


@nova_base.notification_sample('ha-evacuation-start.json')
@nova_base.notification_sample('ha-evacuation-end.json')
@nova_base.notification_sample('ha-evacuation-error.json')
@obj_base.NovaObjectRegistry.register_notification
class HAEvacuationNotification(base.HANotificationBase):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'payload': fields.ObjectField('HAEvacuationPayload'),
    }


@nova_base.notification_sample('ha-instance_evacuation-error.json')
@obj_base.NovaObjectRegistry.register_notification
class HAInstanceEvacuationNotification(base.HANotificationBase):
    # Version 1.0: Initial version
    VERSION = '1.0'

    fields = {
        'payload': fields.ObjectField('HAInstanceEvacuationPayload'),
    }


def notify_evacuation(context, evacuation, action):
    """``ha.evacuation.<action>``: start, end or error (with errors)."""
    priority = (fields.NotificationPriority.ERROR if action == 'error'
                else fields.NotificationPriority.INFO)
    base.emit(context, HAEvacuationNotification, 'ha.evacuation', action,
              base.SOURCE_HA_CONDUCTOR, HAEvacuationPayload(evacuation),
              priority=priority)


def notify_instance_error(context, item):
    """An instance could not be evacuated, all attempts spent."""
    base.emit(context, HAInstanceEvacuationNotification,
              'ha.instance_evacuation', 'error', base.SOURCE_HA_CONDUCTOR,
              HAInstanceEvacuationPayload(item),
              priority=fields.NotificationPriority.ERROR)
