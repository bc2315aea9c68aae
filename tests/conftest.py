"""Fixtures shared by every test suite."""

from tests.services import (  # noqa: F401  (re-exported fixtures)
    any_db_url,
    mariadb_factory,
    mariadb_url,
    postgresql_factory,
    postgresql_url,
    rabbit_url,
    rabbit_vhost_url,
    sqlite_url,
)
