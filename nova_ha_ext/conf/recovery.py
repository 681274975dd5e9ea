"""[nova_ha] options of host recovery: force-down, selection, HA conductor."""

from oslo_config import cfg

from nova_ha_ext.conf import database

GROUP = database.GROUP

API_OPTS = [
    cfg.BoolOpt(
        'require_fencing_confirmation',
        default=True,
        help='Refuse a force-down (409) unless the caller states that the '
             'host is fenced ("fenced": true). Evacuating a host that still '
             'runs its instances corrupts their disks, so only turn this off '
             'when something else guarantees fencing.'),
    cfg.FloatOpt(
        'max_down_fraction',
        default=0.33,
        min=0.0,
        max=1.0,
        help='Storm guard. When, counting the host being forced down, more '
             'than this fraction of the nova-compute hosts of its cell or of '
             'any aggregate it belongs to are down, the host is still forced '
             'down but its evacuation is withheld (a network partition or a '
             'rack power loss looks like many failed hosts at once). A call '
             'with "force": true overrides it.'),
    cfg.IntOpt(
        'storm_guard_min_hosts',
        default=4,
        min=1,
        help='The storm guard only judges a cell or an aggregate with at '
             'least this many nova-compute hosts: in a group of three, one '
             'failed host is already a third, and withholding every single '
             'recovery there would defeat the purpose.'),
    cfg.FloatOpt(
        'lock_timeout',
        default=30.0,
        min=0.1,
        help='Seconds a force-down or force-up waits for the other '
             'force-downs and force-ups of its cell to finish (they are '
             'serialised so that the storm guard counts every host being '
             'forced down and one host is never forced down and up at '
             'once) before it answers 409 and asks to be repeated.'),
    cfg.IntOpt(
        'lock_seconds',
        default=60,
        min=5,
        help='How long a force-down or force-up may hold its cell\'s lock '
             'before another call may take it (a crashed nova-api frees it '
             'this way). Far longer than a call takes.'),
    cfg.StrOpt(
        'default_evacuate',
        default='tagged',
        choices=[('tagged', 'instances opted in by tag, metadata, flavor '
                            'extra spec, image tag or property, or '
                            'aggregate'),
                 ('all', 'every instance of the host'),
                 ('none', 'no instance: the host is only forced down')],
        help='Which instances a force-down evacuates when the call does not '
             'say ("evacuate").'),
    cfg.StrOpt(
        'track_nova_force_down',
        default='off',
        choices=[('off', "Nova's force-down is Nova's alone"),
                 ('record', 'it opens a fenced host failure that evacuates '
                            'nothing (fence_compute followed by '
                            "fence_evacuate, whose evacuations are then "
                            'tracked)'),
                 ('evacuate', 'it opens a fenced host failure that '
                              'evacuates per default_evacuate (fence_compute '
                              'alone)')],
        help="For stock fence agents: a force-down of a nova-compute host "
             "through Nova's own os-services API, on a nova-api running "
             "this extension's pipeline, is taken as fenced (fence_compute "
             'forces a host down only once it is fenced) and opens a host '
             'failure. Evacuations someone else started for the failed '
             'host (fence_evacuate, nova evacuate) are followed to their '
             'end, never started a second time. Repeats return the same '
             'failure.'),
    cfg.StrOpt(
        'recovery_tag',
        default='automatic-recovery',
        help='Server tag that opts an instance in to evacuation with '
             '"evacuate": "tagged".'),
    cfg.StrOpt(
        'ha_enabled_metadata_key',
        default='HA_Enabled',
        help='Server metadata key that opts an instance in when its value is '
             'true (Masakari\'s convention). Empty to ignore metadata.'),
    cfg.StrOpt(
        'evacuable_key',
        default='evacuable',
        help='Flavor extra spec, image property or aggregate metadata that '
             'opts an instance in when true, or Glance image tag that opts '
             'it in when present (the convention of fence_evacuate and '
             'InstanceHA); see evacuable_sources. Empty to ignore them.'),
    cfg.ListOpt(
        'evacuable_sources',
        default=['flavor', 'image', 'aggregate'],
        item_type=cfg.types.String(choices=['flavor', 'image',
                                            'aggregate']),
        help='Where evacuable_key opts instances in: "flavor" (the '
             'flavor\'s current extra specs, read by flavor id at the '
             'failure, as fence_evacuate does), "image" (a Glance image tag '
             'or image property), "aggregate" (aggregate metadata: every '
             'instance of a host in such an aggregate, as InstanceHA '
             'does).'),
    cfg.BoolOpt(
        'evacuate_all_if_none_tagged',
        default=False,
        help='fence_evacuate\'s convention: a "tagged" force-down evacuates '
             'every instance of the host when nothing in its cell opted in '
             '(no flavor, image, aggregate or server tagged by any of the '
             'keys above); it is then recorded with selection "all".'),
    cfg.ListOpt(
        'skip_name_patterns',
        default=[],
        help='Instances whose name contains one of these strings are never '
             'evacuated; they are recorded as skipped with the reason '
             '(InstanceHA\'s SKIP_SERVERS_WITH_NAME).'),
    cfg.StrOpt(
        'priority_metadata_key',
        default='ha:priority',
        help='Server metadata key holding an integer evacuation priority: '
             'higher values are evacuated first; missing or invalid values '
             'count as 0.'),
    cfg.StrOpt(
        'restart_priority_key',
        default='instanceha:restart_priority',
        help='InstanceHA\'s priority key, read when priority_metadata_key '
             'is not set on the server: from the server\'s metadata, its '
             'flavor\'s current extra specs, then its image\'s properties. '
             'Empty to ignore it.'),
    cfg.StrOpt(
        'max_failures_metadata_key',
        default='instanceha:max_failures',
        help='Aggregate metadata key holding an absolute storm-guard limit: '
             'when more hosts of that aggregate than this are down, counting '
             'the host being forced down, its evacuation is withheld (as '
             'with max_down_fraction, whatever the aggregate\'s size). '
             'Empty to ignore it.'),
]

CONDUCTOR_OPTS = [
    cfg.BoolOpt(
        'auto_force_up',
        default=False,
        help='Put a failed host back in service without an operator once '
             'its recovery is over (nothing pending or in flight), its '
             'nova-compute reports again and its evacuation migrations are '
             'completed (InstanceHA\'s convention): the guarded force-up of '
             'the API, re-enabling only what nova-ha-ext disabled, with an '
             'ha.host.force_up notification saying why. Checked every '
             'resume_interval. Off by default: many operators want to look '
             'at a repaired host before it takes instances again.'),
    cfg.BoolOpt(
        'lock_servers',
        default=True,
        help='Lock each server (Nova\'s lock, with a reason naming '
             'nova-ha-ext and the evacuation) for the time of its '
             'evacuation, so that its owner cannot stop, rebuild or delete '
             'it meanwhile, as Masakari and InstanceHA do; unlocked when the '
             'attempt ends. A server someone else locked is left locked and '
             'never unlocked by nova-ha-ext.'),
    cfg.IntOpt(
        'conductor_workers',
        min=1,
        help='Worker processes of nova-ha-conductor; the number of CPUs by '
             'default. Several nova-ha-conductor services (on several '
             'controllers) may run too: each task runs in exactly one '
             'worker at a time.'),
    cfg.StrOpt(
        'conductor_topic',
        default='nova-ha-conductor',
        help='RPC topic the HA conductor workers listen on.'),
    cfg.IntOpt(
        'max_parallel',
        default=200,
        min=1,
        help='Largest number of evacuations of one host in flight at a '
             'time (accepted by Nova and not yet confirmed); the worker-wide '
             'cap, max_parallel_per_worker, applies too. Nova spreads a '
             'burst of evacuations over the destinations only with '
             '[filter_scheduler] host_subset_size > 1: with 1 (its '
             'default) concurrent schedulings see the same best host and '
             'pile onto it (doc/deployment.md, '
             'benchmarks/recovery/README.md).'),
    cfg.IntOpt(
        'dispatch_threads',
        default=4,
        min=1,
        help='Threads of one host evacuation that start evacuations at '
             'the same time (each: lock the server, last re-checks, Nova\'s '
             'evacuate). Nova\'s evacuate mostly waits on its databases '
             'and message bus, so a few threads start a host\'s instances '
             'faster than one; the limits, the one-at-a-time rule of '
             'anti-affinity groups and every re-check before each call are '
             'the same. 1 starts them one after the other.'),
    cfg.IntOpt(
        'max_parallel_per_worker',
        default=200,
        min=1,
        help='Largest number of evacuations in flight in one HA conductor '
             'worker, over every host it recovers.'),
    cfg.IntOpt(
        'max_attempts',
        default=3,
        min=1,
        help='Attempts per instance before its evacuation is failed.'),
    cfg.FloatOpt(
        'retry_backoff',
        default=5.0,
        min=0.0,
        help='Seconds before the second attempt of an instance; doubled for '
             'each further attempt.'),
    cfg.IntOpt(
        'evacuation_timeout',
        default=600,
        min=1,
        help='Seconds an evacuation may take, from the evacuate call to its '
             'migration record reaching "done", before the attempt counts '
             'as failed.'),
    cfg.FloatOpt(
        'poll_interval',
        default=0.5,
        min=0.05,
        help='Seconds between two reads of the migration records of the '
             'evacuations in flight (one query per host evacuation).'),
    cfg.IntOpt(
        'lease_seconds',
        default=60,
        min=2,
        help='A worker holds the task it runs for this long and renews it '
             'every third of it; when a worker dies, another one resumes '
             'its tasks once the lease has expired.'),
    cfg.IntOpt(
        'resume_interval',
        default=30,
        min=1,
        help='Seconds between two looks, in every worker, for tasks that '
             'are pending or whose lease expired.'),
]

OPTS = API_OPTS + CONDUCTOR_OPTS


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
