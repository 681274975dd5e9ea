"""Nova's in-process control plane with nova-ha-ext enabled.

Everything below runs Nova's real code: its API pipeline (wsgi-intercept),
conductor, scheduler, placement and compute manager with fake hypervisors,
all from Nova's own functional fixtures. The extension is switched on the
way an operator's nova.conf switches it on -- ``[wsgi] api_paste_config``
names the extension's paste file and ``[nova_ha] connection`` its database
-- not by patching Nova.
"""

import datetime

from oslo_utils import timeutils

import nova.conf
from nova import context as nova_context
from nova import objects
from nova.tests.functional import integrated_helpers

from nova_ha_ext import conf as ha_conf
from nova_ha_ext import paths
from nova_ha_ext.tests import fixtures as ha_fixtures

CONF = nova.conf.CONF


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
        self.flags(compute_driver=self.compute_driver)
        super().setUp()
        self.ctxt = nova_context.get_admin_context()

    def _setup_services(self):
        # NOTE: runs inside _IntegratedTestBase.setUp after Nova's own
        # ConfFixture, and before the API fixture loads the paste app.
        ha_conf.register_opts(CONF)
        self.ha_db = self.useFixture(ha_fixtures.HADatabase())
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

    def _compute_service(self, host):
        services = self.admin_api.get_services(
            binary='nova-compute', host=host)
        self.assertEqual(1, len(services), services)
        return services[0]
