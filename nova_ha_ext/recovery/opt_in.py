"""Which instances opted in to recovery, in every peer's convention.

- the server tag ``[nova_ha] recovery_tag`` (nova-ha-ext's own);
- server metadata ``HA_Enabled`` (Masakari);
- ``evacuable`` on the flavor's *current* extra specs, read by flavor id
  at the failure (fence_evacuate: a flavor tagged after boot counts; the
  copy Nova keeps with the instance only when the flavor is gone);
- ``evacuable`` as a Glance image tag or image property (fence_evacuate
  reads tags, InstanceHA properties);
- ``evacuable`` on an aggregate of the failed host (InstanceHA): every
  instance of the host then counts.

Glance is asked once per image. Glance being unreachable never fails a
force-down: the image then counts as untagged and the reason is logged.
"""

from nova import exception as nova_exception
from nova.image import glance
from nova import objects
from oslo_log import log as logging
from oslo_utils import strutils

import nova.conf

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

SOURCES = ('flavor', 'image', 'aggregate')
# Spellings of "true" looked for in server metadata across a cell (Nova's
# metadata filter matches exact values).
_TRUE_SPELLINGS = ('True', 'true', 'TRUE', '1', 'yes', 'Yes', 'on')


def true(value):
    return strutils.bool_from_string(value, default=False)


def _sources():
    return set(CONF.nova_ha.evacuable_sources)


def _image_service():
    """Nova's Glance v2 service, and its raw client when it has one.

    Nova's image dicts drop Glance's tags; the raw client's images keep
    them. An image service without that client (one that keeps tags in
    its dicts) is read through its ``show``/``detail``.
    """
    service = glance.get_default_image_service()
    return service, getattr(service, '_client', None)


class OptIn(object):
    """Opt-in and priority of the instances of one failed host."""

    def __init__(self, context, host):
        self.context = context
        self.host = host
        self._flavors = {}
        self._images = {}
        self._aggregate = None

    # -- lookups, cached for one selection --------------------------------

    def flavor_specs(self, instance):
        """The flavor's current extra specs (the boot copy if deleted)."""
        flavorid = instance.flavor.flavorid
        if flavorid not in self._flavors:
            try:
                specs = objects.Flavor.get_by_flavor_id(
                    self.context, flavorid).extra_specs
            except nova_exception.FlavorNotFound:
                specs = instance.flavor.extra_specs
            self._flavors[flavorid] = dict(specs or {})
        return self._flavors[flavorid]

    def image(self, instance):
        """(tags, properties) of the instance's image; empty if unknown."""
        image_id = instance.image_ref
        if not image_id:  # booted from a volume
            return (), {}
        if image_id not in self._images:
            self._images[image_id] = self._read_image(instance, image_id)
        return self._images[image_id]

    def _read_image(self, instance, image_id):
        # NOTE: Nova's copy of the image's properties, taken at boot, is
        # the fallback when Glance cannot say.
        properties = {key[len('image_'):]: value for key, value in
                      instance.system_metadata.items()
                      if key.startswith('image_')}
        try:
            service, client = _image_service()
            if client is not None:
                raw = client.call(self.context, 2, 'get', args=(image_id,))
            else:
                raw = service.show(self.context, image_id)
        except Exception as error:  # noqa: BLE001 -- never fail a fence call
            LOG.warning('Image %s of instance %s not read from Glance (%s): '
                        'its tags do not count for selection', image_id,
                        instance.uuid, error)
            return (), properties
        raw = dict(raw)
        tags = tuple(raw.get('tags') or ())
        properties.update(raw.get('properties') or {})
        properties.update({key: value for key, value in raw.items()
                           if isinstance(value, str)})
        return tags, properties

    def aggregate_tagged(self):
        if self._aggregate is None:
            key = CONF.nova_ha.evacuable_key
            self._aggregate = bool(key) and 'aggregate' in _sources() and any(
                true(aggregate.metadata.get(key)) for aggregate in
                objects.AggregateList.get_by_host(self.context, self.host))
        return self._aggregate

    # -- what selection asks -----------------------------------------------

    def is_tagged(self, instance):
        opts = CONF.nova_ha
        if opts.recovery_tag and opts.recovery_tag in (
                tag.tag for tag in instance.tags):
            return True
        key = opts.ha_enabled_metadata_key
        if key and true(instance.metadata.get(key)):
            return True
        key = opts.evacuable_key
        if not key:
            return False
        sources = _sources()
        if 'flavor' in sources and true(
                self.flavor_specs(instance).get(key)):
            return True
        if 'image' in sources:
            tags, properties = self.image(instance)
            if key in tags or true(properties.get(key)):
                return True
        return self.aggregate_tagged()

    def priority_value(self, instance):
        """The raw priority: server metadata first, then InstanceHA's key
        on the server, its current flavor and its image."""
        opts = CONF.nova_ha
        if opts.priority_metadata_key in instance.metadata:
            return instance.metadata[opts.priority_metadata_key]
        key = opts.restart_priority_key
        if not key:
            return None
        for source in (instance.metadata, self.flavor_specs(instance),
                       self.image(instance)[1]):
            if key in source:
                return source[key]
        return None

    def skip_by_name(self, instance):
        """The ``skip_name_patterns`` entry the server's name holds."""
        name = instance.display_name or ''
        for pattern in CONF.nova_ha.skip_name_patterns:
            if pattern and pattern in name:
                return pattern
        return None

    # -- "nothing is tagged anywhere" (fence_evacuate) ---------------------

    def anything_tagged(self):
        """Whether any flavor, image, aggregate or server of the cell opted
        in; fence_evacuate then evacuates only those."""
        opts = CONF.nova_ha
        key = opts.evacuable_key
        sources = _sources()
        if key and 'flavor' in sources and any(
                true((flavor.extra_specs or {}).get(key)) for flavor in
                objects.FlavorList.get_all(self.context)):
            return True
        if key and 'aggregate' in sources and any(
                true(aggregate.metadata.get(key)) for aggregate in
                objects.AggregateList.get_all(self.context)):
            return True
        if key and 'image' in sources and self._any_image_tagged(key):
            return True
        if opts.recovery_tag and objects.InstanceList.get_by_filters(
                self.context, {'tags-any': [opts.recovery_tag],
                               'deleted': False}, limit=1):
            return True
        meta = opts.ha_enabled_metadata_key
        return bool(meta) and any(
            objects.InstanceList.get_by_filters(
                self.context, {'metadata': {meta: value}, 'deleted': False},
                limit=1) for value in _TRUE_SPELLINGS)

    def _any_image_tagged(self, key):
        try:
            service, client = _image_service()
            if client is not None:
                for filters in ({'tag': [key]}, {key: 'true'}):
                    images = client.call(self.context, 2, 'list', kwargs={
                        'filters': filters, 'page_size': 1})
                    if next(iter(images), None) is not None:
                        return True
                return False
            return any(key in (image.get('tags') or ()) or
                       true((image.get('properties') or {}).get(key))
                       for image in service.detail(self.context))
        except Exception as error:  # noqa: BLE001 -- never fail a fence call
            LOG.warning('Glance not asked whether an image is tagged %s '
                        '(%s): images count as untagged', key, error)
            return False
