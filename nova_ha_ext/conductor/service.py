"""The HA conductor service: an RPC server plus the periodic resume."""

import threading

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_service import service as oslo_service

import nova.conf
from nova import context as nova_context
from nova.objects import base as objects_base
from nova import rpc

from nova_ha_ext.conductor import manager as manager_mod
from nova_ha_ext.conductor import rpcapi
from nova_ha_ext.conductor import status_server
from nova_ha_ext.recovery import host_return

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


class HAConductorService(oslo_service.ServiceBase):
    """One HA conductor worker.

    It listens on the ``[nova_ha] conductor_topic`` topic (every worker
    shares it, so each cast reaches one of them) and, every
    ``resume_interval`` seconds, takes the tasks that nobody runs.
    """

    def __init__(self, manager=None):
        # NOTE: made in start(), in the worker process: each forked worker
        # needs its own worker id (the lease owner).
        self.manager = manager
        self.rpcserver = None
        self.status = None
        self._periodic = None
        self._stop = threading.Event()

    @property
    def worker_id(self):
        return self.manager.worker_id if self.manager else None

    def serving(self):
        """Whether this worker takes work: RPC server up, not stopping."""
        return bool(self.rpcserver is not None and
                    not self._stop.is_set())

    def start(self):
        if self.manager is None:
            self.manager = manager_mod.HAConductorManager()
        self._stop.clear()
        target = messaging.Target(
            topic=CONF.nova_ha.conductor_topic, server=self.manager.worker_id,
            version=rpcapi.RPC_VERSION)
        self.rpcserver = rpc.get_server(
            target, [self.manager],
            serializer=objects_base.NovaObjectSerializer())
        self.rpcserver.start()
        # NOTE: a plain thread (green under eventlet): it only looks for
        # work and hands it to Nova's executor, never runs it itself.
        self._periodic = threading.Thread(
            target=self._resume_loop, name='nova-ha-resume', daemon=True)
        self._periodic.start()
        if CONF.nova_ha.metrics_port:
            self.status = status_server.StatusServer(
                self, CONF.nova_ha.metrics_host, CONF.nova_ha.metrics_port)
            self.status.start()
        LOG.info('HA conductor worker %s started on topic %s',
                 self.manager.worker_id, CONF.nova_ha.conductor_topic)

    def _resume_loop(self):
        context = nova_context.get_admin_context()
        # First look right away: tasks left by a worker that stopped.
        while not self._stop.is_set():
            try:
                self.manager.resume_tasks(context)
            except Exception:
                LOG.exception('Looking for evacuations to resume failed')
            if CONF.nova_ha.auto_force_up:
                try:
                    host_return.return_hosts(context)
                except Exception:
                    LOG.exception('Looking for hosts to put back failed')
            self._stop.wait(CONF.nova_ha.resume_interval)

    def stop(self, release_leases=True):
        """Stop taking work and stop the running tasks."""
        self._stop.set()
        if self.status is not None:
            self.status.stop()
            self.status = None
        if self.rpcserver is not None:
            self.rpcserver.stop()
            self.rpcserver.wait()
        if self.manager is not None:
            self.manager.stop(release_leases=release_leases)
        if self._periodic is not None:
            self._periodic.join()
        LOG.info('HA conductor worker stopped')

    def kill(self):
        """Stop as a crash would: the leases are left to expire."""
        self.stop(release_leases=False)

    def wait(self):
        if self._periodic is not None:
            self._periodic.join()

    def reset(self):
        pass
