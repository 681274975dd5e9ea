"""InstanceEvacuation and its list against a real (SQLite) database."""

from nova import exception as nova_exception
from oslo_utils.fixture import uuidsentinel as uuids

from nova_ha_ext import exception
from nova_ha_ext.objects import instance_evacuation
from nova_ha_ext.tests.unit.objects import base

InstanceEvacuation = instance_evacuation.InstanceEvacuation
InstanceEvacuationList = instance_evacuation.InstanceEvacuationList


class TestInstanceEvacuation(base.ObjectDBTestCase):

    def setUp(self):
        super().setUp()
        self.task = self.make_task(items=[uuids.vm1, uuids.vm2])

    def test_get_and_save(self):
        item = InstanceEvacuation.get(self.ctxt, self.task.uuid, uuids.vm1)
        self.assertEqual(('pending', 0, 0),
                         (item.status, item.attempts, item.priority))
        item.status = 'evacuating'
        item.attempts = 1
        item.dest_host = 'compute7'
        item.save(expected={'status': 'pending'})
        again = InstanceEvacuation.get(self.ctxt, self.task.uuid, uuids.vm1)
        self.assertEqual(('evacuating', 1, 'compute7'),
                         (again.status, again.attempts, again.dest_host))
        self.assertFalse(again.is_terminal)

    def test_two_workers_cannot_both_start(self):
        mine = InstanceEvacuation.get(self.ctxt, self.task.uuid, uuids.vm1)
        theirs = InstanceEvacuation.get(self.ctxt, self.task.uuid, uuids.vm1)
        mine.status = theirs.status = 'evacuating'
        mine.save(expected={'status': 'pending'})
        self.assertRaises(exception.InstanceEvacuationStateConflict,
                          theirs.save, expected={'status': 'pending'})

    def test_unknown_item(self):
        error = self.assertRaises(
            exception.InstanceEvacuationNotFound, InstanceEvacuation.get,
            self.ctxt, self.task.uuid, uuids.vm9)
        self.assertIn(uuids.vm9, str(error))

    def test_instance_uuid_cannot_change(self):
        item = InstanceEvacuation.get(self.ctxt, self.task.uuid, uuids.vm1)
        item.instance_uuid = uuids.vm3
        self.assertRaises(nova_exception.ObjectActionError, item.save)

    def test_list_by_evacuation(self):
        items = InstanceEvacuationList.get_by_evacuation(
            self.ctxt, self.task.uuid)
        self.assertEqual({uuids.vm1, uuids.vm2},
                         {i.instance_uuid for i in items})
        self.assertRaises(exception.HostEvacuationNotFound,
                          InstanceEvacuationList.get_by_evacuation,
                          self.ctxt, uuids.missing)
