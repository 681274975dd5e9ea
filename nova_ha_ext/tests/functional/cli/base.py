"""Run the CLIs in-process against Nova's API with the extension enabled.

The CLIs authenticate through keystoneauth and find Nova in the catalog,
as against a real cloud; the simulator's endpoint (a stand-in identity
service in front of Nova's API) answers them, reached through
wsgi-intercept so no socket is opened.
"""

import contextlib
import io
import os

import fixtures

from nova_ha_ext.sim import endpoint
from nova_ha_ext.tests.functional.recovery import base

BASE_URL = 'http://nova-ha-cli.test:80'


class CLIResult:

    def __init__(self, code, out, err):
        self.code = code
        self.out = out
        self.err = err

    def __repr__(self):
        return 'exit %s\n--- stdout\n%s--- stderr\n%s' % (
            self.code, self.out, self.err)


class CLITestBase(base.RecoveryTestBase):
    """Recovery test base plus an identity endpoint and ``OS_*`` vars."""

    def setUp(self):
        super().setUp()
        app = endpoint.Endpoint(self.api_fixture.app(),
                                self.api_fixture.project_id)
        self.addCleanup(app.intercept(BASE_URL).uninstall_intercept)
        self.endpoint = app
        for name in [n for n in os.environ if n.startswith(('OS_', 'NOVA_'))
                     and not n.startswith('OS_NOVA_') and
                     not n.startswith('OS_TEST')]:
            self.useFixture(fixtures.EnvironmentVariable(name))
        self.cli_env = app.env(BASE_URL)
        for name, value in self.cli_env.items():
            self.useFixture(fixtures.EnvironmentVariable(name, value))

    def run_cli(self, main, argv, stdin=''):
        """Call a CLI's ``main(argv)``; returns its exit code and output."""
        out, err = io.StringIO(), io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stdin',
                                             io.StringIO(stdin)))
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:
                code = exc.code
        if code is None:
            code = 0
        return CLIResult(code, out.getvalue(), err.getvalue())
