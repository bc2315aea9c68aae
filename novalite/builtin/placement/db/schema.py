"""Registering placement's schema with novalite's migration runner."""

from __future__ import annotations

import pathlib

from novalite.builtin.placement.db.models import PlacementBase
from novalite.db import migrate

#: Name of placement's schema for :func:`novalite.db.migrate.sync`.
SCHEMA = "placement"
MIGRATIONS = pathlib.Path(__file__).parent.parent / "migrations"


def register() -> None:
    """Register the schema (idempotent)."""
    migrate.register_schema(SCHEMA, PlacementBase.metadata, MIGRATIONS)
