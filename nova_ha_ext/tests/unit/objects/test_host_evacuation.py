"""HostEvacuation and HostEvacuationList against a real (SQLite) database."""

from nova import exception as nova_exception
from oslo_utils.fixture import uuidsentinel as uuids
from oslo_utils import timeutils

from nova_ha_ext import exception
from nova_ha_ext.objects import host_evacuation
from nova_ha_ext.tests.unit.objects import base

HostEvacuation = host_evacuation.HostEvacuation
HostEvacuationList = host_evacuation.HostEvacuationList


class TestHostEvacuation(base.ObjectDBTestCase):

    def test_create_with_items(self):
        task = self.make_task(items=[uuids.vm1, uuids.vm2], fenced=True,
                              requested_by='admin/admin-project')
        self.assertTrue(task.is_active)
        self.assertEqual(2, task.total_count)
        self.assertEqual(set(), task.obj_what_changed())
        self.assertEqual({task.uuid}, {i.evacuation_uuid
                                        for i in task.instances})

        loaded = HostEvacuation.get_by_uuid(self.ctxt, task.uuid)
        self.assertEqual(('compute1', True, 'admin/admin-project', False),
                         (loaded.host, loaded.fenced, loaded.requested_by,
                          loaded.service_disabled))
        self.assertIsNotNone(loaded.created_at)
        self.assertEqual({uuids.vm1, uuids.vm2},
                         {i.instance_uuid for i in loaded.instances})

    def test_create_twice_is_refused(self):
        task = self.make_task()
        self.assertRaises(nova_exception.ObjectActionError, task.create)

    def test_second_active_task_writes_nothing(self):
        first = self.make_task(items=[uuids.vm1])
        error = self.assertRaises(
            exception.ActiveHostEvacuationExists, self.make_task,
            items=[uuids.vm2])
        self.assertIn('compute1', str(error))
        self.assertEqual(409, error.code)
        self.assertEqual([first.uuid],
                         [t.uuid for t in HostEvacuationList.get_all(
                             self.ctxt)])
        self.assertEqual([uuids.vm1], [
            i.instance_uuid for i in HostEvacuation.get_by_uuid(
                self.ctxt, first.uuid).instances])

    def test_closed_failure_frees_host(self):
        first = self.make_task()
        first.status = 'completed'
        first.save()
        self.assertFalse(first.is_active)
        self.assertTrue(first.is_open)
        self.assertEqual(first.uuid, HostEvacuation.get_open_by_host(
            self.ctxt, 'compute1').uuid)
        self.assertEqual(0, first.close('forced up'))
        self.assertFalse(first.is_open)
        self.assertIsNone(first.close('again'))
        second = self.make_task()
        self.assertEqual(second.uuid, HostEvacuation.get_open_by_host(
            self.ctxt, 'compute1').uuid)

    def test_save_with_expected_status(self):
        task = self.make_task()
        task.status = 'running'
        task.save(expected={'status': 'pending'})
        stale = HostEvacuation.get_by_uuid(self.ctxt, task.uuid)
        task.status = 'cancelled'
        task.save()
        stale.status = 'completed'
        self.assertRaises(exception.HostEvacuationStateConflict,
                          stale.save, expected={'status': 'running'})
        self.assertEqual('cancelled', HostEvacuation.get_by_uuid(
            self.ctxt, task.uuid).status)

    def test_save_refuses_identity_changes(self):
        task = self.make_task()
        task.host = 'compute9'
        self.assertRaises(nova_exception.ObjectActionError, task.save)

    def test_get_unknown_uuid(self):
        error = self.assertRaises(exception.HostEvacuationNotFound,
                                  HostEvacuation.get_by_uuid, self.ctxt,
                                  uuids.missing)
        self.assertEqual(404, error.code)

    def test_lazy_load_instances(self):
        task = self.make_task(items=[uuids.vm1])
        listed = HostEvacuationList.get_all(self.ctxt)[0]
        self.assertFalse(listed.obj_attr_is_set('instances'))
        self.assertEqual([uuids.vm1],
                         [i.instance_uuid for i in listed.instances])
        self.assertEqual(task.uuid, listed.instances[0].evacuation_uuid)
        self.assertRaises(nova_exception.ObjectActionError,
                          HostEvacuation(self.ctxt).obj_load_attr, 'host')

    def test_claim(self):
        task = self.make_task()
        self.assertTrue(task.claim('worker-a', 60))
        self.assertEqual('worker-a', task.lease_owner)
        other = HostEvacuation.get_by_uuid(self.ctxt, task.uuid)
        self.assertFalse(other.claim('worker-b', 60))

    def test_refresh_counts(self):
        task = self.make_task(items=[uuids.vm1, uuids.vm2])
        item = task.instances[0]
        item.status = 'skipped'
        item.save()
        task.refresh_counts()
        self.assertEqual((2, 1, 0), (task.total_count, task.skipped_count,
                                     task.succeeded_count))


class TestHostEvacuationList(base.ObjectDBTestCase):

    def setUp(self):
        super().setUp()
        # Created in this order, so listed in the reverse one.
        self.done = self.make_task('compute1', status='completed',
                                   closed_at=timeutils.utcnow())
        self.active1 = self.make_task('compute1')
        self.active2 = self.make_task('compute2', status='running')
        self.cancelled = self.make_task('compute3', status='cancelled')

    def _uuids(self, tasks):
        return [t.uuid for t in tasks]

    def test_newest_first(self):
        self.assertEqual(
            self._uuids([self.cancelled, self.active2, self.active1,
                         self.done]),
            self._uuids(HostEvacuationList.get_all(self.ctxt)))

    def test_filters(self):
        self.assertEqual(
            self._uuids([self.active1, self.done]),
            self._uuids(HostEvacuationList.get_all(self.ctxt,
                                                   host='compute1')))
        self.assertEqual(
            self._uuids([self.cancelled, self.done]),
            self._uuids(HostEvacuationList.get_all(
                self.ctxt, status=['completed', 'cancelled'])))
        self.assertEqual(
            self._uuids([self.done]),
            self._uuids(HostEvacuationList.get_all(
                self.ctxt, host='compute1', status='completed')))

    def test_paging(self):
        page1 = HostEvacuationList.get_all(self.ctxt, limit=3)
        page2 = HostEvacuationList.get_all(self.ctxt, limit=3,
                                           marker=page1[-1].uuid)
        self.assertEqual(
            self._uuids([self.cancelled, self.active2, self.active1]),
            self._uuids(page1))
        self.assertEqual(self._uuids([self.done]), self._uuids(page2))

    def test_bad_marker(self):
        error = self.assertRaises(exception.MarkerNotFound,
                                  HostEvacuationList.get_all, self.ctxt,
                                  marker=uuids.missing)
        self.assertEqual(400, error.code)
        self.assertIn(uuids.missing, str(error))

    def test_get_active(self):
        self.assertEqual(
            {self.active1.uuid, self.active2.uuid},
            set(self._uuids(HostEvacuationList.get_active(self.ctxt))))
        self.assertEqual(
            [self.active2.uuid],
            self._uuids(HostEvacuationList.get_active(
                self.ctxt, hosts=['compute2', 'compute3'])))
