"""The short seeded batch of randomized fault runs (the long one is
``python -m benchmarks.faults``).

Each test is one run of :mod:`.randomized` with a fixed seed: a cloud and
a storyline drawn from it, driven to quiescence, checked against I1-I8 of
doc/recovery-state-machine.md. A failure prints the seed, the violations,
the plan and the run's history.
"""

from nova_ha_ext.tests.functional.faults import randomized

#: Between them, every kind of fault the driver injects (concurrent,
#: duplicate and repeated fence calls, stalls past the lease and short
#: ones, a worker kill, API stalls, force-ups and force-downs through both
#: APIs, cancel, retry, stop/delete/reset-state in flight, capacity lost
#: and back, repairs, the storm guard withholding). NOTE: none of these
#: plans reaches the interleavings of the known findings (seeds 8, 15, 38,
#: 51, 59 and 102 of the long batch), so that this batch stays a
#: regression check; add those seeds here once they are fixed.
SEEDS = (9, 13, 18, 20, 40)


class RandomizedFaultTest(randomized.RandomizedFaultCase):
    """One test per seed: ``test_seed_<seed>``."""


def _seeded(seed):
    def test(self):
        self.run_and_check()
    test.seed = seed
    test.__name__ = 'test_seed_%d' % seed
    test.__doc__ = 'Randomized fault run of seed %d.' % seed
    return test


for _seed in SEEDS:
    setattr(RandomizedFaultTest, 'test_seed_%d' % _seed, _seeded(_seed))
