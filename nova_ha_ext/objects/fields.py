"""Enum fields of the extension's objects."""

from nova.objects import fields


class HostEvacuationStatus(fields.BaseNovaEnum):
    PENDING = 'pending'
    RUNNING = 'running'
    COMPLETED = 'completed'
    COMPLETED_WITH_ERRORS = 'completed_with_errors'
    CANCELLED = 'cancelled'

    ALL = (PENDING, RUNNING, COMPLETED, COMPLETED_WITH_ERRORS, CANCELLED)
    #: While a task is in one of these, its host can have no other task.
    ACTIVE = (PENDING, RUNNING)


class InstanceEvacuationStatus(fields.BaseNovaEnum):
    PENDING = 'pending'
    EVACUATING = 'evacuating'
    SUCCEEDED = 'succeeded'
    FAILED = 'failed'
    SKIPPED = 'skipped'
    CANCELLED = 'cancelled'

    ALL = (PENDING, EVACUATING, SUCCEEDED, FAILED, SKIPPED, CANCELLED)
    #: States an item never leaves on its own.
    TERMINAL = (SUCCEEDED, FAILED, SKIPPED, CANCELLED)


class EvacuationSelection(fields.BaseNovaEnum):
    """Which instances of a failed host are evacuated."""

    TAGGED = 'tagged'
    ALL_INSTANCES = 'all'
    NONE = 'none'

    ALL = (TAGGED, ALL_INSTANCES, NONE)


class HostEvacuationStatusField(fields.BaseEnumField):
    AUTO_TYPE = HostEvacuationStatus()


class InstanceEvacuationStatusField(fields.BaseEnumField):
    AUTO_TYPE = InstanceEvacuationStatus()


class EvacuationSelectionField(fields.BaseEnumField):
    AUTO_TYPE = EvacuationSelection()
