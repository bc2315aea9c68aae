"""Compute API v2.1: routes, handlers, schemas and views."""
