"""Which instances a force-down selects, and which it records as skipped."""

from nova.compute import task_states
from nova.compute import vm_states
from nova import objects
from nova import test

import nova.conf

from nova_ha_ext import conf as ha_conf
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


class SelectionTest(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        ha_conf.register_opts(CONF)

    def test_each_convention_opts_in(self):
        self.assertTrue(selection.is_tagged(
            _instance(tags=['automatic-recovery'])))
        self.assertTrue(selection.is_tagged(
            _instance(metadata={'HA_Enabled': 'True'})))
        self.assertTrue(selection.is_tagged(
            _instance(extra_specs={'evacuable': 'true'})))
        self.assertTrue(selection.is_tagged(
            _instance(system_metadata={'image_evacuable': 'yes'})))

    def test_others_do_not(self):
        for instance in (
                _instance(),
                _instance(tags=['web']),
                _instance(metadata={'HA_Enabled': 'False'}),
                _instance(extra_specs={'evacuable': 'false'}),
                _instance(system_metadata={'image_evacuable': 'no'})):
            self.assertFalse(selection.is_tagged(instance))

    def test_keys_are_configurable(self):
        self.flags(recovery_tag='ha', ha_enabled_metadata_key='',
                   evacuable_key='', group='nova_ha')
        self.assertTrue(selection.is_tagged(_instance(tags=['ha'])))
        self.assertFalse(selection.is_tagged(
            _instance(tags=['automatic-recovery'])))
        self.assertFalse(selection.is_tagged(
            _instance(metadata={'HA_Enabled': 'True'})))
        self.assertFalse(selection.is_tagged(
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
        self.assertEqual(0, selection.priority(_instance()))
        self.assertEqual(7, selection.priority(
            _instance(metadata={'ha:priority': '7'})))
        self.assertEqual(0, selection.priority(
            _instance(metadata={'ha:priority': 'high'})))
