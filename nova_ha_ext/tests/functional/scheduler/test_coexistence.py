"""The extension's filters next to Nova's aggregate filters and AZs.

Six hosts in two racks; the request asks for availability zone az-a, an
SSD host (flavor extra spec matched by AggregateInstanceExtraSpecsFilter)
and an x86_64 image (AggregateImagePropertiesIsolation keeps it off the
aarch64 aggregate), for an anti-affinity group spread per rack:

    host  rack  az-a  ssd  aarch64  legal for the group's members
    h1    r1    yes   -    -        no (no SSD)
    h2    r1    yes   yes  -        yes
    h3    r1    yes   yes  -        yes
    h4    r2    yes   yes  yes      no (image architecture)
    h5    r2    yes   yes  -        yes
    h6    r2    -     yes  -        no (other AZ)
"""

from nova_ha_ext.tests.functional.scheduler import base

# Nova's fixture image whose properties say architecture x86_64.
X86_IMAGE = '76fa36fc-c930-4bf3-8c8a-ea2a2420deb6'


class AggregateFiltersCoexistenceTest(base.SchedulerFiltersTestBase):

    enabled_filters = base.NOVA_FILTERS + [
        'AggregateInstanceExtraSpecsFilter',
        'AggregateImagePropertiesIsolation'] + base.OUR_FILTERS

    def test_placements_obey_every_filter(self):
        self._racks({'r1': ['h1', 'h2', 'h3'], 'r2': ['h4', 'h5', 'h6']})
        self._aggregate('az-a', ['h1', 'h2', 'h3', 'h4', 'h5'], {},
                        az='az-a')
        self._aggregate('ssd', ['h2', 'h3', 'h4', 'h5', 'h6'],
                        {'ssd': 'true'})
        self._aggregate('arm', ['h4'], {'hw_architecture': 'aarch64'})
        flavor = self._create_flavor(
            extra_spec={'aggregate_instance_extra_specs:ssd': 'true'})
        group = self._group('anti-affinity')

        def boot(expected_state='ACTIVE'):
            return self._boot(group, {'failure_domain': 'rack'},
                              expected_state, image=X86_IMAGE,
                              flavorRef=flavor, availability_zone='az-a')

        placed = sorted(self._host(boot()) for _ in range(2))
        self.assertIn(placed[0], ('h2', 'h3'))
        self.assertEqual('h5', placed[1])
        # h2 or h3 is still free and legal for Nova's filters, but its rack
        # already holds a member.
        server = boot(expected_state='ERROR')
        self.assertIn('No valid host', server['fault']['message'])
