"""Summarise subunit v2 streams per test tier.

Reads stdin, or the files named as arguments, each ``PATH`` or
``PATH:LABEL``; a label (e.g. ``native threads``) names a second run of
some tiers in another mode and is added to their tier names.

Prints how many tests of each tier ran, passed, failed and were skipped
(with each skip's reason, so a database test that could not reach its
server is visible), then one closing line "tests: N passed, N failed,
N skipped".
"""

import collections
import sys

import subunit
import testtools

BACKENDS = (('MySQL', 'MariaDB/MySQL'), ('PostgreSQL', 'PostgreSQL'),
            ('SQLite', 'SQLite'))
TIERS = (
    ('nova_ha_ext.tests.unit.db', 'database'),
    ('nova_ha_ext.tests.unit', 'unit'),
    ('nova_ha_ext.tests.functional.faults', 'fault injection'),
    ('nova_ha_ext.tests.functional', 'functional'),
    ('nova.tests', 'nova (extension enabled)'),
    ('e2e.', 'e2e (real processes)'),
)


def _tier(test_id):
    name = next((tier for prefix, tier in TIERS
                 if test_id.startswith(prefix)), 'other')
    if name == 'database':
        test_class = test_id.rsplit('.', 2)[-2]
        for suffix, backend in BACKENDS:
            if test_class.endswith(suffix):
                return 'database (%s)' % backend
    return name


def _tier_names():
    for _prefix, name in TIERS:
        if name == 'database':
            yield from ('database (%s)' % b for _s, b in BACKENDS)
        yield name
    yield 'other'


class _Collect(testtools.StreamResult):

    def __init__(self):
        super().__init__()
        self.label = None
        self.counts = collections.defaultdict(collections.Counter)
        self.reasons = {}
        self.skips = []
        self.failures = {}

    def status(self, test_id=None, test_status=None, file_name=None,
               file_bytes=None, **kwargs):
        if test_id is None:
            return
        if self.label:
            test_id = '%s [%s]' % (test_id, self.label)
        # NOTE: subunit sends a skip's reason as an attachment, possibly in
        # a packet of its own before the final status.
        if file_name == 'reason' and file_bytes:
            self.reasons[test_id] = self.reasons.get(test_id, '') + (
                bytes(file_bytes).decode('utf-8', 'replace'))
        # NOTE: keep each failure's traceback so the end of a long CI log
        # says what failed, not only how many.
        if file_name == 'traceback' and file_bytes:
            self.failures[test_id] = self.failures.get(test_id, '') + (
                bytes(file_bytes).decode('utf-8', 'replace'))
        if test_status in ('fail', 'uxsuccess'):
            self.failures.setdefault(test_id, '')
        if test_status == 'skip':
            self.skips.append((test_id, self.reasons.get(test_id, '')))
        if test_status in ('success', 'fail', 'skip', 'xfail', 'uxsuccess'):
            tier = _tier(test_id)
            if self.label:
                tier = '%s (%s)' % (tier, self.label)
            self.counts[tier][test_status] += 1


def _read(result, source, label):
    result.label = label
    stream = subunit.ByteStreamToStreamResult(
        source, non_subunit_name='stdout')
    stream.run(result)


def main():
    result = _Collect()
    result.startTestRun()
    if len(sys.argv) == 1:
        _read(result, sys.stdin.buffer, None)
    labels = []
    for arg in sys.argv[1:]:
        path, _sep, label = arg.partition(':')
        with open(path, 'rb') as source:
            _read(result, source, label or None)
        if label:
            labels.append(label)
    result.stopTestRun()

    total = collections.Counter()
    print('== summary by tier')
    tiers = list(_tier_names())
    for label in labels:
        tiers += ['%s (%s)' % (tier, label) for tier in _tier_names()]
    for tier in tiers:
        counts = result.counts.get(tier)
        if not counts:
            continue
        total.update(counts)
        print('  %-34s %4d passed, %d failed, %d skipped' % (
            tier, counts['success'] + counts['xfail'],
            counts['fail'] + counts['uxsuccess'], counts['skip']))
    for test_id, reason in sorted(set(result.skips)):
        print('  skipped %s: %s' % (test_id, reason.strip()))
    for test_id, traceback in sorted(result.failures.items()):
        print('  FAILED %s' % test_id)
        for line in traceback.strip().splitlines()[-15:]:
            print('    ' + line)
    print('tests: %d passed, %d failed, %d skipped' % (
        total['success'] + total['xfail'],
        total['fail'] + total['uxsuccess'], total['skip']))


if __name__ == '__main__':
    main()
