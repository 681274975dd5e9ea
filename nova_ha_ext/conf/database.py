"""[nova_ha] options for the extension's own database."""

from nova.conf import paths as nova_paths
from oslo_config import cfg

GROUP = cfg.OptGroup(
    'nova_ha',
    title='nova-ha-ext options',
    help='Options of the nova-ha-ext extension (instance high '
         'availability for Nova).')

DB_OPTS = [
    cfg.StrOpt(
        'connection',
        secret=True,
        default='sqlite:///$state_path/nova_ha.sqlite',
        help='SQLAlchemy URL of the database that holds host and instance '
             'evacuation records. The default is a SQLite file under Nova\'s '
             'state_path, enough for a single controller or a lab; use '
             'MySQL/MariaDB (mysql+pymysql://...) or PostgreSQL '
             '(postgresql+psycopg2://...) when several controllers run the '
             'API or the HA conductor. Create or upgrade the schema with '
             '"nova-ha-manage db sync".'),
    cfg.BoolOpt(
        'sqlite_synchronous',
        default=True,
        help='If false, SQLite does not wait for data to reach the disk '
             '(faster, but a host crash can lose the last records). Only '
             'used with a sqlite:// connection.'),
    cfg.IntOpt(
        'connection_recycle_time',
        default=3600,
        min=1,
        help='Seconds after which a pooled connection is replaced, so that '
             'server-side idle timeouts never hand out a dead connection.'),
    cfg.IntOpt(
        'max_pool_size',
        default=5,
        min=0,
        help='Largest number of connections kept open in the pool; 0 means '
             'no limit. Ignored for SQLite.'),
    cfg.IntOpt(
        'max_overflow',
        default=50,
        min=0,
        help='Connections allowed above max_pool_size under a burst.'),
    cfg.IntOpt(
        'pool_timeout',
        default=30,
        min=1,
        help='Seconds to wait for a free pooled connection before failing.'),
    cfg.IntOpt(
        'max_retries',
        default=10,
        min=-1,
        help='Attempts to open the first connection at start-up; -1 retries '
             'forever. Lets the HA conductor start before the database '
             'server is reachable.'),
    cfg.IntOpt(
        'retry_interval',
        default=10,
        min=0,
        help='Seconds between those attempts.'),
    cfg.IntOpt(
        'connection_debug',
        default=0,
        min=0,
        max=100,
        help='SQL logging: 0 none, 50 or more INFO, 100 DEBUG (every '
             'statement).'),
]


def register_opts(conf):
    # The default connection interpolates Nova's $state_path; make sure it
    # resolves on a ConfigOpts that only nova-ha-manage has set up.
    nova_paths.register_opts(conf)
    conf.register_group(GROUP)
    conf.register_opts(DB_OPTS, group=GROUP)


def list_opts():
    return {GROUP: DB_OPTS}
