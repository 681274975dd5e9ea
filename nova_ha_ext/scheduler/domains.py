"""Failure domains: the key scheme, the hints, and a request's group view.

A host's domain at level ``L`` is the value of the metadata key
``failure_domain:L`` on the aggregates it belongs to (``failure_domain:rack
= r12``). A request names the level with the scheduler hint
``failure_domain=L`` (or ``[nova_ha] default_failure_domain_level`` applies)
and may set ``max_server_per_domain=N``.

Everything that depends on the request alone -- the level, the limit, where
the group's other members are and in which domains -- is worked out once per
request and kept on the RequestSpec (nova-scheduler hands every filter the
same object for every host of one request, then drops it), so a filter's
per-host work is reading the candidate host's aggregates.
"""

import re

import nova.conf

from nova_ha_ext.conf import scheduler as scheduler_conf
from nova_ha_ext.scheduler import lookups

CONF = nova.conf.CONF

KEY_PREFIX = 'failure_domain:'
LEVEL_HINT = 'failure_domain'
MAX_HINT = 'max_server_per_domain'
# Group policies each filter acts on. Soft anti-affinity is a preference,
# which a strict filter cannot express; soft affinity is where "same rack,
# any host" is useful, since Nova's affinity filter pins members to one host.
ANTI_AFFINITY_POLICIES = frozenset(['anti-affinity'])
AFFINITY_POLICIES = frozenset(['affinity', 'soft-affinity'])
_POLICIES = ANTI_AFFINITY_POLICIES | AFFINITY_POLICIES
_LEVEL_RE = re.compile(r'^[A-Za-z0-9_.-]+$')
_CACHE_ATTR = '_nova_ha_group_domains'


def register_opts():
    """Register our options on Nova's CONF (nova-scheduler has only Nova's)."""
    scheduler_conf.register_opts(CONF)


def domain_key(level):
    return KEY_PREFIX + level


def host_domain(host_state, key):
    """``(domain, None)`` for the host, or ``(None, why it has none)``."""
    # The per-host cost of the filters: one metadata read per aggregate of
    # the host (Nova's aggregate_values_from_key reads it twice).
    values = set()
    for agg in host_state.aggregates:
        value = agg.metadata.get(key)
        if value is not None:
            values.add(value)
    if len(values) == 1:
        return values.pop(), None
    if not values:
        return None, 'is in no aggregate with metadata %s' % key
    return None, 'has conflicting %s values %s' % (key, sorted(values))


def _domain_index(aggregates, key):
    """``{host: (domain, ...)}`` from the aggregates that carry ``key``."""
    index = {}
    for agg in aggregates:
        value = (agg.metadata[key],)
        for host in agg.hosts or ():
            known = index.get(host)
            if known is None:
                index[host] = value
            elif value[0] not in known:
                # In two aggregates with different values: a member there
                # counts in each domain (the safe side for anti-affinity).
                index[host] = known + value
    return index


class GroupDomains:
    """A request's server group seen through failure domains at one level.

    ``error`` is set when the request asks for failure domains in a way that
    cannot be honoured (a malformed hint); no host passes then.
    """

    def __init__(self, spec_obj, group, level, limit, error=None):
        self.group = group
        self.policy = group.policy
        self.group_uuid = group.uuid if 'uuid' in group else 'n/a'
        self.level = level
        self.key = domain_key(level) if not error else None
        self.limit = limit
        self.error = error
        self._token = None
        self._counts = None
        self._member_hosts = self._index = None
        # Checked once: reading an unset field would lazy-load it from the
        # database, on every host.
        self._group_has_hosts = 'hosts' in group
        # The scheduler appends each host it picks to group.hosts during a
        # multi-create request; what was there before is already counted
        # from the members' records.
        self._base_hosts = len(self._hosts())

    def _load(self, spec_obj):
        # Deferred to the first host that has a domain, so a request that
        # no host could pass anyway costs no database reads.
        context = lookups.request_context(spec_obj)
        group = self.group
        members = group.members if 'members' in group else None
        self._member_hosts = lookups.member_hosts(context, members or ())
        self._index = _domain_index(
            lookups.domain_aggregates(context, self.key), self.key)

    def _hosts(self):
        return (self.group.hosts or []) if self._group_has_hosts else []

    def sibling_counts(self, spec_obj):
        """``{domain: members other than the one being scheduled}``.

        Recomputed only when the instance being scheduled changes or the
        scheduler has placed another member, both of which happen between
        hosts only in a multi-create request.
        """
        hosts = self._hosts()
        instance_uuid = spec_obj.instance_uuid
        token = (instance_uuid, len(hosts))
        if token != self._token:
            if self._index is None:
                self._load(spec_obj)
            index = self._index
            counts = {}
            # The instance itself never counts: when it is evacuated or
            # migrated, its current host is not a sibling's.
            sibling_hosts = [host for uuid, host in self._member_hosts.items()
                             if uuid != instance_uuid]
            sibling_hosts.extend(hosts[self._base_hosts:])
            for host in sibling_hosts:
                for domain in index.get(host, ()):
                    counts[domain] = counts.get(domain, 0) + 1
            self._token, self._counts = token, counts
        return self._counts


def _limit(spec_obj, group):
    raw = spec_obj.get_scheduler_hint(MAX_HINT)
    source = 'scheduler hint %s' % MAX_HINT
    if raw is None:
        # A group that lets N members share a host lets N share a domain.
        # (Nova keeps no other group rule: InstanceGroup.rules exposes
        # max_server_per_host only.)
        raw = group.rules.get('max_server_per_host')
        if raw is None:
            return 1, None
        source = 'group rule max_server_per_host'
    try:
        limit = int(raw)
    except (TypeError, ValueError):
        limit = 0
    if limit < 1:
        return None, '%s must be a positive integer, not %r' % (source, raw)
    return limit, None


def _build(spec_obj):
    group = spec_obj.instance_group if 'instance_group' in spec_obj else None
    if group is None or 'policy' not in group:
        return None
    if group.policy not in _POLICIES:
        return None
    level = spec_obj.get_scheduler_hint(LEVEL_HINT)
    if level is None:
        level = CONF.nova_ha.default_failure_domain_level
        if level is None:
            return None
    if not isinstance(level, str) or not _LEVEL_RE.match(level):
        return GroupDomains(
            spec_obj, group, str(level), None,
            'scheduler hint %s must be one level name made of letters, '
            'digits, ".", "_" or "-", not %r' % (LEVEL_HINT, level))
    limit, error = _limit(spec_obj, group)
    return GroupDomains(spec_obj, group, level, limit, error)


def for_request(spec_obj, policies):
    """The request's GroupDomains if it asks for domains under ``policies``.

    None when the request is not for a member of a group with one of those
    policies, or names no level (and no default level is configured).
    """
    try:
        view = spec_obj.__dict__[_CACHE_ATTR]
    except KeyError:
        view = _build(spec_obj)
        # A plain attribute, not a field: never serialised or saved, and
        # gone with the RequestSpec at the end of the request.
        spec_obj.__dict__[_CACHE_ATTR] = view
    if view is None or view.policy not in policies:
        return None
    return view
