"""What to simulate: nova-ha-sim's options as one object.

Kept free of Nova imports so argument errors and --help stay fast.
"""

# The API's evacuation choices (a unit test keeps them equal).
EVACUATE_CHOICES = ('tagged', 'all', 'none')


class Settings:
    """What to simulate (nova-ha-sim's options)."""

    def __init__(self, computes=8, racks=3, tagged=24, untagged=8,
                 group_size=3, spawn_delay=0.5, fail=(), fail_rack=None,
                 evacuate='tagged', force=False, serve=False, port=0,
                 host_return=True):
        self.hosts = ['compute%d' % i for i in range(1, computes + 1)]
        # Contiguous, nearly equal racks: compute1-3 in r1, and so on.
        size, extra = divmod(computes, racks)
        self.racks, start = {}, 0
        for index in range(racks):
            end = start + size + (1 if index < extra else 0)
            for host in self.hosts[start:end]:
                self.racks[host] = 'r%d' % (index + 1)
            start = end
        self.tagged = tagged
        self.untagged = untagged
        self.group_size = group_size
        self.spawn_delay = spawn_delay
        self.fail = list(fail)
        self.fail_rack = fail_rack
        self.evacuate = evacuate
        self.force = force
        self.serve = serve
        self.port = port
        #: End with the failed hosts' return (restart, force-up).
        self.host_return = host_return
