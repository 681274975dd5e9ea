"""Alembic environment of the extension's database.

Configured in code by :mod:`nova_ha_ext.db.migration`, so no alembic.ini is
needed. The caller's connection (``config.attributes['connection']``) is
used when given so that tests and ``nova-ha-manage`` control the engine.
"""

from alembic import context

from nova_ha_ext.db.migration import VERSION_TABLE
from nova_ha_ext.db import models

config = context.config


def _configure_args():
    return {
        'target_metadata': models.BASE.metadata,
        'version_table': VERSION_TABLE,
        # NOTE: SQLite can only alter tables by copying them; batch mode
        # makes future revisions' alter operations work there too.
        'render_as_batch': True,
    }


def run_migrations_offline():
    context.configure(url=config.get_main_option('sqlalchemy.url'),
                      literal_binds=True, **_configure_args())
    with context.begin_transaction():
        context.run_migrations()


def _run_with(connection):
    context.configure(connection=connection, **_configure_args())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = config.attributes.get('connection')
    if connection is not None:
        _run_with(connection)
        return
    from nova_ha_ext.db import api
    with api.get_engine().connect() as connection:
        _run_with(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
