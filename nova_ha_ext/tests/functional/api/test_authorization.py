"""Who may call what: every route for each kind of caller, as the table in
doc/api-ref.md ("Who may call what") says, and an operator's policy file
changing it."""

import os
import re

from nova.tests.functional.api import client
from oslo_utils.fixture import uuidsentinel as uuids

from nova import policy as nova_policy

from nova_ha_ext.tests.functional import base

API_REF = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..',
                       '..', '..', '..', 'doc', 'api-ref.md')
CALLERS = ('admin', 'member', 'reader', "other project's member",
           'no roles')
_FORCE_DOWN = {'host': {'forced_down': True, 'fenced': True,
                        'evacuate': 'none'}}
# The calls in the order the test makes them (the force-down opens the
# evacuation the others act on): table label -> method, path, body.
CALLS = {
    'GET /os-ha/hosts': ('GET', '/os-ha/hosts', None),
    'PUT /os-ha/hosts/{host} (force-down)': (
        'PUT', '/os-ha/hosts/host1', _FORCE_DOWN),
    'GET /os-ha/evacuations': ('GET', '/os-ha/evacuations', None),
    'GET /os-ha/evacuations/{uuid}': (
        'GET', '/os-ha/evacuations/{uuid}', None),
    'POST /os-ha/evacuations/{uuid}/action (retry)': (
        'POST', '/os-ha/evacuations/{uuid}/action', {'retry': None}),
    'POST /os-ha/evacuations/{uuid}/action (cancel)': (
        'POST', '/os-ha/evacuations/{uuid}/action', {'cancel': None}),
    'PUT /os-ha/hosts/{host} (force-up)': (
        'PUT', '/os-ha/hosts/host1', {'host': {'forced_down': False}}),
    'any other path below /os-ha': ('GET', '/os-ha/nodes', None),
}
OVERRIDE = '"os_compute_api:os-ha:evacuations:list": "role:reader"'


def documented_table():
    """The rows of doc/api-ref.md's authorization table:
    ``{(call, policy file override or None): {caller: outcome}}``."""
    with open(API_REF) as f:
        text = f.read()
    section = text.split('## Who may call what', 1)[1].split('\n## ', 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip().strip('`') for c in line.strip('|').split('|')]
        if len(cells) != 3 + len(CALLERS) or not line.startswith('| `'):
            continue
        call, rule = cells[0], cells[1]
        override = None
        match = re.match(r'^(.*) with the override$', call)
        if match:
            call, override = match.group(1).strip('` '), OVERRIDE
        rows[(call, override)] = dict(zip(CALLERS, cells[3:], strict=True),
                                      rule=rule)
    return rows


class AuthorizationMatrixTest(base.HAFunctionalTestBase):

    def setUp(self):
        super().setUp()
        self._start_compute('host1')
        self._start_compute('host2')
        self.computes['host1'].stop()
        url = self.api_fixture.base_url
        project = self.api_fixture.project_id
        self.callers = {
            'admin': self.admin_api,
            'member': self.api,
            'reader': self.api_fixture.reader_api,
            "other project's member": client.TestOpenStackClient(
                'other-user', url, project_id=uuids.other_project,
                roles=['reader', 'member']),
            'no roles': client.TestOpenStackClient(
                'nobody', url, project_id=project, roles=[]),
        }
        self.table = documented_table()
        self.uuid = None

    def _state(self):
        service = self._compute_service('host1')
        return (service['forced_down'], service['status'],
                self.admin_api.api_get('/os-ha/evacuations').body,
                [n['event_type'] for n in
                 self.notifier.versioned_notifications])

    def _assert_outcome(self, label, override, caller, outcome):
        method, path, body = CALLS[label]
        path = path.format(uuid=self.uuid)
        rule = self.table[(label, override)]['rule']
        before = self._state()
        status, answer = self._request(method, path, body,
                                       api=self.callers[caller])
        where = '%s by %s (%s): %s %s' % (label, caller, outcome, status,
                                          answer)
        if outcome == '403':
            message = self.assertFault((status, answer), 403, 'forbidden')
            self.assertIn('os_compute_api:os-ha:' + rule, message, where)
            self.assertEqual(before, self._state(), where)
        elif outcome == '404':
            self.assertFault((status, answer), 404, 'itemNotFound',
                             'Supported:')
        else:
            self.assertEqual('allowed', outcome, where)
            self.assertNotIn(status, (401, 403), where)
            self.assertLess(status, 500, where)
            if label.endswith('(force-down)'):
                self.uuid = answer['host']['evacuation']['uuid']

    def _run(self, override=None):
        calls = [label for label in CALLS if (label, override) in self.table]
        self.assertTrue(calls)
        for label in calls:
            row = self.table[(label, override)]
            # The callers the table refuses first: a refusal must leave
            # nothing for the admin's call to find changed.
            for caller in sorted(CALLERS, key=lambda c: row[c] == 'allowed'):
                self._assert_outcome(label, override, caller, row[caller])

    def test_documented_table_by_default(self):
        self.assertEqual(set(CALLS), {call for call, override in self.table
                                      if override is None})
        self._run()

    def test_policy_file_override(self):
        # An operator's policy.yaml (Nova's [oslo_policy] policy_file)
        # naming one of the extension's rules.
        policy_file = os.path.join(self.useFixture(
            base.fixtures.TempDir()).path, 'policy.yaml')
        with open(policy_file, 'w') as f:
            f.write(OVERRIDE + '\n')
        self.flags(policy_file=policy_file, group='oslo_policy')
        nova_policy.reset()
        self._assert_outcome('PUT /os-ha/hosts/{host} (force-down)', None,
                             'admin', 'allowed')
        self._run(override=OVERRIDE)
        # The rules the file does not name keep their defaults.
        self._assert_outcome('GET /os-ha/evacuations/{uuid}', None,
                             'reader', '403')
