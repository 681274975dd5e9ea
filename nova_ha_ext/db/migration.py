"""Schema upgrades of the extension's database (Alembic, upgrade-only)."""

import os

from alembic import command as alembic_command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script

from nova_ha_ext.db import api

_MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), 'migrations')
# NOTE: a name of our own rather than alembic_version: an operator may
# point [nova_ha] connection at a schema that already holds another
# project's Alembic table (nova_api does), and the two must not mix.
VERSION_TABLE = 'nova_ha_alembic_version'


def _config(connection=None):
    config = alembic_config.Config()
    config.set_main_option('script_location', _MIGRATIONS_DIR)
    if connection is not None:
        config.attributes['connection'] = connection
    return config


def script_directory():
    """The revisions shipped with this package."""
    return alembic_script.ScriptDirectory.from_config(_config())


def head_revision():
    """The newest revision shipped with this package."""
    return script_directory().get_current_head()


def db_sync(engine=None, version=None):
    """Upgrade the schema to ``version`` (default: the newest revision).

    Raises :class:`alembic.util.CommandError` when ``version`` is unknown
    or older than the current revision (there are no downgrades).
    """
    engine = engine or api.get_engine()
    with engine.begin() as connection:
        alembic_command.upgrade(_config(connection), version or 'head')


def db_version(engine=None):
    """The schema's current revision, or None before the first sync."""
    engine = engine or api.get_engine()
    with engine.connect() as connection:
        context = alembic_migration.MigrationContext.configure(
            connection, opts={'version_table': VERSION_TABLE})
        return context.get_current_revision()
