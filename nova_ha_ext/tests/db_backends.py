"""Database servers the opportunistic (MySQL/PostgreSQL) tests use.

oslo.db's provisioning reads admin URLs, ``;``-separated, from
OS_TEST_DBAPI_ADMIN_CONNECTION and otherwise tries its openstack_citest
convention. This project's CI and development hosts run MariaDB with root
and no password and PostgreSQL with trust auth for postgres; a value the
user set wins. An unreachable backend makes the tests skip, naming it.
"""

import os

from oslo_db.sqlalchemy import provision

ENV = 'OS_TEST_DBAPI_ADMIN_CONNECTION'
DEFAULT_ADMIN_URLS = (
    'mysql+pymysql://root@127.0.0.1:3306/mysql',
    'postgresql+psycopg2://postgres@127.0.0.1:5432/postgres',
    # NOTE: the list replaces oslo.db's defaults, SQLite included.
    'sqlite://',
)


def use_default_admin_urls():
    """Set the admin URLs unless the user did; idempotent."""
    if os.environ.get(ENV):
        return
    os.environ[ENV] = ';'.join(DEFAULT_ADMIN_URLS)
    # NOTE: provision reads the variable once, when first imported, which
    # Nova's test fixtures may already have done; read it again.
    provision.Backend._setup()
