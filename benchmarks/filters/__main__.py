"""Print the per-host cost of FailureDomainAntiAffinityFilter next to
Nova's ServerGroupAntiAffinityFilter, on the same host states and group.

Each measurement is one scheduling request: a fresh RequestSpec for a new
member of the group, filtered over every host state (``filter_all``, as
nova-scheduler calls it), so our per-request work is included. The best of
several repetitions is kept. Not a test: figures depend on the machine.
"""

import gc
import logging
import time
import uuid

from nova import objects
from nova.scheduler.filters import affinity_filter

from benchmarks.filters import cloud as bench_cloud
from nova_ha_ext.scheduler.filters import failure_domain

HOST_COUNTS = (1000, 10000)
MEMBER_COUNTS = (10, 100, 1000)
TIME_BUDGET_NS = 1.5e9  # per cell of the table and filter


def _request(group):
    return objects.RequestSpec(
        instance_uuid=str(uuid.uuid4()), instance_group=group,
        scheduler_hints={'failure_domain': ['rack']}, ignore_hosts=None)


def _best_ns(filt, states, group):
    best, spent, runs = None, 0, 0
    while runs < 3 or (spent < TIME_BUDGET_NS and runs < 50):
        spec = _request(group)
        gc.disable()
        start = time.perf_counter_ns()
        passed = sum(1 for _ in filt.filter_all(states, spec))
        elapsed = time.perf_counter_ns() - start
        gc.enable()
        spent += elapsed
        runs += 1
        best = elapsed if best is None else min(best, elapsed)
    return best, passed


def main():
    objects.register_all()
    # Both filters log at debug; measure them with debug off, as deployed.
    logging.getLogger().setLevel(logging.WARNING)
    ours = failure_domain.FailureDomainAntiAffinityFilter()
    nova = affinity_filter.ServerGroupAntiAffinityFilter()
    rows = []
    for hosts in HOST_COUNTS:
        cloud = bench_cloud.Cloud(hosts)
        cloud.install_lookups()
        for members in MEMBER_COUNTS:
            group = cloud.place_group(members)
            nova_ns, nova_pass = _best_ns(nova, cloud.states, group)
            ours_ns, ours_pass = _best_ns(ours, cloud.states, group)
            rows.append((hosts, len(cloud.racks), members,
                         nova_ns / hosts, ours_ns / hosts,
                         ours_ns / nova_ns, nova_pass, ours_pass))
            cloud.clear_group()

    header = ('hosts', 'racks', 'members', 'nova ns/host', 'ours ns/host',
              'ours/nova', 'nova pass', 'ours pass')
    print('FailureDomainAntiAffinityFilter (failure_domain=rack) vs '
          'ServerGroupAntiAffinityFilter, %d other instances per host'
          % bench_cloud.OTHER_INSTANCES)
    print('| ' + ' | '.join(header) + ' |')
    print('|' + '|'.join('---:' for _ in header) + '|')
    for row in rows:
        print('| %d | %d | %d | %.0f | %.0f | %.2f | %d | %d |' % row)


if __name__ == '__main__':
    main()
