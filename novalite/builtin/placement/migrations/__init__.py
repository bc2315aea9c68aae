"""Alembic migrations of placement's schema."""
