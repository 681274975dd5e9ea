"""Which instances a force-down selects, and which it records as skipped."""

from nova.compute import task_states
from nova.compute import vm_states
from nova import objects
from nova import test

import nova.conf

from nova_ha_ext import conf as ha_conf
from nova_ha_ext.recovery import opt_in
from nova_ha_ext.recovery import selection

CONF = nova.conf.CONF


def _instance(tags=(), metadata=None, extra_specs=None, system_metadata=None,
              vm_state=vm_states.ACTIVE, task_state=None):
    return objects.Instance(
        uuid='8a4d3f0e-1b2c-4d5e-9f00-0a1b2c3d4e5f',
        tags=objects.TagList(objects=[objects.Tag(tag=t) for t in tags]),
        metadata=metadata or {},
        system_metadata=system_metadata or {},
        flavor=objects.Flavor(extra_specs=extra_specs or {}),
        vm_state=vm_state, task_state=task_state)


class _OptIn(opt_in.OptIn):
    """The lookups answered from the instance itself (no database, no
    Glance); the functional tier runs the real ones."""

    def __init__(self, aggregate=False, image_tags=()):
        super().__init__(None, 'host1')
        self._aggregate = aggregate
        self.image_tags = tuple(image_tags)

    def flavor_specs(self, instance):
        return instance.flavor.extra_specs

    def image(self, instance):
        return self.image_tags, {
            key[len('image_'):]: value
            for key, value in instance.system_metadata.items()
            if key.startswith('image_')}


def is_tagged(instance, **kwargs):
    return selection.is_tagged(instance, _OptIn(**kwargs))


def priority(instance):
    return selection.priority(instance, _OptIn())


class SelectionTest(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        ha_conf.register_opts(CONF)

    def test_each_convention_opts_in(self):
        self.assertTrue(is_tagged(
            _instance(tags=['automatic-recovery'])))
        self.assertTrue(is_tagged(
            _instance(metadata={'HA_Enabled': 'True'})))
        self.assertTrue(is_tagged(
            _instance(extra_specs={'evacuable': 'true'})))
        self.assertTrue(is_tagged(
            _instance(system_metadata={'image_evacuable': 'yes'})))

    def test_others_do_not(self):
        for instance in (
                _instance(),
                _instance(tags=['web']),
                _instance(metadata={'HA_Enabled': 'False'}),
                _instance(extra_specs={'evacuable': 'false'}),
                _instance(system_metadata={'image_evacuable': 'no'})):
            self.assertFalse(is_tagged(instance))

    def test_keys_are_configurable(self):
        self.flags(recovery_tag='ha', ha_enabled_metadata_key='',
                   evacuable_key='', group='nova_ha')
        self.assertTrue(is_tagged(_instance(tags=['ha'])))
        self.assertFalse(is_tagged(
            _instance(tags=['automatic-recovery'])))
        self.assertFalse(is_tagged(
            _instance(metadata={'HA_Enabled': 'True'})))
        self.assertFalse(is_tagged(
            _instance(extra_specs={'evacuable': 'true'})))

    def test_skip_reasons(self):
        self.assertIsNone(selection.skip_reason(_instance()))
        self.assertIsNone(selection.skip_reason(
            _instance(vm_state=vm_states.STOPPED)))
        self.assertIn('vm_state is building', selection.skip_reason(
            _instance(vm_state=vm_states.BUILDING)))
        self.assertIn('vm_state is shelved_offloaded', selection.skip_reason(
            _instance(vm_state=vm_states.SHELVED_OFFLOADED)))
        self.assertIn('task resize_migrating was in progress',
                      selection.skip_reason(_instance(
                          task_state=task_states.RESIZE_MIGRATING)))

    def test_priority(self):
        self.assertEqual(0, priority(_instance()))
        self.assertEqual(7, priority(
            _instance(metadata={'ha:priority': '7'})))
        self.assertEqual(0, priority(
            _instance(metadata={'ha:priority': 'high'})))


    def test_image_tags_and_aggregates_opt_in(self):
        self.assertTrue(is_tagged(_instance(), image_tags=['evacuable']))
        self.assertTrue(is_tagged(_instance(), aggregate=True))
        self.assertFalse(is_tagged(_instance(), image_tags=['web']))

    def test_sources_can_be_switched_off(self):
        self.flags(evacuable_sources=['aggregate'], group='nova_ha')
        self.assertFalse(is_tagged(_instance(extra_specs={'evacuable': '1'})))
        self.assertFalse(is_tagged(_instance(), image_tags=['evacuable']))
        self.assertTrue(is_tagged(_instance(), aggregate=True))

    def test_instanceha_priority_key(self):
        self.assertEqual(5, priority(_instance(
            metadata={'instanceha:restart_priority': '5'})))
        self.assertEqual(3, priority(_instance(
            extra_specs={'instanceha:restart_priority': '3'})))
        # nova-ha-ext's own key wins.
        self.assertEqual(9, priority(_instance(
            metadata={'ha:priority': '9',
                      'instanceha:restart_priority': '5'})))
        self.assertEqual(selection.PRIORITY_MAX, priority(_instance(
            metadata={'instanceha:restart_priority': str(2 ** 63)})))
