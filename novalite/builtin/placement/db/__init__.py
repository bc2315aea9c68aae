"""Placement's database: tables, schema registration and the data layer."""
