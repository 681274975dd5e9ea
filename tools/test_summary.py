"""Summarise a subunit v2 stream (stdin) per test tier.

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
    ('nova_ha_ext.tests.functional', 'functional'),
    ('nova.tests', 'nova (extension enabled)'),
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
        self.counts = collections.defaultdict(collections.Counter)
        self.reasons = {}
        self.skips = []
        self.failures = {}

    def status(self, test_id=None, test_status=None, file_name=None,
               file_bytes=None, **kwargs):
        if test_id is None:
            return
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
            self.counts[_tier(test_id)][test_status] += 1


def main():
    result = _Collect()
    stream = subunit.ByteStreamToStreamResult(
        sys.stdin.buffer, non_subunit_name='stdout')
    result.startTestRun()
    stream.run(result)
    result.stopTestRun()

    total = collections.Counter()
    print('== summary by tier')
    for tier in _tier_names():
        counts = result.counts.get(tier)
        if not counts:
            continue
        total.update(counts)
        print('  %-26s %4d passed, %d failed, %d skipped' % (
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
