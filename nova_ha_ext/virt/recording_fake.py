"""A fake compute driver whose guests can be seen from outside.

Nova's ``fake.FakeDriver`` keeps its guests in the nova-compute process's
memory, so a test cannot tell which host really runs an instance, nor
whether an evacuated guest was cleaned off its old host. This subclass
writes them, after every change, to ``<state_path>/fake-guests.json``
(``{uuid: power_state}``), so the e2e tier checks Nova's records against
what the "hypervisors" hold.

It can also hold a spawn (an evacuation's rebuild) in flight: when the
environment names a file in ``NOVA_HA_FAKE_SPAWN_DELAY_FILE`` and that
file holds a number, each spawn sleeps that many seconds first. The file
is read at each spawn, so a test slows spawns only while it needs to.
While held, a spawn's instance is listed in
``<state_path>/fake-spawning.json``: a test knows the rebuild has reached
the hypervisor (past Nova's own database and RPC work) before it
restarts a server under it.

For tests only: ``compute_driver =
nova_ha_ext.virt.recording_fake.RecordingFakeDriver``.
"""

import json
import os
import threading
import time

from nova import conf
from nova.virt import fake

CONF = conf.CONF
DELAY_FILE_ENV = 'NOVA_HA_FAKE_SPAWN_DELAY_FILE'
_RECORD_LOCK = threading.Lock()


def _spawn_delay():
    path = os.environ.get(DELAY_FILE_ENV)
    try:
        with open(path) as f:
            return float(f.read().strip() or 0)
    except (TypeError, OSError, ValueError):
        return 0.0


def _write_json(path, value):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(value, f)
    # NOTE: atomic, so a reader never sees a half-written file.
    os.replace(tmp, path)


# NOTE: the node-identity variant: it keeps its node uuid in
# <state_path>/compute_id like a real single-node driver, so a killed
# nova-compute starts again (plain FakeDriver writes no compute_id, and
# Nova refuses a restart without one).
class RecordingFakeDriver(fake.FakeDriverWithoutFakeNodes):

    def _record(self):
        # NOTE: init_host runs before Nova creates state_path itself.
        os.makedirs(CONF.state_path, exist_ok=True)
        path = os.path.join(CONF.state_path, 'fake-guests.json')
        # NOTE: under native threads, rebuilds finishing together record
        # at once: without the lock, a snapshot taken before another
        # thread's spawn could be written after that thread's (the
        # benchmark once saw an ACTIVE instance with no guest on any
        # host), and two writers shared the .tmp file. The snapshot is
        # taken under the lock, so the last write holds every guest added
        # before it; dict.copy() does not iterate a dict another thread
        # is changing.
        with _RECORD_LOCK:
            guests = {uuid: guest.state
                      for uuid, guest in self.instances.copy().items()}
            _write_json(path, guests)

    def init_host(self, host):
        result = super().init_host(host)
        self._record()
        return result

    def spawn(self, context, instance, *args, **kwargs):
        delay = _spawn_delay()
        if delay > 0:
            self._held(instance.uuid, True)
            try:
                time.sleep(delay)
            finally:
                self._held(instance.uuid, False)
        super().spawn(context, instance, *args, **kwargs)
        self._record()

    def _held(self, uuid, held):
        # NOTE: spawns run in parallel threads of one nova-compute.
        if not hasattr(self, '_spawning'):
            self._spawning, self._spawning_lock = set(), threading.Lock()
        with self._spawning_lock:
            (self._spawning.add if held else self._spawning.discard)(uuid)
            _write_json(os.path.join(CONF.state_path, 'fake-spawning.json'),
                        sorted(self._spawning))

    def destroy(self, *args, **kwargs):
        super().destroy(*args, **kwargs)
        self._record()

    def power_off(self, *args, **kwargs):
        super().power_off(*args, **kwargs)
        self._record()

    def power_on(self, *args, **kwargs):
        super().power_on(*args, **kwargs)
        self._record()
