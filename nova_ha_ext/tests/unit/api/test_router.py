"""The paste app and the route table of the /os-ha API."""

import configparser

from nova.api.openstack.compute import routes as nova_routes
from nova.api.validation import validators
from nova import test

from nova_ha_ext.api import router
from nova_ha_ext import paths


class PasteFileTest(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.paste = configparser.ConfigParser()
        self.paste.read(paths.api_paste_config())

    def test_v21_app_is_the_extension_router(self):
        self.assertEqual(
            'nova_ha_ext.api.router:app_factory',
            self.paste['app:osapi_compute_app_v21']['paste.app_factory'])

    def test_nova_apps_are_all_present(self):
        # nova-api and nova-metadata-api both load their app by name from
        # the file [wsgi] api_paste_config names.
        for section in ('composite:osapi_compute', 'composite:metadata',
                        'composite:openstack_compute_api_v21'):
            self.assertIn(section, self.paste)
        pipeline = self.paste['composite:openstack_compute_api_v21'][
            'keystone'].split()
        self.assertEqual(
            ['faultwrap', 'authtoken', 'keystonecontext',
             'osapi_compute_app_v21'],
            [f for f in pipeline if f in (
                'faultwrap', 'authtoken', 'keystonecontext',
                'osapi_compute_app_v21')])


class RouterTest(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        self.app = router.app_factory({})

    def _match(self, method, path):
        return self.app.map.match(path, environ={'REQUEST_METHOD': method})

    def test_is_nova_router_with_nova_routes(self):
        self.assertIsInstance(self.app, nova_routes.APIRouterV21)
        self.assertEqual('index', self._match('GET', '/servers')['action'])

    def test_os_ha_routes_served_with_and_without_project_id(self):
        for path in ('/os-ha/hosts', '/6f70656e737461636b20342065766572/'
                     'os-ha/hosts'):
            match = self._match('GET', path)
            self.assertEqual('index', match['action'])

    def test_unknown_os_ha_path_reaches_catch_all(self):
        match = self._match('GET', '/os-ha/no/such/thing')
        self.assertEqual('unknown', match['action'])
        self.assertEqual('no/such/thing', match['path'])


class SchemaCoverageTest(test.NoDBTestCase):
    """Every /os-ha route validates what it takes and what it returns."""

    def _functions(self):
        for path, methods in router.ROUTES:
            for method, (create, action) in methods.items():
                resource = create()
                if action == 'unknown':
                    continue
                if action == 'action':
                    # POST .../action: one method per action name.
                    for func in resource.wsgi_actions.values():
                        yield path, method, resource.controller, func
                    continue
                yield path, method, resource.controller, getattr(
                    resource.controller, action)

    def test_controllers_and_schemas(self):
        meta = validators._SchemaValidator.validator_org
        checked = 0
        for path, method, controller, func in self._functions():
            self.assertTrue(getattr(controller, '_validated', False),
                            '%s lacks @validation.validated' % controller)
            needed = ['response_body_schemas']
            if method == 'GET':
                needed.append('request_query_schemas')
            elif method in ('PUT', 'POST', 'PATCH'):
                needed.append('request_body_schemas')
            for attr in needed:
                schemas = getattr(func, attr, None)
                self.assertIsNotNone(
                    schemas, '%s %s has no %s' % (method, path, attr))
                for schema, _min, _max in schemas._schemas:
                    meta.check_schema(schema)
            checked += 1
        self.assertGreater(checked, 0)
