"""Host states in rack aggregates with a server group placed over them."""

import uuid

from nova import objects
from nova.tests.unit.scheduler import fakes as nova_fakes

from nova_ha_ext.scheduler import domains
from nova_ha_ext.scheduler import lookups

HOSTS_PER_RACK = 20
# Instances of other tenants on every host: Nova's filter intersects them
# with the group's members, ours never looks at them.
OTHER_INSTANCES = 5


class Cloud:
    """``hosts`` host states, racks of 20, each host also in an AZ."""

    def __init__(self, hosts):
        names = ['host%05d' % i for i in range(hosts)]
        az = objects.Aggregate(id=0, name='az', hosts=names,
                               metadata={'availability_zone': 'az1'})
        self.racks = []
        self.states = []
        for start in range(0, hosts, HOSTS_PER_RACK):
            rack_hosts = names[start:start + HOSTS_PER_RACK]
            rack = objects.Aggregate(
                id=len(self.racks) + 1, name='rack%d' % len(self.racks),
                hosts=rack_hosts, metadata={
                    domains.domain_key('rack'): 'r%d' % len(self.racks)})
            self.racks.append(rack)
            for name in rack_hosts:
                self.states.append(nova_fakes.FakeHostState(
                    name, name, {'aggregates': [az, rack]},
                    instances=[objects.Instance(uuid=str(uuid.uuid4()))
                               for _ in range(OTHER_INSTANCES)]))
        self.member_host = {}

    def place_group(self, members):
        """Put ``members`` instances on hosts spread evenly over racks."""
        step = max(1, len(self.states) // members)
        self.member_host = {}
        for i in range(members):
            state = self.states[(i * step) % len(self.states)]
            inst = objects.Instance(uuid=str(uuid.uuid4()))
            state.instances[inst.uuid] = inst
            self.member_host[inst.uuid] = state.host
        return objects.InstanceGroup(
            uuid=str(uuid.uuid4()), policy='anti-affinity',
            members=list(self.member_host),
            hosts=sorted(set(self.member_host.values())), rules={})

    def clear_group(self):
        for inst_uuid, host in self.member_host.items():
            for state in self.states:
                if state.host == host:
                    state.instances.pop(inst_uuid, None)
        self.member_host = {}

    def install_lookups(self):
        """Answer the filters' per-request reads from memory.

        In nova-scheduler they are one database query each per request;
        here they cost what building their answer costs in Python.
        """
        def member_hosts(context, instance_uuids):
            known = self.member_host
            return {u: known[u] for u in instance_uuids if u in known}

        def domain_aggregates(context, key):
            return [agg for agg in self.racks if key in agg.metadata]

        lookups.member_hosts = member_hosts
        lookups.domain_aggregates = domain_aggregates
        lookups.request_context = lambda spec_obj: None
