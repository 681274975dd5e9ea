"""The HA conductor's metrics, in Prometheus' text exposition format.

Everything is read from the extension's database at each scrape, so any
worker gives the same answer and a restarted one loses nothing: counters
of past recoveries are the rows themselves.
"""

from nova_ha_ext.db import metrics as db_metrics
from nova_ha_ext.objects import fields

#: Histogram buckets, in seconds: Masakari waits 180 s before it starts.
BUCKETS = (5, 10, 20, 30, 60, 120, 180, 300, 600, 1200)
CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'


def _escape(value):
    return (str(value).replace('\\', '\\\\').replace('\n', '\\n')
            .replace('"', '\\"'))


class _Text:
    def __init__(self):
        self.lines = []

    def family(self, name, kind, help_text):
        self.lines += ['# HELP %s %s' % (name, help_text),
                       '# TYPE %s %s' % (name, kind)]

    def sample(self, name, value, **labels):
        label_text = ','.join('%s="%s"' % (key, _escape(val))
                              for key, val in sorted(labels.items()))
        self.lines.append('%s%s %s' % (
            name, '{%s}' % label_text if label_text else '',
            repr(float(value)) if isinstance(value, float) else value))

    def histogram(self, name, help_text, values):
        self.family(name, 'histogram', help_text)
        for bound in BUCKETS:
            self.sample(name + '_bucket', sum(v <= bound for v in values),
                        le=str(bound))
        self.sample(name + '_bucket', len(values), le='+Inf')
        self.sample(name + '_sum', float(sum(values)))
        self.sample(name + '_count', len(values))


def render(context):
    """The metrics page, as text."""
    snap = db_metrics.snapshot(context)
    text = _Text()
    text.family('nova_ha_host_failures', 'gauge',
                'Host failures recorded, open (host still forced down by '
                'nova-ha-ext) or closed (forced up since).')
    for state in ('open', 'closed'):
        text.sample('nova_ha_host_failures', snap['failures'][state],
                    state=state)
    text.family('nova_ha_host_evacuations', 'gauge',
                'Host evacuation tasks by status.')
    for status in fields.HostEvacuationStatus.ALL:
        text.sample('nova_ha_host_evacuations',
                    snap['tasks'].get(status, 0), status=status)
    text.family('nova_ha_instance_evacuations', 'gauge',
                'Instances of host evacuations by status.')
    for status in fields.InstanceEvacuationStatus.ALL:
        text.sample('nova_ha_instance_evacuations',
                    snap['items'].get(status, 0), status=status)
    text.family('nova_ha_instance_evacuations_in_flight', 'gauge',
                'Instances whose evacuation Nova is carrying out now.')
    text.sample('nova_ha_instance_evacuations_in_flight',
                snap['items'].get(
                    fields.InstanceEvacuationStatus.EVACUATING, 0))
    text.family('nova_ha_leases_held', 'gauge',
                'Host evacuation tasks leased (run) by each worker.')
    for worker, count in sorted(snap['leases'].items()):
        text.sample('nova_ha_leases_held', count, worker=worker)
    text.histogram('nova_ha_evacuation_duration_seconds',
                   'Seconds from the start of an instance\'s successful '
                   'evacuation attempt to its confirmation.',
                   snap['attempts'])
    text.histogram('nova_ha_recovery_duration_seconds',
                   'Seconds from the host\'s force-down to the confirmed '
                   'evacuation of each of its instances.',
                   snap['recoveries'])
    return '\n'.join(text.lines) + '\n'
