"""The simulator's stand-in image service: Glance v2's read calls.

Stock clients ask the image service about the servers they show
(``openstack server list`` names each server's image) and
fence_evacuate reads image tags; the simulator's images live in Nova's
in-process Glance fixture, so this answers the read-only subset of
Glance's v2 API from it: version discovery, ``GET /v2/images`` (with the
``tag`` and ``name`` filters) and ``GET /v2/images/{id}``.
"""

import json

PREFIX = '/image'


def _json(start_response, status, body):
    data = json.dumps(body).encode('utf-8')
    start_response(status, [('Content-Type', 'application/json'),
                            ('Content-Length', str(len(data)))])
    return [data]


def _stamp(value):
    return value.strftime('%Y-%m-%dT%H:%M:%SZ') if value else None


def _image(meta, base):
    """Glance v2's view of one of Nova's image dicts."""
    properties = dict(meta.get('properties') or {})
    # NOTE: Nova's fixture images carry no Glance tags; a property
    # "tags" (a list) stands for them.
    tags = properties.pop('tags', None) or meta.get('tags') or []
    image = {
        'id': meta['id'], 'name': meta.get('name'),
        'status': meta.get('status', 'active'),
        'visibility': 'public' if meta.get('is_public', True) else 'private',
        'protected': False, 'tags': list(tags),
        'container_format': meta.get('container_format'),
        'disk_format': meta.get('disk_format'),
        'size': meta.get('size'), 'min_disk': meta.get('min_disk', 0),
        'min_ram': meta.get('min_ram', 0), 'owner': meta.get('owner'),
        'created_at': _stamp(meta.get('created_at')),
        'updated_at': _stamp(meta.get('updated_at')),
        'self': '/v2/images/%s' % meta['id'],
        'file': '/v2/images/%s/file' % meta['id'],
        'schema': '/v2/schemas/image',
    }
    for key, value in properties.items():
        image.setdefault(key, value if isinstance(value, str)
                         else json.dumps(value))
    return image


class ImageAPI:
    """WSGI app for ``/image``; ``images()`` lists Nova's image dicts."""

    def __init__(self, images):
        self.images = images

    def __call__(self, environ, start_response, path, base):
        if environ['REQUEST_METHOD'] != 'GET':
            return _json(start_response, '405 Method Not Allowed', {
                'error': 'the simulator\'s image service is read-only'})
        if path in ('', '/', '/versions'):
            return _json(start_response, '200 OK', {'versions': [{
                'id': 'v2.16', 'status': 'CURRENT',
                'links': [{'rel': 'self', 'href': base + PREFIX + '/v2/'}],
            }]})
        if path.rstrip('/') == '/v2/images':
            return self._list(environ, start_response, base)
        if path.startswith('/v2/images/'):
            image_id = path[len('/v2/images/'):].rstrip('/')
            for meta in self.images():
                if meta['id'] == image_id:
                    return _json(start_response, '200 OK',
                                 _image(meta, base))
            return _json(start_response, '404 Not Found', {
                'error': 'no image %s' % image_id})
        return _json(start_response, '404 Not Found', {
            'error': 'the simulator answers only GET /v2/images[/{id}]'})

    def _list(self, environ, start_response, base):
        from urllib import parse
        query = parse.parse_qs(environ.get('QUERY_STRING', ''))
        images = [_image(meta, base) for meta in self.images()]
        for tag in query.get('tag', []):
            images = [i for i in images if tag in i['tags']]
        for name in query.get('name', []):
            images = [i for i in images if i['name'] == name]
        return _json(start_response, '200 OK', {
            'images': images, 'first': '/v2/images',
            'schema': '/v2/schemas/images'})
