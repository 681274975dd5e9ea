"""Domain errors of nova-ha-ext.

They subclass Nova's exceptions so that Nova's API fault wrapping turns
them into the usual fault bodies (itemNotFound, badRequest,
conflictingRequest) and so that they cross RPC like Nova's own. Every
message says what was wrong and what the caller can do about it.
"""

from nova import exception


class Conflict(exception.NovaException):
    """The request conflicts with the current state of a resource."""

    msg_fmt = 'The request conflicts with the current state of the resource.'
    code = 409


class HostEvacuationNotFound(exception.NotFound):
    msg_fmt = ('Host evacuation %(uuid)s could not be found. List the '
               'existing ones with GET /os-ha/evacuations.')


class InstanceEvacuationNotFound(exception.NotFound):
    msg_fmt = ('Instance %(instance_uuid)s is not part of host evacuation '
               '%(evacuation_uuid)s. Show that evacuation to see the '
               'instances it covers.')


class MarkerNotFound(exception.Invalid):
    msg_fmt = ('Marker %(marker)s could not be found among the host '
               'evacuations. Use the uuid of an evacuation returned by the '
               'previous page, or omit the marker to start again.')


class ActiveHostEvacuationExists(Conflict):
    msg_fmt = ('Host %(host)s already has an evacuation in progress. Wait '
               'for it to finish or cancel it before starting another.')


class HostEvacuationStateConflict(Conflict):
    msg_fmt = ('Host evacuation %(uuid)s was changed concurrently and no '
               'longer has %(expected)s. Reload it and try again.')


class InstanceEvacuationStateConflict(Conflict):
    msg_fmt = ('The evacuation of instance %(instance_uuid)s was changed '
               'concurrently and no longer has %(expected)s. Reload it and '
               'try again.')


class ComputeHostNotFound(exception.NotFound):
    msg_fmt = ('No nova-compute service runs on host %(host)s. List the '
               'compute hosts with GET /os-ha/hosts and use a name from '
               'there.')


class FencingNotConfirmed(Conflict):
    msg_fmt = ('Host %(host)s is not forced down: fencing was not '
               'confirmed. Power the host off or isolate it first, then '
               'repeat the call with "fenced": true (required while '
               '[nova_ha] require_fencing_confirmation is true).')


class HostEvacuationInProgress(Conflict):
    msg_fmt = ('Host %(host)s cannot be forced up while its evacuation '
               '%(uuid)s is %(status)s: its instances could be started '
               'twice. Wait for the evacuation to finish or cancel it '
               '(POST /os-ha/evacuations/%(uuid)s/action {"cancel": null}).')


class HostEvacuationNotActive(Conflict):
    msg_fmt = ('Host evacuation %(uuid)s is %(status)s and can no longer '
               'be cancelled.')


class NothingToRetry(Conflict):
    msg_fmt = ('Host evacuation %(uuid)s has no failed instance to retry.')


class HostNotForcedDown(Conflict):
    msg_fmt = ('Host %(host)s is no longer forced down, so its instances '
               'cannot be evacuated. Force it down again first.')


class HostFailureClosed(Conflict):
    msg_fmt = ('The failure of host %(host)s recorded by evacuation '
               '%(uuid)s is closed (the host was forced up), so nothing '
               'more is evacuated under it. If the host failed again, fence '
               'it and force it down through nova-ha-ext (PUT '
               '/os-ha/hosts/%(host)s with "fenced": true): a new record '
               'starts.')


class EvacuationInFlight(Conflict):
    msg_fmt = ('Host %(host)s cannot be forced up while evacuation %(uuid)s '
               'has %(count)d instance(s) pending or in flight: their '
               'guests could run twice. Wait for them to end (GET '
               '/os-ha/evacuations/%(uuid)s) or cancel the pending ones, '
               'then repeat the force-up.')


class DoneEvacuationsRemain(Conflict):
    msg_fmt = ('Host %(host)s cannot be forced up yet: %(count)d `done` '
               'evacuation migration(s) from it remain, so its old guests '
               'were not cleaned up. Restart nova-compute on the repaired '
               'host (it destroys the evacuated guests and marks those '
               'migrations `completed`), then repeat the force-up.')


class ComputeNotReported(Conflict):
    msg_fmt = ('Host %(host)s cannot be forced up yet: its nova-compute has '
               'not reported since the host was forced down at %(since)s '
               '(last report: %(last)s), so it may still be dead and Nova '
               'would schedule onto it. Restart nova-compute on the repaired '
               'host, wait for its first report (up to [DEFAULT] '
               'report_interval seconds), then repeat the force-up.')


class HostLockTimeout(Conflict):
    msg_fmt = ('Another force-down or force-up in cell %(cell)s (host '
               '%(host)s) is still in progress after %(seconds)d s. Repeat '
               'the call.')


class NothingRetryable(Conflict):
    msg_fmt = ('No failed instance of host evacuation %(uuid)s can be '
               'retried: %(reasons)s')
