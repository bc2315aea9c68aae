"""Placement's request schemas (JSON data copied from upstream; see README.md)."""

from __future__ import annotations

import functools
import json
import pathlib
from typing import Any

_HERE = pathlib.Path(__file__).parent


@functools.cache
def _module(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((_HERE / f"{name}.json").read_text())
    return data


def schema(module: str, name: str) -> dict[str, Any]:
    """The schema ``name`` of upstream module ``module`` (``"inventory"``, ...)."""
    return _module(module)[name]  # type: ignore[no-any-return]
