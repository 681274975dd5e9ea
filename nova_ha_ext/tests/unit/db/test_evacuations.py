"""The evacuation DB functions on SQLite, MariaDB/MySQL and PostgreSQL.

What must hold on every backend: the database refuses a second active
task for a host (oslo.db reports the duplicate differently on each),
nothing is half-written, compare-and-swap updates and leases, paging.
"""

import datetime

from nova import context as nova_context
from nova import test
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import test_fixtures
from oslo_utils.fixture import uuidsentinel as uuids
from oslo_utils import timeutils
import sqlalchemy as sa

from nova_ha_ext.db import evacuations as db
from nova_ha_ext.db import models
from nova_ha_ext import exception
from nova_ha_ext.tests import db_backends
from nova_ha_ext.tests import fixtures as ha_fixtures

db_backends.use_default_admin_urls()

load_tests = test_fixtures.optimize_module_test_loader()


def _task(host, status='pending', **values):
    values.update(host=host, status=status, selection='all')
    values.setdefault('forced_down_at', timeutils.utcnow())
    return values


def _item(instance_uuid, status='pending', **values):
    values.update(instance_uuid=instance_uuid, status=status)
    return values


class _EvacuationsDBTests(test_fixtures.OpportunisticDBTestMixin):
    USES_DB_SELF = True

    def setUp(self):
        super().setUp()
        url = enginefacade.writer.get_engine().url
        self.ha_db = self.useFixture(ha_fixtures.HADatabase(
            url=url.render_as_string(hide_password=False)))
        self.ctxt = nova_context.get_admin_context()

    def _count(self, model):
        with self.ha_db.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count()).select_from(model)).scalar()

    def test_create_writes_task_and_items(self):
        task, items = db.host_evacuation_create(
            self.ctxt, _task('compute1'),
            [_item(uuids.vm1, priority=1), _item(uuids.vm2, priority=5)])
        self.assertEqual('compute1', task.active_host)
        self.assertEqual(2, task.total_count)
        listed = db.instance_evacuation_get_all(self.ctxt, task.uuid)
        self.assertEqual([uuids.vm2, uuids.vm1],
                         [i.instance_uuid for i in listed])
        self.assertEqual({task.uuid},
                         {i.host_evacuation.uuid for i in listed})

    def test_second_active_task_for_host_writes_nothing(self):
        db.host_evacuation_create(
            self.ctxt, _task('compute1'), [_item(uuids.vm1)])
        self.assertRaises(
            exception.ActiveHostEvacuationExists,
            db.host_evacuation_create, self.ctxt,
            _task('compute1', status='running'), [_item(uuids.vm2)])
        self.assertEqual(1, self._count(models.HostEvacuation))
        self.assertEqual(1, self._count(models.InstanceEvacuation))

    def test_duplicate_item_rolls_back_task(self):
        self.assertRaises(
            db_exc.DBDuplicateEntry, db.host_evacuation_create, self.ctxt,
            _task('compute1'), [_item(uuids.vm1), _item(uuids.vm1)])
        self.assertEqual(0, self._count(models.HostEvacuation))
        self.assertIsNone(
            db.host_evacuation_get_active_by_host(self.ctxt, 'compute1'))

    def test_open_failure_blocks_a_second_record_until_closed(self):
        first, _ = db.host_evacuation_create(self.ctxt, _task('compute1'))
        done = db.host_evacuation_update(
            self.ctxt, first.uuid, {'status': 'completed'})
        self.assertIsNone(done.active_host)
        self.assertEqual('compute1', done.open_host)
        # The task ended, the host failure is still open: one per host.
        self.assertRaises(
            exception.ActiveHostEvacuationExists,
            db.host_evacuation_create, self.ctxt, _task('compute1'))
        closed, in_flight = db.host_evacuation_close(
            self.ctxt, first.uuid, 'forced up')
        self.assertEqual((None, 'forced up', 0),
                         (closed.open_host, closed.closed_reason, in_flight))
        self.assertEqual((None, 0), db.host_evacuation_close(
            self.ctxt, first.uuid, 'again'))
        second, _ = db.host_evacuation_create(self.ctxt, _task('compute1'))
        self.assertEqual(second.uuid, db.host_evacuation_get_open_by_host(
            self.ctxt, 'compute1').uuid)
        self.assertEqual(2, self._count(models.HostEvacuation))

    def test_update_compare_and_swap(self):
        task, _ = db.host_evacuation_create(self.ctxt, _task('compute1'))
        db.host_evacuation_update(self.ctxt, task.uuid, {'status': 'running'},
                                  expected={'status': 'pending'})
        self.assertRaises(
            exception.HostEvacuationStateConflict,
            db.host_evacuation_update, self.ctxt, task.uuid,
            {'status': 'running'}, expected={'status': 'pending'})
        self.assertEqual(
            'running', db.host_evacuation_get(self.ctxt, task.uuid).status)

    def test_item_compare_and_swap(self):
        task, _ = db.host_evacuation_create(
            self.ctxt, _task('compute1'), [_item(uuids.vm1)])
        started = db.instance_evacuation_update(
            self.ctxt, task.uuid, uuids.vm1,
            {'status': 'evacuating', 'attempts': 1},
            expected={'status': ['pending', 'failed']})
        self.assertEqual(('evacuating', 1),
                         (started.status, started.attempts))
        self.assertRaises(
            exception.InstanceEvacuationStateConflict,
            db.instance_evacuation_update, self.ctxt, task.uuid, uuids.vm1,
            {'status': 'evacuating'}, expected={'status': 'pending'})

    def test_claim_lease(self):
        task, _ = db.host_evacuation_create(self.ctxt, _task('compute1'))
        self.assertEqual('worker-a', db.host_evacuation_claim(
            self.ctxt, task.uuid, 'worker-a', 60).lease_owner)
        self.assertIsNone(
            db.host_evacuation_claim(self.ctxt, task.uuid, 'worker-b', 60))
        db.host_evacuation_update(self.ctxt, task.uuid, {
            'lease_expires_at': timeutils.utcnow() - datetime.timedelta(
                seconds=5)})
        self.assertEqual('worker-b', db.host_evacuation_claim(
            self.ctxt, task.uuid, 'worker-b', 60).lease_owner)

    def test_refresh_counts(self):
        task, _ = db.host_evacuation_create(
            self.ctxt, _task('compute1'),
            [_item(uuids.vm1, 'succeeded'), _item(uuids.vm2, 'failed'),
             _item(uuids.vm3, 'succeeded'), _item(uuids.vm4)])
        task = db.host_evacuation_refresh_counts(self.ctxt, task.uuid)
        self.assertEqual((4, 2, 1, 0, 0), (
            task.total_count, task.succeeded_count, task.failed_count,
            task.skipped_count, task.cancelled_count))

    def test_paging_within_one_second(self):
        # NOTE: the same created_at for all, as MySQL's whole seconds give
        # within a burst: id alone must order and page them.
        now = timeutils.utcnow().replace(microsecond=0)
        created = [
            db.host_evacuation_create(
                self.ctxt, _task('compute%d' % i, 'completed',
                                 created_at=now))[0].uuid
            for i in range(5)]
        newest_first = list(reversed(created))
        page1 = db.host_evacuation_get_all(self.ctxt, limit=2)
        page2 = db.host_evacuation_get_all(
            self.ctxt, limit=2, marker=page1[-1].uuid)
        page3 = db.host_evacuation_get_all(
            self.ctxt, limit=2, marker=page2[-1].uuid)
        self.assertEqual(newest_first,
                         [t.uuid for t in page1 + page2 + page3])
        self.assertRaises(exception.MarkerNotFound,
                          db.host_evacuation_get_all, self.ctxt,
                          marker=uuids.unknown)


class TestEvacuationsSQLite(_EvacuationsDBTests, test.NoDBTestCase):
    pass


class TestEvacuationsMySQL(_EvacuationsDBTests, test.NoDBTestCase):
    FIXTURE = test_fixtures.MySQLOpportunisticFixture


class TestEvacuationsPostgreSQL(_EvacuationsDBTests, test.NoDBTestCase):
    FIXTURE = test_fixtures.PostgresqlOpportunisticFixture


class _TransitionsDBTests(test_fixtures.OpportunisticDBTestMixin):
    """The state machine's compare-and-swap writes, on every backend."""

    USES_DB_SELF = True

    def setUp(self):
        super().setUp()
        url = enginefacade.writer.get_engine().url
        self.ha_db = self.useFixture(ha_fixtures.HADatabase(
            url=url.render_as_string(hide_password=False)))
        self.ctxt = nova_context.get_admin_context()

    def _running(self, *items):
        task, _ = db.host_evacuation_create(
            self.ctxt, _task('compute1', 'running'), list(items))
        return db.host_evacuation_claim(self.ctxt, task.uuid, 'w1', 60)

    def test_finish_refused_while_an_item_is_unsettled(self):
        task = self._running(_item(uuids.vm1, 'evacuating'))
        self.assertIsNone(db.host_evacuation_finish(
            self.ctxt, task.uuid, 'w1', task.generation))
        db.instance_evacuation_update(self.ctxt, task.uuid, uuids.vm1,
                                      {'status': 'failed'})
        # Someone else's lease, or no worker while a live lease is held.
        self.assertIsNone(db.host_evacuation_finish(
            self.ctxt, task.uuid, 'w2', task.generation))
        self.assertIsNone(db.host_evacuation_finish(
            self.ctxt, task.uuid, None, task.generation))
        done = db.host_evacuation_finish(self.ctxt, task.uuid, 'w1',
                                         task.generation)
        self.assertEqual(('completed_with_errors', 1, None),
                         (done.status, done.failed_count, done.lease_owner))
        self.assertIsNotNone(done.finished_at)
        self.assertIsNone(db.host_evacuation_claim(
            self.ctxt, task.uuid, 'w1', 60))

    def test_retry_moves_the_generation_so_a_stale_close_fails(self):
        task = self._running(_item(uuids.vm1, 'failed'))
        read = task.generation
        retried = db.host_evacuation_retry(self.ctxt, task.uuid,
                                           [uuids.vm1])
        self.assertEqual(read + 1, retried.generation)
        self.assertEqual('pending', db.instance_evacuation_get(
            self.ctxt, task.uuid, uuids.vm1).status)
        db.instance_evacuation_update(self.ctxt, task.uuid, uuids.vm1,
                                      {'status': 'succeeded'})
        # The close read before the retry must not swallow it.
        self.assertIsNone(db.host_evacuation_finish(
            self.ctxt, task.uuid, 'w1', read))
        self.assertEqual('completed', db.host_evacuation_finish(
            self.ctxt, task.uuid, 'w1', retried.generation).status)
        # Finished but open: a retry reopens it; closed: refused.
        reopened = db.host_evacuation_retry(self.ctxt, task.uuid, [])
        self.assertEqual(('pending', None),
                         (reopened.status, reopened.finished_at))
        db.host_evacuation_close(self.ctxt, task.uuid, 'forced up')
        self.assertRaises(exception.HostFailureClosed,
                          db.host_evacuation_retry, self.ctxt, task.uuid,
                          [uuids.vm1])

    def test_cancel_and_close_cancel_pending_in_one_write(self):
        task = self._running(_item(uuids.vm1), _item(uuids.vm2, 'evacuating'))
        cancelled, in_flight = db.host_evacuation_cancel(
            self.ctxt, task.uuid, 'cancelled by admin')
        self.assertEqual(('cancelled', 1, 1, task.generation + 1),
                         (cancelled.status, cancelled.cancelled_count,
                          in_flight, cancelled.generation))
        self.assertEqual('cancelled by admin', db.instance_evacuation_get(
            self.ctxt, task.uuid, uuids.vm1).last_error)
        # Draining, still claimable until its close.
        self.assertIsNotNone(db.host_evacuation_claim(
            self.ctxt, task.uuid, 'w1', 60))
        self.assertRaises(exception.HostEvacuationNotActive,
                          db.host_evacuation_cancel, self.ctxt, task.uuid,
                          'again')

    def test_locks(self):
        from nova_ha_ext.db import locks
        self.assertTrue(locks.acquire(self.ctxt, 'cell:x', 'a', 30))
        self.assertTrue(locks.acquire(self.ctxt, 'cell:x', 'a', 30))
        self.assertFalse(locks.acquire(self.ctxt, 'cell:x', 'b', 30))
        locks.release(self.ctxt, 'cell:x', 'b')
        self.assertFalse(locks.acquire(self.ctxt, 'cell:x', 'b', 30))
        locks.release(self.ctxt, 'cell:x', 'a')
        self.assertTrue(locks.acquire(self.ctxt, 'cell:x', 'b', 30))
        # An expired holder loses it.
        self.assertTrue(locks.acquire(self.ctxt, 'cell:y', 'a', -1))
        self.assertTrue(locks.acquire(self.ctxt, 'cell:y', 'b', 30))


class TestTransitionsSQLite(_TransitionsDBTests, test.NoDBTestCase):
    pass


class TestTransitionsMySQL(_TransitionsDBTests, test.NoDBTestCase):
    FIXTURE = test_fixtures.MySQLOpportunisticFixture


class TestTransitionsPostgreSQL(_TransitionsDBTests, test.NoDBTestCase):
    FIXTURE = test_fixtures.PostgresqlOpportunisticFixture
