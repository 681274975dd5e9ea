"""The recovery benchmark's command line and report (benchmarks/recovery):
what an operator running it sees, without a cloud."""

import contextlib
import io
import json
import os

import fixtures
import testtools

from benchmarks.recovery import __main__ as cli
from benchmarks.recovery import report


def _result(key, accepted, confirmed, ok=True, problems=()):
    return {
        'key': key, 'label': key + ' label', 'servers': 4,
        'calls_returned_s': 1.0, 'accepted_s': accepted,
        'accepted_count': 4, 'confirmed_s': confirmed,
        'confirmed_count': 4 if confirmed is not None else 1,
        'own_done_s': None, 'evacuations_per_instance': [1, 1],
        'cpu_own_s': 0.5, 'cpu_cloud_s': 10.0, 'wall_s': 30.0,
        'curve': [(0.5, 1, 0), (1.0, 4, 2), (2.0, 4, 4)],
        'problems': list(problems), 'notes': [], 'ok': ok,
    }


class ArgsTest(testtools.TestCase):

    def _error(self, argv):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            self.assertRaises(SystemExit, cli._parse_args, argv)
        return err.getvalue()

    def test_defaults_are_the_issue_s_settings(self):
        args = cli._parse_args([])
        self.assertEqual('minicloud', args.cloud)
        self.assertEqual((200, 10, 0.5), (args.servers, args.computes,
                                          args.spawn_delay))
        self.assertEqual(list(cli._KEYS), args.tools)

    def test_unknown_contender_named_with_the_choices(self):
        message = self._error(['--tools', 'nova-ha-ext,pacemaker'])
        self.assertIn('unknown pacemaker', message)
        self.assertIn('masakari-waits0', message)

    def test_bad_numbers_say_what_to_fix(self):
        self.assertIn('--computes must be at least 2',
                      self._error(['--computes', '1']))
        self.assertIn('--floor-callers must be at least 1',
                      self._error(['--floor-callers', '0']))
        self.assertIn('--spawn-delay cannot be negative',
                      self._error(['--spawn-delay', '-1']))

    def test_json_needs_the_minicloud(self):
        self.assertIn('--json and --plot need --cloud minicloud',
                      self._error(['--cloud', 'inprocess', '--json']))


class ReportTest(testtools.TestCase):

    def test_goals_are_ratios_against_each_baseline(self):
        results = [_result('nova-ha-ext', 2.0, 20.0),
                   _result('operator-loop', 10.0, 50.0),
                   _result('masakari-waits0', 60.0, 90.0),
                   _result('floor', 3.0, 16.0)]
        verdicts = {text: (round(ratio, 2) if ratio else ratio, met)
                    for text, ratio, met in report.goals(results)}
        self.assertEqual(
            (0.4, True), verdicts['every instance confirmed: nova-ha-ext '
                                  '<= 0.50 x operator-loop'])
        self.assertEqual(
            (0.22, False), verdicts['every instance confirmed: nova-ha-ext '
                                    '<= 0.20 x masakari-waits0'])
        self.assertEqual(
            (1.25, False), verdicts['every instance confirmed: nova-ha-ext '
                                    '<= 1.15 x floor'])
        self.assertEqual(
            (0.2, True), verdicts['last evacuation accepted: nova-ha-ext '
                                  '<= 0.25 x operator-loop'])

    def test_a_run_that_lost_an_instance_misses_the_safety_goal(self):
        results = [_result('nova-ha-ext', 2.0, None, ok=False,
                           problems=['1 not ACTIVE elsewhere: x']),
                   _result('operator-loop', 10.0, 50.0)]
        verdicts = report.goals(results)
        self.assertEqual((None, False), verdicts[0][1:])
        self.assertFalse(verdicts[-1][2])
        text = report.table(results, [('computes (1 failed)', 3)])
        self.assertIn('PROBLEM: 1 not ACTIVE elsewhere: x', text)
        self.assertIn('MISSED', text)
        self.assertIn('n/a', text)

    def test_json_document_has_every_figure_and_the_goals(self):
        results = [_result('nova-ha-ext', 2.0, 20.0),
                   _result('floor', 3.0, 16.0)]
        doc = json.loads(report.document(results, [('servers', 4)]))
        self.assertEqual({'servers': 4}, doc['settings'])
        self.assertEqual(20.0, doc['results'][0]['confirmed_s'])
        self.assertEqual([[0.5, 1, 0], [1.0, 4, 2], [2.0, 4, 4]],
                         doc['results'][0]['curve'])
        self.assertEqual(2, len(doc['goals']))

    def test_plot_writes_a_png(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path, 'out',
                            'plot.png')
        report.plot([_result('nova-ha-ext', 2.0, 20.0)], path, 'title')
        with open(path, 'rb') as f:
            self.assertEqual(b'\x89PNG', f.read(4))
