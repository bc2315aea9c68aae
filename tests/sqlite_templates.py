"""Migrated SQLite databases for tests, migrated once per session and copied per test.

Running the Alembic migrations costs a few hundred milliseconds per database; tests that
need fresh API and cell databases get a copy of one migrated template instead.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from novalite.db import migrate

_TEMPLATES: dict[str, Path] = {}


async def migrated_sqlite(path: Path, schema: str) -> str:
    """Create ``path`` as a migrated ``schema`` (``api`` or ``cell``) database; its URL."""
    template = _TEMPLATES.get(schema)
    if template is None:
        template = Path(tempfile.mkdtemp(prefix="novalite-schema-")) / f"{schema}.sqlite"
        await migrate.sync(f"sqlite:///{template}", schema)
        _TEMPLATES[schema] = template
    with sqlite3.connect(template) as source, sqlite3.connect(path) as target:
        source.backup(target)
    return f"sqlite:///{path}"
