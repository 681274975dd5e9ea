"""Object versioning: a field or remotable signature change without a
version bump fails here, and objects survive Nova's RPC serializer.
"""

import datetime

from nova import context as nova_context
from nova.objects import base
from nova.objects import fields
from nova import test
from oslo_utils.fixture import uuidsentinel as uuids
from oslo_versionedobjects import exception as ovo_exception
from oslo_versionedobjects import fixture

from nova_ha_ext import objects
from nova_ha_ext.objects import host_evacuation
from nova_ha_ext.objects import instance_evacuation

objects.register_all()

# NOTE: when a test below fails because you changed an object, bump its
# VERSION, add a line to its version history and then update the value
# here.
EXPECTED_FINGERPRINTS = {
    'HostEvacuation': '1.3-edfde07e300fd2de502506d9cbc44ee2',
    'HostEvacuationList': '1.1-70c8ea3dcf51b4afbee24d4979b08568',
    'InstanceEvacuation': '1.2-a3bc8e0147a5f53fadf732882838f177',
    'InstanceEvacuationList': '1.2-0fb2ce6969c710950cbbad42d68801ac',
}

# NOTE: versions of the objects held in ObjectFields: bumping a child
# means bumping its parent too, so that old peers can be sent a backport.
EXPECTED_DEPENDENCIES = {
    'HostEvacuation': {'InstanceEvacuationList': '1.2'},
}


def _our_classes():
    return {name: classes for name, classes
            in base.NovaObjectRegistry.obj_classes().items()
            if any(cls.__module__.startswith('nova_ha_ext.')
                   for cls in classes)}


class TestObjectVersions(test.NoDBTestCase):

    def test_versions(self):
        checker = fixture.ObjectVersionChecker(_our_classes())
        expected, actual = checker.test_hashes(EXPECTED_FINGERPRINTS)
        self.assertEqual(expected, actual,
                         'Some objects changed: bump their version')

    def test_relationships(self):
        checker = fixture.ObjectVersionChecker(_our_classes())
        self.assertEqual(EXPECTED_DEPENDENCIES,
                         checker.get_dependency_tree())

    def test_checker_catches_unversioned_field(self):
        class HostEvacuation(host_evacuation.HostEvacuation):
            fields = dict(host_evacuation.HostEvacuation.fields,
                          extra=fields.StringField(nullable=True))

        # NOTE: not registered: the registry must only hold real classes.
        checker = fixture.ObjectVersionChecker(
            {'HostEvacuation': [HostEvacuation]})
        expected, actual = checker.test_hashes(
            {'HostEvacuation': EXPECTED_FINGERPRINTS['HostEvacuation']})
        self.assertEqual(EXPECTED_FINGERPRINTS['HostEvacuation'],
                         expected['HostEvacuation'])
        self.assertNotEqual(expected['HostEvacuation'],
                            actual['HostEvacuation'])
        self.assertTrue(actual['HostEvacuation'].startswith('1.3-'))

    def test_names_do_not_collide_with_nova(self):
        import nova.objects
        nova.objects.register_all()
        registry = base.NovaObjectRegistry.obj_classes()
        for name in EXPECTED_FINGERPRINTS:
            modules = {cls.__module__ for cls in registry[name]}
            self.assertEqual(
                set(), {m for m in modules if not m.startswith('nova_ha_ext')},
                name)


def _task(ctxt):
    item = instance_evacuation.InstanceEvacuation(
        ctxt, id=7, evacuation_uuid=uuids.task, instance_uuid=uuids.vm,
        status='evacuating', attempts=1, priority=3,
        started_at=datetime.datetime(2025, 1, 2, 3, 4, 5))
    return host_evacuation.HostEvacuation(
        ctxt, id=1, uuid=uuids.task, host='compute2', status='running',
        selection='tagged', fenced=True, total_count=1,
        instances=instance_evacuation.InstanceEvacuationList(
            ctxt, objects=[item]))


class TestSerialization(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.ctxt = nova_context.get_admin_context()
        self.serializer = base.NovaObjectSerializer()

    def test_round_trip_through_nova_serializer(self):
        task = _task(self.ctxt)
        primitive = self.serializer.serialize_entity(self.ctxt, task)
        self.assertEqual('HostEvacuation', primitive['nova_object.name'])
        copy = self.serializer.deserialize_entity(self.ctxt, primitive)
        self.assertIsInstance(copy, host_evacuation.HostEvacuation)
        self.assertEqual(('compute2', 'running', True),
                         (copy.host, copy.status, copy.fenced))
        item = copy.instances[0]
        self.assertIsInstance(item, instance_evacuation.InstanceEvacuation)
        self.assertEqual(uuids.vm, item.instance_uuid)
        self.assertEqual(datetime.timezone.utc, item.started_at.tzinfo)

    def test_list_round_trip(self):
        tasks = host_evacuation.HostEvacuationList(
            self.ctxt, objects=[_task(self.ctxt)])
        copy = self.serializer.deserialize_entity(
            self.ctxt, self.serializer.serialize_entity(self.ctxt, tasks))
        self.assertEqual([uuids.task], [t.uuid for t in copy])

    def test_make_compatible_from_manifest_keeps_items(self):
        task = _task(self.ctxt)
        primitive = task.obj_to_primitive()['nova_object.data']
        task.obj_make_compatible_from_manifest(
            primitive, '1.0', {'InstanceEvacuationList': '1.0',
                               'InstanceEvacuation': '1.0'})
        items = primitive['instances']['nova_object.data']['objects']
        self.assertEqual(['1.0'],
                         [i['nova_object.version'] for i in items])

    def test_newer_target_version_is_refused(self):
        self.assertRaises(ovo_exception.InvalidTargetVersion,
                          _task(self.ctxt).obj_to_primitive,
                          target_version='1.4')

    def test_backport_to_1_0_drops_closed_at(self):
        task = _task(self.ctxt)
        task.closed_at = datetime.datetime(2025, 1, 2, 4, 0, 0)
        data = task.obj_to_primitive(
            target_version='1.0',
            version_manifest={'InstanceEvacuationList': '1.0',
                              'InstanceEvacuation': '1.0'},
        )['nova_object.data']
        self.assertNotIn('closed_at', data)
        self.assertEqual('compute2', data['host'])
        data = task.obj_to_primitive()['nova_object.data']
        self.assertEqual('2025-01-02T04:00:00Z', data['closed_at'])

    def test_status_must_be_known(self):
        task = _task(self.ctxt)
        self.assertRaises(ValueError, setattr, task, 'status', 'bogus')
        self.assertTrue(task.is_active)
        task.status = 'completed_with_errors'
        self.assertFalse(task.is_active)
