"""Server-group (anti-)affinity per failure domain: rack, PDU, zone...

Nova's ServerGroupAntiAffinityFilter and ServerGroupAffinityFilter work per
host; these filters apply the same group policies to the domains named by
aggregate metadata (see nova_ha_ext.scheduler.domains). They add to Nova's
filters, they do not replace them: enable both.
"""

from nova.scheduler import filters
from oslo_log import log as logging

from nova_ha_ext.scheduler import domains

LOG = logging.getLogger(__name__)


class _FailureDomainFilter(filters.BaseHostFilter):

    # NOTE: a rebuild on the same host (the only rebuild that reaches the
    # scheduler) does not move the instance, so its domain is unchanged and
    # there is nothing to check. Evacuations are not rebuilds to the
    # scheduler and are filtered like any other move.
    RUN_ON_REBUILD = False
    # Each instance of a multi-create request changes where the group is.
    run_filter_once_per_request = False

    policies = frozenset()

    def __init__(self):
        super().__init__()
        domains.register_opts()

    def host_passes(self, host_state, spec_obj):
        view = domains.for_request(spec_obj, self.policies)
        if view is None:
            return True
        if view.error:
            LOG.debug('%(host_state)s fails %(filter)s: %(error)s.',
                      {'host_state': host_state,
                       'filter': self.__class__.__name__,
                       'error': view.error})
            return False
        domain, why = domains.host_domain(host_state, view.key)
        if domain is None:
            # Strict: without a domain the host cannot be shown to keep
            # (or share) the group's failure domain, so it does not pass.
            LOG.debug('%(host_state)s fails %(filter)s for server group '
                      '%(group)s: it %(why)s, so its %(level)s cannot be '
                      'checked.',
                      {'host_state': host_state,
                       'filter': self.__class__.__name__,
                       'group': view.group_uuid, 'why': why,
                       'level': view.level})
            return False
        return self._domain_passes(
            host_state, view, domain, view.sibling_counts(spec_obj))

    def _domain_passes(self, host_state, view, domain, counts):
        raise NotImplementedError()


class FailureDomainAntiAffinityFilter(_FailureDomainFilter):
    """Spread an anti-affinity group's members over failure domains.

    A host passes when its domain holds fewer than ``max_server_per_domain``
    (default 1) of the group's other members.
    """

    policies = domains.ANTI_AFFINITY_POLICIES

    def _domain_passes(self, host_state, view, domain, counts):
        placed = counts.get(domain, 0)
        if placed < view.limit:
            return True
        LOG.debug('%(host_state)s fails FailureDomainAntiAffinityFilter: '
                  '%(level)s %(domain)s already holds %(placed)d member(s) '
                  'of server group %(group)s, limit %(limit)d.',
                  {'host_state': host_state, 'level': view.level,
                   'domain': domain, 'placed': placed,
                   'group': view.group_uuid, 'limit': view.limit})
        return False


class FailureDomainAffinityFilter(_FailureDomainFilter):
    """Keep an affinity or soft-affinity group's members in one domain.

    A host passes when it is in the domain of the members already placed
    (any host of it, so a member can be evacuated within its rack); the
    first member may go to any host that has a domain.
    """

    policies = domains.AFFINITY_POLICIES

    def _domain_passes(self, host_state, view, domain, counts):
        # Members placed before the rule applied may already span several
        # domains; joining any of them keeps the group recoverable.
        if not counts or domain in counts:
            return True
        LOG.debug('%(host_state)s fails FailureDomainAffinityFilter: it is '
                  'in %(level)s %(domain)s, members of server group '
                  '%(group)s are in %(placed)s.',
                  {'host_state': host_state, 'level': view.level,
                   'domain': domain, 'group': view.group_uuid,
                   'placed': sorted(counts)})
        return False
