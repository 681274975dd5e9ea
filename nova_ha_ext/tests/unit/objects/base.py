"""Shared set-up of the DB-backed object tests (SQLite)."""

from nova import context as nova_context
from nova import test

from nova_ha_ext import objects
from oslo_utils import timeutils

from nova_ha_ext.objects import host_evacuation
from nova_ha_ext.objects import instance_evacuation
from nova_ha_ext.tests import fixtures as ha_fixtures

objects.register_all()


class ObjectDBTestCase(test.NoDBTestCase):
    # NOTE: HADatabase provides the database; Nova's poisoning of oslo.db
    # engines must stay off for it.
    USES_DB_SELF = True

    def setUp(self):
        super().setUp()
        self.ha_db = self.useFixture(ha_fixtures.HADatabase())
        self.ctxt = nova_context.RequestContext(
            'fake-user', 'fake-project', is_admin=True)

    def make_task(self, host='compute1', status='pending', items=(),
                  **values):
        values.setdefault('forced_down_at', timeutils.utcnow())
        task = host_evacuation.HostEvacuation(
            self.ctxt, host=host, status=status, selection='tagged',
            **values)
        if items:
            task.instances = instance_evacuation.InstanceEvacuationList(
                self.ctxt, objects=[
                    instance_evacuation.InstanceEvacuation(
                        self.ctxt, instance_uuid=uuid, status='pending')
                    for uuid in items])
        task.create()
        return task
