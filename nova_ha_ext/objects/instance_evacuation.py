"""The evacuation of one instance, an item of a host evacuation."""

from nova import exception as nova_exception
from nova.objects import base
from nova.objects import fields
from oslo_utils import versionutils

from nova_ha_ext.db import evacuations as db
from nova_ha_ext.objects import fields as ha_fields

# NOTE: the object's own fields that are not plain columns of the table.
_NOT_COLUMNS = ('evacuation_uuid',)


@base.NovaObjectRegistry.register
class InstanceEvacuation(base.NovaObject):
    # Version 1.0: Initial version
    # Version 1.1: Added call_window_ms
    # Version 1.2: save() takes task_expected
    VERSION = '1.2'

    fields = {
        'id': fields.IntegerField(),
        'evacuation_uuid': fields.UUIDField(),
        'instance_uuid': fields.UUIDField(),
        'status': ha_fields.InstanceEvacuationStatusField(),
        'attempts': fields.IntegerField(default=0),
        'last_error': fields.StringField(nullable=True),
        'source_host': fields.StringField(nullable=True),
        'dest_host': fields.StringField(nullable=True),
        'migration_id': fields.IntegerField(nullable=True),
        'priority': fields.IntegerField(default=0),
        'server_group_uuid': fields.UUIDField(nullable=True),
        'original_vm_state': fields.StringField(nullable=True),
        'next_attempt_at': fields.DateTimeField(nullable=True),
        'started_at': fields.DateTimeField(nullable=True),
        'finished_at': fields.DateTimeField(nullable=True),
        'call_window_ms': fields.FloatField(nullable=True),
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
    }

    @staticmethod
    def _from_db_object(context, item, db_item):
        for key in item.fields:
            if key == 'evacuation_uuid':
                item.evacuation_uuid = db_item.host_evacuation.uuid
            else:
                setattr(item, key, getattr(db_item, key))
        item._context = context
        item.obj_reset_changes()
        return item

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        if versionutils.convert_version_to_tuple(target_version) < (1, 1):
            primitive.pop('call_window_ms', None)

    @property
    def is_terminal(self):
        return self.status in ha_fields.InstanceEvacuationStatus.TERMINAL

    def db_values(self):
        """The changed fields as columns, for creating the item's row."""
        return {key: value for key, value in self.obj_get_changes().items()
                if key not in _NOT_COLUMNS and key != 'id'}

    @classmethod
    @base.remotable
    def get(cls, context, evacuation_uuid, instance_uuid):
        db_item = db.instance_evacuation_get(
            context, evacuation_uuid, instance_uuid)
        return cls._from_db_object(context, cls(), db_item)

    @base.remotable
    def save(self, expected=None, task_expected=None):
        """Write the changed fields.

        :param expected: {field: value or list of values} the stored item
            must still hold, or InstanceEvacuationStateConflict is raised.
        :param task_expected: the same for the item's host evacuation,
            checked under a lock of its row.
        """
        updates = self.obj_get_changes()
        for key in ('id', 'evacuation_uuid', 'instance_uuid'):
            if key in updates:
                raise nova_exception.ObjectActionError(
                    action='save', reason='%s cannot be changed' % key)
        if not updates and not expected and not task_expected:
            return
        db_item = db.instance_evacuation_update(
            self._context, self.evacuation_uuid, self.instance_uuid,
            updates, expected=expected, task_expected=task_expected)
        self._from_db_object(self._context, self, db_item)


@base.NovaObjectRegistry.register
class InstanceEvacuationList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: Initial version
    # Version 1.1: InstanceEvacuation 1.1
    # Version 1.2: InstanceEvacuation 1.2
    VERSION = '1.2'

    fields = {
        'objects': fields.ListOfObjectsField('InstanceEvacuation'),
    }

    @classmethod
    @base.remotable
    def get_by_evacuation(cls, context, evacuation_uuid):
        """Items of a task, highest priority first.

        :raises HostEvacuationNotFound: no task has this uuid.
        """
        db_items = db.instance_evacuation_get_all(context, evacuation_uuid)
        return base.obj_make_list(context, cls(context), db_items)
