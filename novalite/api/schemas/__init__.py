"""nova's JSON schemas per microversion, kept as data (see README.md for the source).

::

    schema("flavors", "create_v255")                    # one schema by module and name
    handler_schema("flavors", "FlavorsController.create", "request_body", version)
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from novalite.api_common.microversion import Version

_KINDS = ("request_body", "query", "response_body")


@functools.cache
def _module(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def schema(module: str, name: str) -> dict[str, Any]:
    """The schema ``name`` of ``module`` (``flavors``, ``keypairs``, ...)."""
    found: dict[str, Any] = _module(module)[name]
    return found


def _parse(text: str | None) -> Version | None:
    return Version.parse(text) if text else None


@functools.cache
def _handlers() -> dict[tuple[str, str], dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(
        resources.files(__package__).joinpath("_handlers.json").read_text(encoding="utf-8")
    )
    return {(e["controller_module"], e["handler"]): e for e in entries}


def handler_schema(module: str, handler: str, kind: str, version: Version) -> dict[str, Any] | None:
    """The ``kind`` schema (request_body, query, response_body) nova uses at ``version``."""
    if kind not in _KINDS:
        raise ValueError(f"unknown schema kind {kind!r}")
    for entry in _handlers()[(module, handler)][kind]:
        low, high = _parse(entry["min"]), _parse(entry["max"])
        if (low is None or version >= low) and (high is None or version <= high):
            return schema(module, entry["schema"])
    return None
