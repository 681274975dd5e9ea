"""Property-based requests of every /os-ha route, from doc/openapi.yaml.

``EXAMPLES`` (200 unless NOVA_HA_FUZZ_EXAMPLES says otherwise) valid and
mutated requests per route, derandomized; see base.py for what each answer
must satisfy. One class per route: Nova's fixtures are set up per test,
so each class sets up one world, and stestr (which keeps a class on one
worker) can spread the routes over the workers.
"""

from hypothesis import given
from hypothesis import strategies

from nova_ha_ext.tests.functional.fuzz import base


def _fuzz(path, methods, *statuses):
    """A test sending requests of ``path`` with one of ``methods``;
    ``statuses`` must each be answered at least once (the examples reach
    past validation)."""

    @base.SETTINGS
    @given(data=strategies.data())
    def examples(self, data):
        method = data.draw(strategies.sampled_from(methods), label='method')
        self.check(data.draw(self.strategies.requests(path, method),
                             label='request'))

    def test(self):
        examples(self)
        self.assertGreaterEqual(sum(self.answers.values()), base.EXAMPLES)
        self.assertAnswered(*statuses)

    test.__doc__ = '%s %s: %d examples.' % ('|'.join(methods), path,
                                            base.EXAMPLES)
    return test


class ListHostsFuzzTest(base.FuzzTestBase):
    test_list_hosts = _fuzz('/os-ha/hosts', ['GET'], 200, 400)


class ForceDownUpFuzzTest(base.FuzzTestBase):
    test_force_down_up = _fuzz('/os-ha/hosts/{host}', ['PUT'],
                               200, 202, 400, 404, 409)


class ListEvacuationsFuzzTest(base.FuzzTestBase):
    test_list_evacuations = _fuzz('/os-ha/evacuations', ['GET'], 200, 400)


class ShowEvacuationFuzzTest(base.FuzzTestBase):
    test_show_evacuation = _fuzz('/os-ha/evacuations/{uuid}', ['GET'],
                                 200, 404)


class EvacuationActionFuzzTest(base.FuzzTestBase):
    test_retry_cancel = _fuzz('/os-ha/evacuations/{uuid}/action', ['POST'],
                              202, 400, 404, 409)


class UnknownPathsFuzzTest(base.FuzzTestBase):
    # Every method of the catch-all (any other path below /os-ha).
    test_unknown_paths = _fuzz(
        '/os-ha/{path}', ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'], 404)
