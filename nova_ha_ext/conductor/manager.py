"""The HA conductor's RPC endpoint and its worker-wide state."""

import threading

import futurist
from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_utils import timeutils
from oslo_utils import uuidutils

import nova.conf
from nova import context as nova_context
from nova import thread_pool_factory
from nova import utils as nova_utils

from nova_ha_ext.conductor import rpcapi
from nova_ha_ext.conductor import service_auth
from nova_ha_ext.conductor.tasks import host_evacuation as task_mod
from nova_ha_ext import fault_points
from nova_ha_ext.objects import host_evacuation

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


class HAConductorManager:
    """Runs host evacuations; one per HA conductor worker process.

    Several workers may run at once: each task is run by the worker that
    holds its lease, taken by compare-and-swap in the database.
    """

    target = messaging.Target(version=rpcapi.RPC_VERSION)

    def __init__(self, worker_id=None):
        self.worker_id = worker_id or '%s.%s' % (
            CONF.host, uuidutils.generate_uuid()[:8])
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._running = {}
        self._slots = 0
        self._dispatch_executor = None

    # -- worker-wide cap on evacuations in flight ---------------------------

    def take_slot(self, force=False):
        with self._lock:
            if not force and (self._slots >=
                              CONF.nova_ha.max_parallel_per_worker):
                return False
            self._slots += 1
            return True

    def release_slot(self):
        with self._lock:
            self._slots = max(0, self._slots - 1)

    def dispatch_executor(self):
        """The worker's own pool for the parallel starts of evacuations
        (``dispatch_threads`` per task): its own, not Nova's default pool
        the tasks themselves run on, so that tasks waiting on their starts
        can never hold every thread those starts need."""
        with self._lock:
            if self._dispatch_executor is None:
                size = CONF.nova_ha.dispatch_threads * 4
                # NOTE: green threads under eventlet, as Nova's own pools.
                self._dispatch_executor = (
                    futurist.ThreadPoolExecutor(size)
                    if nova_utils.concurrency_mode_threading()
                    else futurist.GreenThreadPoolExecutor(size))
            return self._dispatch_executor

    # -- RPC ---------------------------------------------------------------

    def start_evacuation(self, context, evacuation):
        """RPC cast from the API: run ``evacuation`` if nobody else does."""
        self._start(context, evacuation.uuid)

    # -- internals ---------------------------------------------------------

    def _start(self, context, uuid):
        if self.stopping.is_set():
            return False
        with self._lock:
            if uuid in self._running:
                return False
            # Reserved before the claim so that two casts for one task in
            # this worker never run it twice.
            self._running[uuid] = None
        try:
            task = host_evacuation.HostEvacuation.get_by_uuid(context, uuid)
            if not task.claim(self.worker_id, CONF.nova_ha.lease_seconds):
                LOG.debug('Evacuation %s is run by %s', uuid,
                          task.lease_owner)
                with self._lock:
                    self._running.pop(uuid, None)
                return False
            future = thread_pool_factory.spawn(self._run, context, task)
        except Exception:
            with self._lock:
                self._running.pop(uuid, None)
            raise
        with self._lock:
            if uuid in self._running:
                self._running[uuid] = future
        return True

    def _run(self, context, task):
        try:
            LOG.info('Worker %s runs evacuation %s of host %s',
                     self.worker_id, task.uuid, task.host)
            # NOTE: a resumed task has no API call's token; see
            # service_auth for why Nova needs one.
            context = service_auth.worker_context(context)
            task_mod.HostEvacuationTask(context, task, self).execute()
        except task_mod.LeaseLostError:
            LOG.warning('Worker %s lost the lease of evacuation %s to '
                        'another worker', self.worker_id, task.uuid)
        except fault_points.Killed:
            # A test stopped this worker here, as a crash would: nothing
            # more is written.
            LOG.warning('Worker %s killed at a fault point while running '
                        'evacuation %s', self.worker_id, task.uuid)
        except Exception:
            LOG.exception('Evacuation %s failed in worker %s', task.uuid,
                          self.worker_id)
        finally:
            with self._lock:
                self._running.pop(task.uuid, None)

    def resume_tasks(self, context=None):
        """Periodic: run the tasks nobody runs (unfinished, lease free).

        :returns: the uuids of the tasks this worker took.
        """
        context = context or nova_context.get_admin_context()
        now = timeutils.utcnow(with_timezone=True)
        taken = []
        for task in host_evacuation.HostEvacuationList.get_unfinished(context):
            if task.uuid in self._running:
                continue
            owner, expires = task.lease_owner, task.lease_expires_at
            if owner and owner != self.worker_id and expires and (
                    expires > now):
                continue
            if owner and owner != self.worker_id:
                LOG.warning('Worker %s resumes evacuation %s of host %s: '
                            'the lease of worker %s expired at %s',
                            self.worker_id, task.uuid, task.host, owner,
                            expires)
            if self._start(context, task.uuid):
                taken.append(task.uuid)
        return taken

    def stop(self, release_leases=True, timeout=None):
        """Stop running tasks.

        With ``release_leases`` (a clean shutdown) the leases are given up
        so another worker resumes the tasks at its next periodic run rather
        than after the lease expiry.
        """
        self.stopping.set()
        with self._lock:
            futures = [(uuid, f) for uuid, f in self._running.items() if f]
        for uuid, future in futures:
            try:
                future.result(timeout=timeout)
            except Exception:
                LOG.exception('Evacuation %s did not stop cleanly', uuid)
            if release_leases:
                context = nova_context.get_admin_context()
                task = host_evacuation.HostEvacuation.get_by_uuid(
                    context, uuid)
                if task.lease_owner == self.worker_id:
                    task.lease_expires_at = timeutils.utcnow()
                    try:
                        task.save(expected={'lease_owner': self.worker_id})
                    except Exception:
                        LOG.debug('Lease of %s already taken over', uuid)
        with self._lock:
            executor, self._dispatch_executor = self._dispatch_executor, None
        if executor is not None:
            # Idle once the tasks ended; a task that did not end in time
            # keeps the threads it runs on.
            executor.shutdown(wait=False)
