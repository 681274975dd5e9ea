"""Nova's server-group functional tests, run with nova-ha-ext's filters on.

Loading this package pulls in ``nova.tests.functional.test_server_group``
and runs every one of its tests with the extension's three filters enabled
in nova-scheduler, as an operator enables them:

* ``[filter_scheduler] available_filters`` gains
  ``nova_ha_ext.scheduler.filters.all_filters`` (loaded by Nova's own
  loader), and
* the filters are appended to whatever ``enabled_filters`` the test set.

Nova's server-group tests set ``enabled_filters`` themselves (some of them
to a single filter, computed when the module is imported), so a changed
default would not reach them. Instead, each test loaded here has its
``setUp`` wrapped to install a fixture that patches the scheduler's
``HostManager._load_filters`` for that test only: no other test in the same
stestr worker (the extension's own tests, or the ``nova_compat`` package's
Nova tests) sees the filters. The API paste file comes from importing
``nova_compat``, whose module-level ConfFixture patch is applied once per
process whichever package is loaded first; this package patches nothing
globally, so the two compose.
``test_active`` checks on a Nova test that the filters really run.

Set NOVA_HA_FILTER_NOVA_TESTS to a space-separated list of Nova test
modules or classes to run others the same way.
"""

import logging
import os

import fixtures
import testtools
from nova.scheduler import host_manager

from nova_ha_ext.scheduler import filters as ha_filters
from nova_ha_ext.tests.functional import base
# Nova's tests need an API paste file, which the nova wheel lacks; importing
# nova_compat applies its ConfFixture patch that supplies the extension's.
from nova_ha_ext.tests.functional import nova_compat  # noqa: F401

DEFAULT_TESTS = ('nova.tests.functional.test_server_group',)
AVAILABLE = 'nova_ha_ext.scheduler.filters.all_filters'

_load_filters = host_manager.HostManager._load_filters


def _load_filters_with_extension(self):
    names = list(_load_filters(self))
    # What "available_filters = nova_ha_ext.scheduler.filters.all_filters"
    # adds, through the same loader.
    for cls in self.filter_handler.get_matching_classes([AVAILABLE]):
        self.filter_cls_map.setdefault(cls.__name__, cls)
        if cls.__name__ not in names:
            names.append(cls.__name__)
    return names


class ExtensionFilters(fixtures.Fixture):
    """nova-scheduler started during the fixture runs our filters too."""

    def _setUp(self):
        # Set up before Nova's fixtures, so cleaned up after them: Nova's
        # harness logs its executors' shutdown at INFO once log capture has
        # ended, which floods the test output (as in HAFunctionalTestBase).
        self.useFixture(base._LoggerLevel('nova.thread_pool_factory',
                                          logging.WARNING))
        self.useFixture(fixtures.MonkeyPatch(
            'nova.scheduler.host_manager.HostManager._load_filters',
            _load_filters_with_extension))


def with_extension_filters(test):
    """Make ``test`` set up ExtensionFilters before its own fixtures."""
    setup = test.setUp

    def setUp():
        test.useFixture(ExtensionFilters())
        setup()

    test.setUp = setUp
    return test


def filter_names():
    return [cls.__name__ for cls in ha_filters.all_filters()]


def load_tests(loader, standard_tests, pattern):
    names = os.environ.get('NOVA_HA_FILTER_NOVA_TESTS', '').split()
    for name in names or DEFAULT_TESTS:
        standard_tests.addTests(
            with_extension_filters(test) for test in
            testtools.iterate_tests(loader.loadTestsFromName(name)))
    standard_tests.addTests(
        loader.loadTestsFromName(__name__ + '.test_active'))
    return standard_tests
