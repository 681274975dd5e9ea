"""nova-compute with nova_ha_ext.virt.recording_fake.RecordingFakeDriver.

Nova imports its driver only as ``nova.virt.<compute_driver>``; this
launcher registers the recording driver's module under
``nova.virt.recording_fake`` first, so ``compute_driver =
recording_fake.RecordingFakeDriver`` loads it. Test tooling only: the
production package gets no alias for a fake driver.
"""

import importlib
import sys

# NOTE: first, as bin/nova-compute does: it applies Nova's monkey
# patching before anything else of Nova is imported.
from nova.cmd import compute

ALIAS = 'nova.virt.recording_fake'


def main():
    sys.modules[ALIAS] = importlib.import_module(
        'nova_ha_ext.virt.recording_fake')
    sys.argv[0] = 'nova-compute'
    return compute.main()


if __name__ == '__main__':
    sys.exit(main())
