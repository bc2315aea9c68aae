"""Alembic migration environments: ``api/`` and ``cell/`` (see :mod:`novalite.db.migrate`)."""
