"""The extension's filters really run inside Nova's server-group tests."""

import collections

import fixtures
import testtools
from nova.tests.functional import test_server_group

from nova_ha_ext.scheduler.filters import failure_domain
from nova_ha_ext.scheduler.filters import reserved_host
from nova_ha_ext.tests.functional import nova_compat_filters


class FiltersActiveTest(testtools.TestCase):

    def _count_calls(self, calls):
        for cls in (failure_domain.FailureDomainAntiAffinityFilter,
                    failure_domain.FailureDomainAffinityFilter,
                    reserved_host.EvacuationReservedHostFilter):
            def counted(filt, host_state, spec_obj, _cls=cls,
                        _orig=cls.host_passes):
                calls[_cls.__name__] += 1
                return _orig(filt, host_state, spec_obj)
            self.useFixture(fixtures.MonkeyPatch(
                '%s.%s.host_passes' % (cls.__module__, cls.__name__),
                counted))

    def test_filters_run_in_a_test_that_sets_its_own_filters(self):
        # ServerGroupTestV21 overrides enabled_filters with Nova's list.
        calls = collections.Counter()
        self._count_calls(calls)
        nova_test = nova_compat_filters.with_extension_filters(
            test_server_group.ServerGroupTestV21(
                'test_boot_servers_with_anti_affinity'))
        result = testtools.TestResult()
        nova_test.run(result)
        self.assertEqual([], result.errors + result.failures)
        self.assertEqual(1, result.testsRun)
        self.assertEqual(set(nova_compat_filters.filter_names()), set(calls))
