"""Check emitted notifications against the samples under doc/.

The samples in ``doc/notification_samples/<name>.json`` are what operators
read to write consumers, so every notification a test sees is compared
with its sample in full: envelope (event_type, priority, publisher_id) and
payload, including every ``nova_object.*`` name, namespace and version.
Values that differ from run to run (uuids, timestamps, host names) are
passed as ``replacements``: ``/``-separated paths into the payload's data
(keys themselves contain dots), e.g.
``{'uuid': ..., 'flavor/nova_object.data/flavorid': ...}``. The publisher's
host (after the ``:`` of ``publisher_id``) is the emitting service's host
and is taken from ``actual`` unless ``publisher_id`` is given.
"""

import copy
import json
import os

SAMPLES_DIR = os.path.join(
    os.path.dirname(__file__), os.pardir, os.pardir, 'doc',
    'notification_samples')


def sample_path(name):
    return os.path.normpath(os.path.join(SAMPLES_DIR, name + '.json'))


def load_sample(name):
    with open(sample_path(name)) as f:
        return json.load(f)


def _set_path(data, path, value):
    keys = path.split('/')
    for key in keys[:-1]:
        data = data[key]
    if keys[-1] not in data:
        raise KeyError('%s: not in the sample' % path)
    data[keys[-1]] = value


def expected_notification(name, replacements=None, publisher_id=None):
    """The sample ``name`` with ``replacements`` applied to its payload."""
    expected = copy.deepcopy(load_sample(name))
    for path, value in (replacements or {}).items():
        _set_path(expected['payload']['nova_object.data'], path, value)
    if publisher_id is not None:
        expected['publisher_id'] = publisher_id
    return expected


def assert_matches_sample(test, name, actual, replacements=None,
                          publisher_id=None):
    """Fail ``test`` unless ``actual`` is the sample ``name``.

    ``actual`` is a notification as Nova's FakeVersionedNotifier records it
    (a dict with event_type, priority, publisher_id and payload).
    """
    if publisher_id is None:
        source = load_sample(name)['publisher_id'].split(':')[0]
        publisher_id = source + ':' + actual['publisher_id'].split(':', 1)[-1]
    expected = expected_notification(name, replacements, publisher_id)
    actual = {key: actual[key] for key in
              ('event_type', 'priority', 'publisher_id', 'payload')}
    test.assertEqual(
        json.loads(json.dumps(expected, sort_keys=True)),
        json.loads(json.dumps(actual, sort_keys=True)),
        'notification does not match doc/notification_samples/%s.json'
        % name)
