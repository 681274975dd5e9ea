# NOTE: Nova's own test package applies its concurrency mode (eventlet
# monkey patching unless OS_NOVA_DISABLE_EVENTLET_PATCHING=1) before anything
# else is imported; do the same so both modes can be tested.
from nova import monkey_patch; monkey_patch.patch()  # noqa: E702,I001
