"""A small cloud of Nova FakeHostStates in aggregates, for filter tests.

The filters read two things beyond the host states they are given -- where
the group's members are and which aggregates name a failure domain -- from
nova_ha_ext.scheduler.lookups. FakeCloud answers both from its own host
states and aggregates, and counts the calls so tests can check the work is
done once per request.
"""

import collections

import fixtures
from nova import objects
from nova.tests.unit.scheduler import fakes as nova_fakes
from oslo_utils.fixture import uuidsentinel as uuids

from nova_ha_ext.scheduler import domains
from nova_ha_ext.scheduler import lookups


class FakeCloud(fixtures.Fixture):

    def __init__(self):
        super().__init__()
        self.hosts = {}
        self.aggregates = []
        self.calls = collections.Counter()

    def _setUp(self):
        self.useFixture(fixtures.MockPatchObject(
            lookups, 'member_hosts', self._member_hosts))
        self.useFixture(fixtures.MockPatchObject(
            lookups, 'domain_aggregates', self._domain_aggregates))

    def host(self, name):
        """The FakeHostState called ``name``, created on first use."""
        if name not in self.hosts:
            self.hosts[name] = nova_fakes.FakeHostState(
                name, name, {'aggregates': []})
        return self.hosts[name]

    def aggregate(self, hosts, **metadata):
        agg = objects.Aggregate(
            id=len(self.aggregates) + 1, name='agg%d' % len(self.aggregates),
            uuid=getattr(uuids, 'agg%d' % len(self.aggregates)),
            hosts=list(hosts), metadata=metadata)
        self.aggregates.append(agg)
        for name in hosts:
            self.host(name).aggregates.append(agg)
        return agg

    def domain(self, level, value, hosts):
        """An aggregate naming ``hosts``' domain at ``level``."""
        return self.aggregate(hosts, **{domains.domain_key(level): value})

    def place(self, instance_uuid, host):
        self.host(host).instances[instance_uuid] = objects.Instance(
            uuid=instance_uuid, host=host)

    def _member_hosts(self, context, instance_uuids):
        self.calls['member_hosts'] += 1
        wanted = set(instance_uuids)
        return {uuid: name for name, state in self.hosts.items()
                for uuid in state.instances if uuid in wanted}

    def _domain_aggregates(self, context, key):
        self.calls['domain_aggregates'] += 1
        return [agg for agg in self.aggregates if key in agg.metadata]


def group(policy, members, hosts=(), rules=None):
    return objects.InstanceGroup(
        uuid=uuids.group, policy=policy, members=list(members),
        hosts=list(hosts), rules=rules or {})


def request(instance_uuid, instance_group=None, hints=None, **fields):
    """A RequestSpec as nova-scheduler's filters see it."""
    return objects.RequestSpec(
        instance_uuid=instance_uuid, instance_group=instance_group,
        scheduler_hints={k: [v] for k, v in (hints or {}).items()},
        ignore_hosts=fields.pop('ignore_hosts', None), **fields)
