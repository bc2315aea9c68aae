"""The metadata service application."""

from __future__ import annotations

from starlette.types import ASGIApp

from novalite.api_common.app import create_app


def create_metadata_app() -> ASGIApp:
    """The metadata service: its OpenStack and EC2 paths arrive with the metadata issue."""
    return create_app([])
