"""Aliases and protocols shared by every layer.

This module imports nothing from novalite, so any layer may use it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeAlias

#: A JSON-compatible value: what crosses the message bus and HTTP bodies.
JSON: TypeAlias = dict[str, Any] | list[Any] | str | int | float | bool | None
#: A JSON object.
JSONObject: TypeAlias = dict[str, Any]
#: Read-only view of a JSON object.
JSONMapping: TypeAlias = Mapping[str, Any]
#: A coroutine function taking no argument, as used for periodic tasks and hooks.
AsyncCallback: TypeAlias = Callable[[], Awaitable[None]]
