"""[nova_ha] options of the HA conductor's metrics and health endpoint."""

from oslo_config import cfg

from nova_ha_ext.conf import database

GROUP = database.GROUP

OPTS = [
    cfg.PortOpt(
        'metrics_port',
        default=0,
        help='TCP port on which each nova-ha-conductor worker serves '
             'Prometheus text metrics (GET /metrics) and its health '
             '(GET /healthz). 0, the default, serves nothing. Every worker '
             'of a host binds the same port (SO_REUSEPORT): the metrics '
             'are read from the database and are the same whichever '
             'worker answers.'),
    cfg.HostAddressOpt(
        'metrics_host',
        default='127.0.0.1',
        help='Address the metrics and health endpoint listens on. The '
             'endpoint has no authentication: keep it on a management '
             'network.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(OPTS, group=GROUP)


def list_opts():
    return {GROUP: OPTS}
