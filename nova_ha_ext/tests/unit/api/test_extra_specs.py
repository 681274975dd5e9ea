"""Flavor extra-spec validation with the extension's plugin loaded."""

from unittest import mock

import fixtures
from nova.api.validation.extra_specs import hw
from nova.api.validation.extra_specs import validators
from nova.compute import api as compute_api
from nova import exception
from nova import objects
from nova import test

from nova_ha_ext.api import extra_specs

NOVA_ACTIONS = ('none', 'pause', 'poweroff', 'reset', 'disabled')


class ExtraSpecValidatorsTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        # Nova loaded every plugin, ours included, when its validators
        # module was imported. Give each test Nova's validator as Nova
        # defines it and an empty registry, restored afterwards.
        nova_validator = extra_specs._nova_watchdog_validator()
        for attr in ('value', 'description'):
            self.useFixture(fixtures.MockPatchObject(
                nova_validator, attr, getattr(nova_validator, attr)))
        nova_validator.value = dict(
            nova_validator.value,
            enum=[v for v in nova_validator.value['enum'] if v != 'notify'])
        self.useFixture(fixtures.MockPatchObject(validators, 'VALIDATORS', {}))
        self.useFixture(fixtures.MockPatchObject(
            validators, 'NAMESPACES', set()))
        self.useFixture(fixtures.MockPatchObject(
            compute_api, '_get_image_meta_obj',
            compute_api._get_image_meta_obj))

    def _load(self, *plugins):
        manager = [mock.Mock(plugin=plugin) for plugin in plugins]
        with mock.patch.object(validators.extension, 'ExtensionManager',
                               return_value=manager):
            validators.load_validators()

    def _assert_invalid(self, name, value):
        ex = self.assertRaises(exception.ValidationError,
                               validators.validate, name, value)
        return str(ex)

    def _assert_extension_rules(self):
        for value in NOVA_ACTIONS + ('notify',):
            validators.validate('hw:watchdog_action', value)
        self.assertIn("'explode' is not one of",
                      self._assert_invalid('hw:watchdog_action', 'explode'))
        for value in ('reset', 'poweroff', 'pause'):
            validators.validate('ha:watchdog_then', value)
        for value in ('none', 'notify', 'disabled'):
            self._assert_invalid('ha:watchdog_then', value)
        # The 'ha' namespace is now known: typos are caught too.
        self.assertIn('does not appear to be a valid extra spec',
                      self._assert_invalid('ha:watchdog_than', 'reset'))
        # Nova's other extra specs are untouched.
        validators.validate('hw:cpu_policy', 'dedicated')
        self._assert_invalid('hw:cpu_policy', 'notify')

    def test_without_the_extension_notify_is_invalid(self):
        self._load(hw)
        self._assert_invalid('hw:watchdog_action', 'notify')

    def test_extension_loaded_after_nova(self):
        self._load(hw, extra_specs)
        self._assert_extension_rules()

    def test_extension_loaded_before_nova(self):
        self._load(extra_specs, hw)
        self._assert_extension_rules()

    def test_loading_again_changes_nothing(self):
        self._load(extra_specs, hw, extra_specs)
        self.assertEqual(
            1, extra_specs._nova_watchdog_validator().value['enum'].count(
                'notify'))
        self._assert_extension_rules()


class ImageWatchdogNotifyTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        # Start from Nova's own function, whether or not the plugin was
        # loaded earlier in this process.
        nova_function = compute_api._get_image_meta_obj
        nova_function = getattr(nova_function, '__wrapped__', nova_function)
        self.useFixture(fixtures.MockPatchObject(
            compute_api, '_get_image_meta_obj', nova_function))

    def test_nova_alone_does_not_name_the_alternative(self):
        ex = self.assertRaises(
            exception.InvalidRequest, compute_api._get_image_meta_obj,
            {'properties': {'hw_watchdog_action': 'notify'}})
        self.assertNotIn('ha_watchdog_action', str(ex))

    def test_hw_watchdog_action_notify_names_the_alternative(self):
        extra_specs.register()
        ex = self.assertRaises(
            exception.InvalidRequest, compute_api._get_image_meta_obj,
            {'properties': {'hw_watchdog_action': 'notify'}})
        self.assertIn('set the image property ha_watchdog_action=notify '
                      'instead', str(ex))

    def test_other_images_converted_by_nova(self):
        extra_specs.register()
        extra_specs.register()
        image_meta = compute_api._get_image_meta_obj(
            {'properties': {'hw_watchdog_action': 'reset',
                            'ha_watchdog_action': 'notify'}})
        self.assertIsInstance(image_meta, objects.ImageMeta)
        self.assertEqual('reset', image_meta.properties.hw_watchdog_action)
        # Nova's own error for its other invalid values is unchanged.
        ex = self.assertRaises(
            exception.InvalidRequest, compute_api._get_image_meta_obj,
            {'properties': {'hw_watchdog_action': 'explode'}})
        self.assertIn('Invalid image metadata', str(ex))
        # Registering twice wrapped Nova's function once.
        wrapped = compute_api._get_image_meta_obj.__wrapped__
        self.assertFalse(hasattr(wrapped, '__wrapped__'))
