"""The guest metadata service."""
