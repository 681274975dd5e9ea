"""A host evacuation: the recovery task of one failed compute host."""

from nova import exception as nova_exception
from nova.objects import base
from nova.objects import fields
from oslo_utils import versionutils

from nova_ha_ext.db import evacuations as db
from nova_ha_ext.objects import fields as ha_fields
from nova_ha_ext.objects import instance_evacuation

# NOTE: loaded on demand only: listing tasks must not read every item.
_LAZY_FIELDS = ('instances',)


@base.NovaObjectRegistry.register
class HostEvacuation(base.NovaObject):
    # Version 1.0: Initial version
    # Version 1.1: Added closed_at
    # Version 1.2: Added forced_down_at, closed_reason, generation;
    #              get_open_by_host, finish, cancel, retry, close
    # Version 1.3: InstanceEvacuationList 1.2
    VERSION = '1.3'

    fields = {
        'id': fields.IntegerField(),
        'uuid': fields.UUIDField(),
        'host': fields.StringField(),
        'cell_uuid': fields.UUIDField(nullable=True),
        'status': ha_fields.HostEvacuationStatusField(),
        'selection': ha_fields.EvacuationSelectionField(),
        'requested_by': fields.StringField(nullable=True),
        'reason': fields.StringField(nullable=True),
        'fenced': fields.BooleanField(default=False),
        'service_disabled': fields.BooleanField(default=False),
        'withheld_reason': fields.StringField(nullable=True),
        'total_count': fields.IntegerField(default=0),
        'succeeded_count': fields.IntegerField(default=0),
        'failed_count': fields.IntegerField(default=0),
        'skipped_count': fields.IntegerField(default=0),
        'cancelled_count': fields.IntegerField(default=0),
        'lease_owner': fields.StringField(nullable=True),
        'lease_expires_at': fields.DateTimeField(nullable=True),
        'started_at': fields.DateTimeField(nullable=True),
        'finished_at': fields.DateTimeField(nullable=True),
        'closed_at': fields.DateTimeField(nullable=True),
        'forced_down_at': fields.DateTimeField(nullable=True),
        'closed_reason': fields.StringField(nullable=True),
        'generation': fields.IntegerField(default=0),
        'created_at': fields.DateTimeField(nullable=True),
        'updated_at': fields.DateTimeField(nullable=True),
        'instances': fields.ObjectField('InstanceEvacuationList'),
    }

    @staticmethod
    def _from_db_object(context, task, db_task):
        for key in task.fields:
            if key not in _LAZY_FIELDS:
                setattr(task, key, getattr(db_task, key))
        task._context = context
        task.obj_reset_changes()
        return task

    def obj_make_compatible(self, primitive, target_version):
        super().obj_make_compatible(primitive, target_version)
        version = versionutils.convert_version_to_tuple(target_version)
        if version < (1, 2):
            for key in ('forced_down_at', 'closed_reason', 'generation'):
                primitive.pop(key, None)
        if version < (1, 1):
            primitive.pop('closed_at', None)

    @property
    def is_active(self):
        """True while pending or running: the host has no other task."""
        return self.status in ha_fields.HostEvacuationStatus.ACTIVE

    @property
    def is_open(self):
        """True from the force-down until the force-up that closes it."""
        return self.closed_at is None

    @property
    def is_finished(self):
        """True once the task's work is closed (its last write done)."""
        return self.finished_at is not None

    def obj_load_attr(self, attrname):
        if attrname not in _LAZY_FIELDS:
            raise nova_exception.ObjectActionError(
                action='obj_load_attr',
                reason='attribute %s is not lazy-loadable' % attrname)
        if not self._context:
            raise nova_exception.OrphanedObjectError(
                method='obj_load_attr', objtype=self.obj_name())
        self.instances = (instance_evacuation.InstanceEvacuationList
                          .get_by_evacuation(self._context, self.uuid))
        self.obj_reset_changes([attrname])

    @classmethod
    @base.remotable
    def get_by_uuid(cls, context, uuid):
        """:raises HostEvacuationNotFound: no task has this uuid."""
        return cls._from_db_object(
            context, cls(), db.host_evacuation_get(context, uuid))

    @classmethod
    @base.remotable
    def get_active_by_host(cls, context, host):
        """The pending or running task of ``host``, or None."""
        db_task = db.host_evacuation_get_active_by_host(context, host)
        if db_task is None:
            return None
        return cls._from_db_object(context, cls(), db_task)

    @classmethod
    @base.remotable
    def get_open_by_host(cls, context, host):
        """The open host failure of ``host``, or None."""
        db_task = db.host_evacuation_get_open_by_host(context, host)
        if db_task is None:
            return None
        return cls._from_db_object(context, cls(), db_task)

    @base.remotable
    def create(self):
        """Write the task and, when ``instances`` is set, its items.

        Both are written in one transaction.

        :raises ActiveHostEvacuationExists: the host already has an active
            task; nothing is written.
        """
        if self.obj_attr_is_set('id'):
            raise nova_exception.ObjectActionError(
                action='create', reason='already created')
        updates = self.obj_get_changes()
        items = updates.pop('instances', None)
        item_values = [item.db_values() for item in items or []]
        db_task, db_items = db.host_evacuation_create(
            self._context, updates, item_values)
        self._from_db_object(self._context, self, db_task)
        if items is not None:
            self.instances = base.obj_make_list(
                self._context,
                instance_evacuation.InstanceEvacuationList(self._context),
                db_items)
            self.obj_reset_changes(['instances'])

    @base.remotable
    def save(self, expected=None):
        """Write the changed fields (items are saved on their own).

        :param expected: {field: value or list of values} the stored task
            must still hold, or HostEvacuationStateConflict is raised.
        :raises ActiveHostEvacuationExists: the task would become active
            again while its host has another active task.
        """
        updates = self.obj_get_changes()
        updates.pop('instances', None)
        for key in ('id', 'uuid', 'host'):
            if key in updates:
                raise nova_exception.ObjectActionError(
                    action='save', reason='%s cannot be changed' % key)
        if not updates and not expected:
            return
        db_task = db.host_evacuation_update(
            self._context, self.uuid, updates, expected=expected)
        self._from_db_object(self._context, self, db_task)

    @base.remotable
    def claim(self, owner, lease_seconds):
        """Take or renew this task's lease for worker ``owner``.

        :returns: True, with the object refreshed, when ``owner`` now holds
            the lease; False when another live worker does or the task is
            no longer active.
        """
        db_task = db.host_evacuation_claim(
            self._context, self.uuid, owner, lease_seconds)
        if db_task is None:
            return False
        self._from_db_object(self._context, self, db_task)
        return True

    @base.remotable
    def finish(self, owner):
        """Close the task's work if nothing is pending or in flight.

        :param owner: the worker holding the lease, or None (the API, for
            a task no worker holds).
        :returns: True when closed (the object refreshed); False when an
            item is unsettled, the generation moved (retry, cancel) or the
            lease is someone else's.
        """
        db_task = db.host_evacuation_finish(
            self._context, self.uuid, owner, self.generation)
        if db_task is None:
            return False
        self._from_db_object(self._context, self, db_task)
        return True

    @base.remotable
    def cancel(self, reason):
        """Cancel the pending items; returns the number in flight.

        :raises HostEvacuationNotActive: the task is finished.
        """
        db_task, in_flight = db.host_evacuation_cancel(
            self._context, self.uuid, reason)
        self._from_db_object(self._context, self, db_task)
        return in_flight

    @base.remotable
    def retry(self, instance_uuids):
        """Put the failed items of ``instance_uuids`` back to pending.

        :raises HostFailureClosed: the host failure is closed.
        """
        db_task = db.host_evacuation_retry(
            self._context, self.uuid, instance_uuids)
        self._from_db_object(self._context, self, db_task)

    @base.remotable
    def close(self, reason):
        """Close the host failure (force-up); pending items cancelled.

        :returns: the number of items still in flight, or None when it
            was closed already (the object is then left as it was).
        """
        db_task, in_flight = db.host_evacuation_close(
            self._context, self.uuid, reason)
        if db_task is None:
            return None
        self._from_db_object(self._context, self, db_task)
        return in_flight

    @base.remotable
    def refresh_counts(self):
        """Recompute the counters from the items' statuses."""
        db_task = db.host_evacuation_refresh_counts(self._context, self.uuid)
        self._from_db_object(self._context, self, db_task)


@base.NovaObjectRegistry.register
class HostEvacuationList(base.ObjectListBase, base.NovaObject):
    # Version 1.0: Initial version
    # Version 1.1: Added get_open, get_unfinished
    VERSION = '1.1'

    fields = {
        'objects': fields.ListOfObjectsField('HostEvacuation'),
    }

    @classmethod
    @base.remotable
    def get_all(cls, context, host=None, status=None, limit=None,
                marker=None):
        """Tasks, newest first.

        :param status: one status or a list of them.
        :param marker: uuid of the last task of the previous page.
        :raises MarkerNotFound: no task has the marker's uuid.
        """
        db_tasks = db.host_evacuation_get_all(
            context, host=host, status=status, limit=limit, marker=marker)
        return base.obj_make_list(context, cls(context), db_tasks)

    @classmethod
    @base.remotable
    def get_open(cls, context, cell_uuid=None):
        """Open host failures, of one cell when given."""
        db_tasks = db.host_evacuation_get_open(context, cell_uuid=cell_uuid)
        return base.obj_make_list(context, cls(context), db_tasks)

    @classmethod
    @base.remotable
    def get_unfinished(cls, context):
        """Tasks a worker must run or drain."""
        db_tasks = db.host_evacuation_get_unfinished(context)
        return base.obj_make_list(context, cls(context), db_tasks)

    @classmethod
    @base.remotable
    def get_active(cls, context, hosts=None):
        """Pending or running tasks, of ``hosts`` only when given."""
        db_tasks = db.host_evacuation_get_active(context, hosts=hosts)
        return base.obj_make_list(context, cls(context), db_tasks)
