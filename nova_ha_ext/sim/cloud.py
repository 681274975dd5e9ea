"""Run a scenario on Nova's in-process control plane with the extension.

The simulator reuses the functional tests' harness verbatim -- Nova's real
API, conductor, scheduler and placement with fake hypervisors, the
extension enabled through its paste file and database -- by running one
scenario as a test case, so what a newcomer sees is what the tests prove.
"""

import sys

import testtools

from nova_ha_ext.tests.functional import base


class _ScenarioCase(base.HAFunctionalTestBase):

    def __init__(self, scenario):
        super().__init__('run_scenario')
        self._scenario = scenario

    def run_scenario(self):
        self._scenario(self)


def run(scenario, stream=sys.stderr):
    """Run ``scenario(cloud)`` in a fresh in-process cloud.

    ``cloud`` offers the harness's helpers: ``_start_compute``,
    ``_create_server``, ``admin_api``, ``_mark_host_down``... Returns True
    when the scenario finished without error; otherwise prints what failed
    to ``stream`` and returns False.
    """
    result = testtools.TestResult()
    _ScenarioCase(scenario).run(result)
    for _case, details in result.errors + result.failures:
        stream.write(details + '\n')
    return result.wasSuccessful()
