"""Run a scenario on Nova's in-process control plane with the extension.

The simulator reuses the functional tests' harness verbatim -- Nova's real
API, conductor, scheduler and placement with fake hypervisors, the
extension enabled through its paste file, database and scheduler filters
-- by running one scenario as a test case, so what a newcomer sees is what
the tests prove.
"""

import sys
import traceback

import testtools

from nova_ha_ext.tests.functional import base

# nova.conf's filter lines as README gives them.
AVAILABLE_FILTERS = ['nova.scheduler.filters.all_filters',
                     'nova_ha_ext.scheduler.filters.all_filters']
ENABLED_FILTERS = ['ComputeFilter', 'ComputeCapabilitiesFilter',
                   'ImagePropertiesFilter', 'ServerGroupAntiAffinityFilter',
                   'ServerGroupAffinityFilter',
                   'FailureDomainAntiAffinityFilter',
                   'FailureDomainAffinityFilter',
                   'EvacuationReservedHostFilter']


class _ScenarioCase(base.HAFunctionalTestBase):

    # The conductor casts an evacuation's rebuild, as in a deployment.
    CAST_AS_CALL = False

    def __init__(self, scenario, ha_flags):
        super().__init__('run_scenario')
        self._scenario = scenario
        self._ha_flags = ha_flags
        # NOTE: a list shared with run(): Nova's TestCase deletes its
        # instance attributes once the test ends.
        self.scenario_errors = []

    def _setup_scheduler_service(self):
        # Shuffling equally weighed hosts spreads servers booted at once,
        # as a real cloud's placement would.
        self.flags(available_filters=AVAILABLE_FILTERS,
                   enabled_filters=ENABLED_FILTERS,
                   shuffle_best_same_weighed_hosts=True,
                   group='filter_scheduler')
        return super()._setup_scheduler_service()

    def _setup_services(self):
        super()._setup_services()
        # One project holds every server of the simulation.
        self.flags(instances=-1, cores=-1, ram=-1, group='quota')
        self.flags(group='nova_ha', **self._ha_flags)

    def run_scenario(self):
        try:
            self._scenario(self)
        except Exception:
            # Kept apart from the test details, which hold every log line
            # of the run.
            self.scenario_errors.append(traceback.format_exc())
            raise


def run(scenario, ha_flags=None, stream=sys.stderr):
    """Run ``scenario(cloud)`` in a fresh in-process cloud.

    ``cloud`` offers the harness's helpers: ``_start_compute``,
    ``admin_api``, ``api_fixture``, ``computes``, ``flags``... ``ha_flags``
    are ``[nova_ha]`` options set before the scenario starts. Returns True
    when the scenario finished without error; otherwise prints what failed
    to ``stream`` and returns False.
    """
    result = testtools.TestResult()
    case = _ScenarioCase(scenario, ha_flags or {})
    errors = case.scenario_errors
    case.run(result)
    if errors:
        stream.write(''.join(errors))
    else:
        for _case, details in result.errors + result.failures:
            stream.write(details + '\n')
    return result.wasSuccessful()
