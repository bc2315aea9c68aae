"""Helpers shared by handlers: paging parameters and nova's boolean strings."""

from __future__ import annotations

from typing import Any

from novalite.api.wsgi import Call
from novalite.errors import RequestInvalid

_TRUE = frozenset({"1", "t", "true", "on", "y", "yes"})
_FALSE = frozenset({"0", "f", "false", "off", "n", "no"})


def last(params: dict[str, list[str]], name: str) -> str | None:
    """The last value given for a query parameter (as webob's ``params.get``)."""
    values = params.get(name)
    return values[-1] if values else None


def limit_and_marker(call: Call, params: dict[str, list[str]]) -> tuple[int, str | None]:
    """nova's ``get_limit_and_marker``: limit capped at ``[api] max_limit``."""
    max_limit = call.deps.max_limit
    raw = last(params, "limit")
    limit = max_limit
    if raw is not None:
        try:
            value = int(raw)
        except ValueError:
            raise RequestInvalid("limit param must be an integer") from None
        if value < 0:
            raise RequestInvalid("limit param must be positive")
        limit = min(max_limit, value or max_limit)
    return limit, last(params, "marker")


def strbool(value: Any) -> bool | None:
    """oslo's bool_from_string in strict mode: None when the string is not a boolean."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None
