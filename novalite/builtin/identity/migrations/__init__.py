"""Alembic environment of the identity schema."""
