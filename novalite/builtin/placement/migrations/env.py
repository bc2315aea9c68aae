"""Alembic environment of the placement schema; run it with novalite.db.migrate.sync()."""

from novalite.db.migrate import run_environment

run_environment()
