"""nova-ha-manage: administer the extension's database.

    nova-ha-manage [--config-file nova.conf] db sync [--version REV]
    nova-ha-manage [--config-file nova.conf] db version

Reads Nova's configuration files like nova-manage does (project 'nova',
so /etc/nova/nova.conf by default) and uses ``[nova_ha] connection``.
"""

import sys

from alembic import util as alembic_util
import nova.conf
from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_log import log as logging
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from nova_ha_ext import conf as ha_conf
from nova_ha_ext.db import api
from nova_ha_ext.db import migration

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)


def _db_sync(version=None):
    migration.db_sync(version=version)
    print('nova-ha database is at revision %s' % migration.db_version())


def _db_version():
    print(migration.db_version())


def _add_command_parsers(subparsers):
    db = subparsers.add_parser(
        'db', help="Manage the extension's database ([nova_ha] connection).")
    actions = db.add_subparsers(dest='action', metavar='ACTION')
    actions.required = True
    sync = actions.add_parser(
        'sync', help='Create the schema or upgrade it (upgrade-only).')
    sync.add_argument(
        '--version', metavar='REV', default=None,
        help='Revision to upgrade to; the newest by default.')
    sync.set_defaults(func=lambda args: _db_sync(version=args.version))
    version = actions.add_parser(
        'version', help='Print the schema revision ("None" before sync).')
    version.set_defaults(func=lambda args: _db_version())


_CATEGORY_OPT = cfg.SubCommandOpt(
    'category', title='Command categories', handler=_add_command_parsers,
    help='Available categories')


def _connection_for_humans():
    try:
        return sa.engine.make_url(CONF.nova_ha.connection).render_as_string(
            hide_password=True)
    except sa_exc.ArgumentError:
        return CONF.nova_ha.connection


def _fail(message):
    print('ERROR: %s' % message, file=sys.stderr)
    return 1


def _run(args):
    """Run the chosen action; return the exit code."""
    url = _connection_for_humans()
    try:
        args.func(args)
    except db_exc.DBNonExistentDatabase as error:
        return _fail(
            'the nova-ha database at %s does not exist: %s. Create it (for '
            'example CREATE DATABASE nova_ha) and grant the configured user '
            'access, then run "nova-ha-manage db sync".'
            % (url, _short(error)))
    except (db_exc.DBConnectionError, sa_exc.OperationalError) as error:
        return _fail(
            'cannot connect to the nova-ha database at %s: %s. Check '
            '[nova_ha] connection in your nova.conf and that the database '
            'server is running and reachable.' % (url, _short(error)))
    except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError,
            ImportError) as error:
        return _fail(
            'invalid [nova_ha] connection %s: %s. Use an SQLAlchemy URL such '
            'as mysql+pymysql://user:password@host/nova_ha.' % (url, error))
    except alembic_util.CommandError as error:
        return _fail('%s. "nova-ha-manage db version" shows the current '
                     'revision; downgrades are not supported.'
                     % str(error).rstrip('.'))
    except Exception as error:
        # NOTE: operators get one line; --debug puts the traceback in the
        # log for a bug report.
        LOG.debug('nova-ha-manage failed', exc_info=True)
        return _fail('%s: %s. Run again with --debug for details.'
                     % (type(error).__name__, str(error).rstrip('.')))
    return 0


def _short(error):
    # NOTE: the driver's own message, without SQLAlchemy's statement and
    # background-link lines that mean nothing to an operator.
    inner = getattr(error, 'inner_exception', None) or error
    orig = getattr(inner, 'orig', None) or inner
    return str(orig).splitlines()[0] if str(orig) else type(orig).__name__


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    CONF.register_cli_opt(_CATEGORY_OPT)
    ha_conf.register_opts(CONF)
    # NOTE: a command line should fail at once, not retry for minutes
    # like a service does; an explicit max_retries in the file still wins.
    CONF.set_default('max_retries', 0, group='nova_ha')
    logging.register_options(CONF)
    # NOTE: stdout carries only the command's answer (scripts read the
    # revision from it); logs go to stderr and Alembic's per-connection
    # chatter is left out unless --debug is given.
    CONF.set_default('use_stderr', True)
    logging.set_defaults(default_log_levels=(
        logging.get_default_log_levels() + ['alembic=WARN']))
    CONF(argv, project='nova', prog='nova-ha-manage')
    logging.setup(CONF, 'nova-ha-manage')
    api.configure(CONF)
    return _run(CONF.category)


if __name__ == '__main__':
    sys.exit(main())
