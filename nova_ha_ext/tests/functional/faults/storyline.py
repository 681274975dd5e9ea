"""The storyline of a randomized fault run, drawn from its seed alone:
the cloud (hosts, servers, settings) and the steps (fence calls, stalls,
kills, force-ups through both APIs, cancels, retries, instance actions,
capacity loss and return), for :mod:`.randomized` to play."""

import collections
import random

#: ``[nova_ha] lease_seconds`` of the runs (RecoveryTestBase's too).
LEASE = 3
WORKER_POINTS = ('worker.task_claimed', 'worker.item_loaded',
                 'worker.before_evacuate', 'worker.after_evacuate',
                 'worker.poll', 'worker.before_finish')
# NOTE: never past the lease at worker.before_evacuate: that is the
# residual window the state machine documents as open (a worker stalled
# there longer than its whole lease can still call Nova); the randomized
# runs stall there for less than the lease only, as the fault tier does.
LONG_STALL_POINTS = tuple(p for p in WORKER_POINTS
                          if p != 'worker.before_evacuate')
API_POINTS = ('api.force_down.locked', 'api.force_down.recorded',
              'api.force_up.locked')

# -- the plan ----------------------------------------------------------------

Step = collections.namedtuple('Step', 'kind args')
Server = collections.namedtuple('Server',
                                'name host tagged state priority grouped')


def describe(step):
    if step.kind == 'together':
        return 'together(%s)' % ', '.join(describe(s)
                                          for s in step.args['steps'])
    return '%s(%s)' % (step.kind, ', '.join(
        '%s=%s' % item for item in sorted(step.args.items())))


class Plan:
    """Everything a run does, drawn from its seed alone."""

    def __init__(self, seed):
        rng = random.Random(seed)
        self.seed = seed
        count = rng.randint(4, 6)
        self.hosts = tuple('host%d' % i for i in range(1, count + 1))
        self.failing = self.hosts[:min(rng.choice((1, 1, 2, 2, 3)),
                                       count - 2)]
        spare = self.hosts[len(self.failing):]
        # A host dead without a fence call: the storm guard counts it.
        self.dead = (spare[-1:] if len(spare) > 2 and rng.random() < 0.2
                     else ())
        self.flags = {
            'max_down_fraction': rng.choice((0.33, 0.5, 0.75)),
            'max_parallel': rng.choice((1, 2, 50)),
            'max_attempts': rng.choice((1, 2, 3)),
            'retry_backoff': rng.choice((0, 0.3)),
            # NOTE: from a generator of its own, so that every seed kept as
            # a regression test still tells the story it was kept for.
            'dispatch_threads': random.Random(
                'dispatch-%d' % seed).choice((1, 2, 4)),
        }
        self.workers = rng.choice((2, 2, 3))
        grouped = rng.random() < 0.4
        self.servers = []
        for index in range(rng.randint(2, 8)):
            host = (self.failing[0] if index < 2
                    else rng.choice(self.failing))
            tagged = rng.random() < 0.75
            self.servers.append(Server(
                'vm%d' % index, host, tagged,
                rng.choices(('active', 'stopped', 'error'), (13, 5, 2))[0],
                rng.choice((None, None, 1, 5)),
                grouped and tagged and host == self.failing[0] and
                sum(s.grouped for s in self.servers) < 3))
        self.steps = self._storyline(rng)

    def describe(self):
        servers = ', '.join(
            '%s@%s%s%s%s' % (s.name, s.host, '+tag' if s.tagged else '',
                             '' if s.state == 'active' else '/' + s.state,
                             '+group' if s.grouped else '')
            for s in self.servers)
        lines = ['seed %s: hosts %s, failing %s, dead %s, %d workers, %s'
                 % (self.seed, len(self.hosts), ','.join(self.failing),
                    ','.join(self.dead) or '-', self.workers, ', '.join(
                        '%s=%s' % kv for kv in sorted(self.flags.items()))),
                 'servers: ' + servers]
        lines += ['step %d: %s' % (i, describe(step))
                  for i, step in enumerate(self.steps)]
        return lines

    def _storyline(self, rng):
        steps = [self._arm(rng) for _ in range(rng.randint(0, 2))]
        held = rng.random() < 0.5
        if held:
            steps.append(Step('hold_spawns', {'host': self.failing[0],
                                              'count': rng.randint(1, 3)}))
        unfenced = list(self.failing)
        steps.append(self._fence(rng, unfenced))
        if held and rng.random() < 0.7:
            # An instance acted on while its evacuation is in flight.
            steps.append(Step('instance', {
                'op': rng.choice(('stop', 'delete', 'reset')), 'held': True,
                'index': rng.randrange(len(self.servers))}))
        for _ in range(rng.randint(3, 6)):
            roll = rng.random()
            if unfenced and roll < 0.25:
                steps.append(self._fence(rng, unfenced))
            elif roll < 0.5:
                steps.append(Step('together', {'steps': [
                    self._action(rng) for _ in range(rng.randint(2, 3))]}))
            else:
                steps.append(self._action(rng))
        if unfenced:
            steps.append(self._fence(rng, unfenced))
        if rng.random() < 0.6:
            # The host comes back: repaired, forced up, maybe failing again.
            host = rng.choice(self.failing)
            steps += [Step('release_spawns', {}),
                      Step('settle', {'host': host}),
                      Step('repair', {'host': host}),
                      Step('force_up', {'host': host,
                                        'via': rng.choice(('ha', 'ha',
                                                           'nova'))})]
            if rng.random() < 0.5:
                steps += [Step('fence', {'calls': [
                    (host, rng.randint(1, 2), 'tagged', False)]}),
                    self._action(rng)]
        return steps

    @staticmethod
    def _fence_call(rng, host, repeat=False):
        return (host, rng.choice((1, 1, 2, 3)),
                rng.choices(('tagged', 'all', 'none'),
                            (6, 3, 0 if repeat else 1))[0],
                rng.random() < (0.3 if repeat else 0.15))

    def _fence(self, rng, unfenced):
        count = rng.randint(1, len(unfenced))
        hosts, unfenced[:count] = unfenced[:count], []
        return Step('fence', {'calls': [self._fence_call(rng, h)
                                        for h in hosts]})

    def _arm(self, rng):
        roll = rng.random()
        if roll < 0.2:
            return Step('arm_kill', {'point': rng.choice(WORKER_POINTS),
                                     'skip': rng.randint(0, 2)})
        if roll < 0.3:
            return Step('arm_stall', {'point': rng.choice(API_POINTS),
                                      'seconds': round(rng.uniform(0.2, 1), 1),
                                      'skip': rng.randint(0, 2)})
        if roll < 0.7 and self.workers > 1:
            point = rng.choice(LONG_STALL_POINTS)
            seconds = round(rng.uniform(LEASE + 1.5, LEASE + 3), 1)
        else:
            point = rng.choice(WORKER_POINTS)
            seconds = round(rng.uniform(0.2, LEASE / 2.0), 1)
        skip = rng.randint(0, 40 if point == 'worker.poll' else 2)
        return Step('arm_stall', {'point': point, 'seconds': seconds,
                                  'skip': skip})

    _ACTIONS = (('arm', 3), ('fence', 2), ('cancel', 1.5), ('retry', 1.5),
                ('force_up', 2), ('force_down_nova', 0.7), ('instance', 2),
                ('capacity', 1), ('hold_spawns', 0.7), ('release_spawns', 1),
                ('sleep', 2), ('start_worker', 0.5), ('settle', 1),
                ('repair', 0.5))

    def _action(self, rng):
        kind = rng.choices([a for a, _ in self._ACTIONS],
                           [w for _, w in self._ACTIONS])[0]
        host = rng.choice(self.failing)
        if kind == 'arm':
            return self._arm(rng)
        if kind == 'fence':
            return Step('fence', {'calls': [self._fence_call(rng, host,
                                                             repeat=True)]})
        if kind == 'force_up':
            return Step(kind, {'host': host,
                               'via': rng.choice(('ha', 'nova'))})
        if kind == 'force_down_nova':
            return Step(kind, {'host': rng.choice(self.hosts)})
        if kind == 'instance':
            return Step(kind, {'op': rng.choice(('stop', 'delete', 'reset')),
                               'held': rng.random() < 0.6,
                               'index': rng.randrange(len(self.servers))})
        if kind == 'capacity':
            return Step(kind, {'on': rng.random() < 0.5})
        if kind == 'hold_spawns':
            return Step(kind, {'host': host, 'count': rng.randint(1, 2)})
        if kind == 'sleep':
            return Step(kind, {'seconds': rng.choice((0.3, 1, 2))})
        if kind in ('release_spawns', 'start_worker'):
            return Step(kind, {})
        return Step(kind, {'host': host})
