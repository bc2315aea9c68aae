"""Exceptions across the bus: what an endpoint raised, and what its caller sees.

A :class:`~novalite.errors.NovaliteError` travels by its stable ``code`` and is
raised again on the caller's side as the class registered for that code, with
the same message (and its keyword arguments when they are JSON). Any other
exception becomes :class:`~novalite.errors.RemoteError` naming its type and
message. No traceback ever crosses the bus: the server logs it instead.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson

from novalite.domain.base import to_primitive
from novalite.errors import NovaliteError, RemoteError, error_class
from novalite.types import JSONObject


@dataclasses.dataclass(frozen=True, slots=True)
class Failure:
    """The JSON form of an exception raised by an endpoint."""

    exc_type: str
    message: str
    code: str | None = None
    kwargs: JSONObject = dataclasses.field(default_factory=dict)

    @classmethod
    def from_exception(cls, exc: BaseException) -> Failure:
        """Describe ``exc`` for the caller (type, message, and a novalite code if it has one)."""
        exc_cls = type(exc)
        module = exc_cls.__module__
        exc_type = (
            exc_cls.__qualname__ if module == "builtins" else f"{module}.{exc_cls.__qualname__}"
        )
        if isinstance(exc, NovaliteError):
            return cls(
                exc_type=exc_type,
                message=exc.message,
                code=exc.code,
                kwargs=_json_kwargs(exc.kwargs),
            )
        return cls(exc_type=exc_type, message=str(exc))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Failure:
        """Rebuild a failure from its JSON form, tolerating missing keys."""
        kwargs = data.get("kwargs")
        code = data.get("code")
        return cls(
            exc_type=str(data.get("exc_type", "Exception")),
            message=str(data.get("message", "")),
            code=code if isinstance(code, str) else None,
            kwargs=kwargs if isinstance(kwargs, dict) else {},
        )

    def to_exception(self) -> NovaliteError:
        """The exception to raise on the caller's side."""
        cls = error_class(self.code) if self.code else None
        if cls is not None:
            try:
                return cls(self.message, **self.kwargs)
            except TypeError:
                # A subclass with an __init__ of its own: build it as NovaliteError would,
                # so the class and the message stay the same.
                exc = cls.__new__(cls)
                NovaliteError.__init__(exc, self.message, **self.kwargs)
                return exc
        return RemoteError(exc_type=self.exc_type, value=self.message)


def _json_kwargs(kwargs: dict[str, Any]) -> JSONObject:
    """The error's keyword arguments if they serialise to JSON, else nothing."""
    try:
        primitive = to_primitive(kwargs)
        orjson.dumps(primitive)
    except (TypeError, ValueError):
        return {}
    return primitive if isinstance(primitive, dict) else {}
