"""Transaction context for the extension's own database.

The extension never touches Nova's databases through this module: it has a
transaction context of its own, pointed at ``[nova_ha] connection``. DB
functions elsewhere decorate themselves with :func:`reader` / :func:`writer`
from here, which make sure the context is configured from Nova's CONF before
first use (never at import time), so the extension works the same inside
nova-api, the HA conductor, nova-ha-manage and the tests.
"""

import functools
import threading

from oslo_db.sqlalchemy import enginefacade

context_manager = enginefacade.transaction_context()

_lock = threading.Lock()
_configured = False


def _engine_args(conf):
    group = conf.nova_ha
    args = {
        'connection': group.connection,
        'sqlite_synchronous': group.sqlite_synchronous,
        'connection_recycle_time': group.connection_recycle_time,
        'max_pool_size': group.max_pool_size,
        'max_overflow': group.max_overflow,
        'pool_timeout': group.pool_timeout,
        'max_retries': group.max_retries,
        'retry_interval': group.retry_interval,
        'connection_debug': group.connection_debug,
        # NOTE: enforce the foreign keys between tasks and items on SQLite
        # too, so an orphan item fails in a lab exactly as it would in
        # production on MySQL or PostgreSQL.
        'sqlite_fk': True,
    }
    if group.connection.startswith('sqlite'):
        # NOTE: SQLite engines have no connection pool to size; oslo.db
        # drops the pool sizes itself but passes pool_timeout on, which
        # SQLAlchemy then rejects.
        for key in ('max_pool_size', 'max_overflow', 'pool_timeout'):
            del args[key]
    return args


def configure(conf):
    """Point the extension's transaction context at ``conf.nova_ha``.

    Has no effect once the context has opened its engine (or once a test
    has patched in its own), since oslo.db cannot reconfigure a started
    factory.
    """
    global _configured
    from nova_ha_ext import conf as ha_conf

    with _lock:
        if _configured or context_manager._factory.is_started:
            _configured = True
            return
        ha_conf.register_opts(conf)
        context_manager.configure(**_engine_args(conf))
        _configured = True


def _ensure_configured():
    if not _configured:
        # Imported here: nova.conf pulls in every Nova option module, which
        # callers that only need the models (migrations, docs) should not
        # pay for.
        import nova.conf
        configure(nova.conf.CONF)


def _configured_first(decorator):
    def decorate(fn):
        wrapped = decorator(fn)

        @functools.wraps(fn)
        def call(*args, **kwargs):
            _ensure_configured()
            return wrapped(*args, **kwargs)
        return call
    return decorate


#: Decorate a ``fn(context, ...)`` to run in a read transaction.
reader = _configured_first(context_manager.reader)
#: Decorate a ``fn(context, ...)`` to run in a write transaction.
writer = _configured_first(context_manager.writer)


def get_engine():
    """The writer engine, for migrations and management commands."""
    _ensure_configured()
    return context_manager.writer.get_engine()
