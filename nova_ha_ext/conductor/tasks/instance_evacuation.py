"""Evacuating one instance of a failed host, and confirming it moved."""

from nova.compute import api as compute
from nova.compute import vm_states
from nova.conductor.tasks import base
from nova import exception as nova_exception
from nova import objects
from oslo_log import log as logging
from oslo_utils import timeutils

import nova.conf

from nova_ha_ext import exception
from nova_ha_ext.objects import fields

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

_ITEM = fields.InstanceEvacuationStatus
# Loaded with the instance: what Nova's evacuate checks and sends on,
# as nova-api loads it; each one left out is a lazy load (a query) later.
_INSTANCE_ATTRS = ['metadata', 'system_metadata', 'security_groups',
                   'info_cache', 'flavor']
EVACUATION = 'evacuation'
# Migration statuses that end an evacuation.
MIGRATION_DONE = ('done',)
MIGRATION_FAILED = ('failed', 'error')


def find_migration(context, instance_uuid, source_host, since=None):
    """The newest evacuation migration of the instance off ``source_host``."""
    migrations = [
        migration for migration in objects.MigrationList.get_by_filters(
            context, {'instance_uuid': instance_uuid,
                      'source_compute': source_host,
                      'migration_type': EVACUATION})
        if since is None or migration.created_at >= since]
    if not migrations:
        return None
    return max(migrations, key=lambda m: (m.created_at, m.id))


class InstanceEvacuationTask(base.TaskBase):
    """Start (or adopt) the evacuation of one item.

    ``execute()`` returns True when an evacuation of the instance is in
    flight afterwards (the item is ``evacuating`` with its migration), or
    False when the item reached a terminal state or went back to wait for
    a retry.
    """

    def __init__(self, context, item, compute_api=None, adopting=False):
        super().__init__(context, None)
        self.item = item
        self.compute_api = compute_api or compute.API()
        #: True when a dead worker left the item evacuating.
        self.adopting = adopting

    def _execute(self):
        item = self.item
        try:
            instance = objects.Instance.get_by_uuid(
                self.context, item.instance_uuid,
                expected_attrs=_INSTANCE_ATTRS)
        except nova_exception.InstanceNotFound:
            finish(item, _ITEM.SKIPPED, 'the instance was deleted')
            return False
        self.instance = instance
        if instance.host != item.source_host:
            # Moved already: by an earlier attempt of a worker that died
            # before recording it, or by someone else. Never again.
            finish(item, _ITEM.SUCCEEDED, None, dest_host=instance.host)
            return False
        started = item.started_at
        # NOTE: only an item a worker already started (a retry, or one
        # adopted from a dead worker) can have an evacuation under way; a
        # fresh first attempt skips the lookup.
        migration = None
        if self.adopting or item.attempts > 1:
            migration = find_migration(self.context, instance.uuid,
                                       item.source_host, since=started)
        if migration is not None and migration.status not in (
                MIGRATION_DONE + MIGRATION_FAILED):
            # An evacuation is already under way (this worker's previous
            # incarnation called Nova, then died): follow it.
            record_migration(item, migration)
            return True

        target_state = (vm_states.STOPPED
                        if item.original_vm_state == vm_states.STOPPED
                        else None)
        # NOTE: on_shared_storage=None lets the compute service find out
        # (microversion 2.14 semantics); host=None lets the scheduler pick,
        # with the extension's filters (failure domains, reserved hosts).
        self.compute_api.evacuate(self.context, instance, None, None,
                                  target_state=target_state)
        migration = find_migration(self.context, instance.uuid,
                                   item.source_host, since=started)
        if migration is None:
            raise exception.HostEvacuationStateConflict(
                uuid=item.evacuation_uuid,
                expected='an evacuation migration for %s' % instance.uuid)
        # NOTE: with synchronous RPC the migration may be settled already;
        # the caller's next poll confirms it either way.
        record_migration(item, migration)
        return True

    def rollback(self, ex):
        LOG.warning('Evacuation of instance %s (attempt %d) failed to '
                    'start: %s', self.item.instance_uuid, self.item.attempts,
                    ex)


def record_migration(item, migration):
    item.migration_id = migration.id
    if migration.dest_compute:
        item.dest_host = migration.dest_compute
    item.save()


def finish(item, status, error, dest_host=None):
    item.status = status
    item.last_error = error
    item.finished_at = timeutils.utcnow()
    item.next_attempt_at = None
    if dest_host:
        item.dest_host = dest_host
    item.save()
