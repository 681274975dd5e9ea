"""Nova's in-process control plane with nova-ha-ext enabled.

Everything below runs Nova's real code: its API pipeline (wsgi-intercept),
conductor, scheduler, placement and compute manager with fake hypervisors,
all from Nova's own functional fixtures. The extension is switched on the
way an operator's nova.conf switches it on -- ``[wsgi] api_paste_config``
names the extension's paste file and ``[nova_ha] connection`` its database
-- not by patching Nova.
"""

import datetime
import logging

import fixtures
from oslo_db.sqlalchemy import provision
from oslo_serialization import jsonutils
from oslo_utils import timeutils

import nova.conf
from nova import context as nova_context
from nova import objects
from nova.servicegroup.drivers import db as servicegroup_db
from nova.tests.functional import integrated_helpers

from nova_ha_ext import conf as ha_conf
from nova_ha_ext import objects as ha_objects
from nova_ha_ext import paths
from nova_ha_ext.tests import fixtures as ha_fixtures
from nova_ha_ext.tests import provisioned_db

CONF = nova.conf.CONF

# NOTE: registered at import, before any test starts: Nova's TestCase
# restores the object registry it found at setUp once each test ends, so
# objects first registered inside a test would be gone for the next one
# run by the same process.
ha_objects.register_all()


class _LoggerLevel(fixtures.Fixture):

    def __init__(self, name, level):
        super().__init__()
        self.logger = logging.getLogger(name)
        self.level = level

    def _setUp(self):
        self.addCleanup(self.logger.setLevel, self.logger.level)
        self.logger.setLevel(self.level)


class HAFunctionalTestBase(integrated_helpers._IntegratedTestBase):
    """Base class of every functional test of the extension.

    No compute service is started here; tests start the hosts they need
    with ``self._start_compute(name)``.
    """

    # New tests must not rely on Nova's global external locks.
    REQUIRES_LOCKING = False
    microversion = 'latest'
    compute_driver = 'fake.MediumFakeDriver'

    def setUp(self):
        # Set up before Nova's fixtures so it is cleaned up after them: the
        # executors Nova's harness tears down log their shutdown at INFO
        # once log capture has ended, which would flood the test output.
        self.useFixture(_LoggerLevel('nova.thread_pool_factory',
                                     logging.WARNING))
        self.flags(compute_driver=self.compute_driver)
        super().setUp()
        self.ctxt = nova_context.get_admin_context()

    def _setup_services(self):
        # NOTE: runs inside _IntegratedTestBase.setUp after Nova's own
        # ConfFixture, and before the API fixture loads the paste app.
        ha_conf.register_opts(CONF)
        url = None
        db_type = provisioned_db.requested()
        if db_type:
            try:
                url = self.useFixture(
                    provisioned_db.ProvisionedDatabase(db_type)).url
            except provision.BackendNotAvailable as error:
                self.skipTest('%s=%s but that server is unreachable: %s' % (
                    provisioned_db.ENV, db_type, error))
        self.ha_db = self.useFixture(ha_fixtures.HADatabase(url=url))
        self.flags(connection=self.ha_db.url, group='nova_ha')
        self.flags(api_paste_config=paths.api_paste_config(), group='wsgi')
        super()._setup_services()

    def _setup_compute_service(self):
        return None

    def _mark_host_down(self, host):
        """Make ``host`` read as down, as after a missed heartbeat.

        Stops its nova-compute service so it reports no more, then ages
        its last report past ``service_down_time``, which is what Nova's
        servicegroup driver compares.
        """
        self.computes[host].stop()
        service = objects.Service.get_by_compute_host(self.ctxt, host)
        service.last_seen_up = timeutils.utcnow() - datetime.timedelta(
            seconds=CONF.service_down_time + 60)
        service.save()

    def _report_state(self, host):
        """Send ``host``'s nova-compute heartbeat now, as Nova's DB
        servicegroup driver does every ``report_interval`` seconds: it
        raises ``report_count``, which stamps ``last_seen_up``. A force-up
        of a failed host waits for the first one after a restart."""
        servicegroup_db.DbDriver()._report_state(self.computes[host])

    def _start_ha_conductor(self, worker_id='worker-1'):
        """Start an HA conductor worker; stopped at cleanup."""
        return self.useFixture(ha_fixtures.HAConductor(worker_id))

    def _compute_service(self, host):
        services = self.admin_api.get_services(
            binary='nova-compute', host=host)
        self.assertEqual(1, len(services), services)
        return services[0]

    # -- raw requests ------------------------------------------------------

    def _request(self, method, url, body=None, raw=None, api=None):
        """Send one request whatever it answers: ``(status, JSON or None)``.

        ``raw`` is the body text as is (JSON no client library would send,
        or no JSON at all); ``body`` is encoded as JSON.
        """
        api = api or self.admin_api
        headers = {}
        if body is not None:
            raw = jsonutils.dumps(body)
        if raw is not None:
            headers['Content-Type'] = 'application/json'
        response = api.api_request(url, method=method, body=raw,
                                   headers=headers,
                                   check_response_status=None)
        try:
            decoded = response.json() if response.content else None
        except ValueError:
            decoded = response.text
        return response.status_code, decoded

    def assertFault(self, answer, status, fault, *words):
        """``answer`` is Nova's fault body ``fault`` with ``status``, its
        message holding each of ``words``; returns the message."""
        code, body = answer
        self.assertEqual(status, code, body)
        self.assertIsInstance(body, dict, body)
        self.assertEqual([fault], list(body), body)
        self.assertEqual(status, body[fault]['code'], body)
        message = body[fault]['message']
        for word in words:
            self.assertIn(word, message)
        return message
