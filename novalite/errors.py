"""Error types with stable codes.

Every error novalite raises on purpose derives from :class:`NovaliteError` and
carries a ``code``: a dotted symbol that clients and other services may branch
on. Codes are never renamed and never reused; a subclass that does not declare
its own code is abstract for the registry and cannot travel over RPC on its own.
"""

from __future__ import annotations

from typing import Any, ClassVar

_REGISTRY: dict[str, type[NovaliteError]] = {}


class NovaliteError(Exception):
    """Base class of novalite's own errors.

    ``msg_fmt`` is formatted with the keyword arguments given to the
    constructor; an explicit message replaces it.
    """

    code: ClassVar[str] = "novalite.error"
    msg_fmt: ClassVar[str] = "An unknown error occurred."
    http_status: ClassVar[int] = 500

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.msg_fmt.format(**kwargs)
            except (KeyError, IndexError):
                message = self.msg_fmt
        self.message = message
        super().__init__(message)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        code = cls.__dict__.get("code")
        if code is None:
            return
        if code in _REGISTRY and _REGISTRY[code] is not cls:
            raise TypeError(f"error code {code!r} is already used by {_REGISTRY[code].__name__}")
        _REGISTRY[code] = cls


_REGISTRY[NovaliteError.code] = NovaliteError


def error_class(code: str) -> type[NovaliteError] | None:
    """Return the error class registered under ``code``, if any."""
    return _REGISTRY.get(code)


# -- generic families -------------------------------------------------------------------------


class Invalid(NovaliteError):
    code = "novalite.invalid"
    msg_fmt = "Invalid input: {reason}"
    http_status = 400


class NotFound(NovaliteError):
    code = "novalite.not_found"
    msg_fmt = "Resource could not be found."
    http_status = 404


class Conflict(NovaliteError):
    code = "novalite.conflict"
    msg_fmt = "Conflict: {reason}"
    http_status = 409


# -- configuration ----------------------------------------------------------------------------


class ConfigError(NovaliteError):
    """A configuration file or value is wrong; the message is one line naming where."""

    code = "novalite.config.invalid"
    msg_fmt = "{reason}"


# -- database ---------------------------------------------------------------------------------


class DBError(NovaliteError):
    code = "novalite.db.error"
    msg_fmt = "Database error: {reason}"


class DBConnectionError(DBError):
    code = "novalite.db.connection"
    msg_fmt = "Cannot connect to database {url}: {reason}"


class DBDuplicateEntry(DBError):
    code = "novalite.db.duplicate"
    msg_fmt = "Duplicate entry: {reason}"
    http_status = 409


class DBDeadlock(DBError):
    code = "novalite.db.deadlock"
    msg_fmt = "Database deadlock: {reason}"


class CellMappingNotFound(NotFound):
    code = "novalite.cell.mapping_not_found"
    msg_fmt = "Cell {uuid} has no mapping."


class HostMappingNotFound(NotFound):
    code = "novalite.cell.host_mapping_not_found"
    msg_fmt = "Host '{name}' is not mapped to any cell."


class ServiceNotFound(NotFound):
    code = "novalite.service.not_found"
    msg_fmt = "Service {service_id} could not be found."


class ComputeHostNotFound(NotFound):
    code = "novalite.compute.host_not_found"
    msg_fmt = "Compute host {host} could not be found."


# -- messaging --------------------------------------------------------------------------------


class MessagingError(NovaliteError):
    code = "novalite.rpc.error"
    msg_fmt = "Messaging error: {reason}"


class TransportURLInvalid(MessagingError):
    code = "novalite.rpc.bad_transport_url"
    msg_fmt = "Invalid transport URL {url}: {reason}"


class MessagingUnreachable(MessagingError):
    code = "novalite.rpc.unreachable"
    msg_fmt = "Cannot reach the message broker at {url}: {reason}"


class MessagingTimeout(MessagingError):
    code = "novalite.rpc.timeout"
    msg_fmt = "Timed out after {timeout}s waiting for a reply to {method} on topic {topic}."


class UnsupportedVersion(MessagingError):
    code = "novalite.rpc.unsupported_version"
    msg_fmt = "Endpoint does not support RPC version {version} (serves {served})."


class NoSuchMethod(MessagingError):
    code = "novalite.rpc.no_such_method"
    msg_fmt = "Endpoint does not support RPC method {method}."


class RemoteError(MessagingError):
    """A remote endpoint raised an error that is not one of novalite's registered errors."""

    code = "novalite.rpc.remote"
    msg_fmt = "Remote error: {exc_type} {value}"


# -- database (novalite.db) -------------------------------------------------------------------


class DBURLInvalid(DBError):
    code = "novalite.db.bad_url"
    msg_fmt = "Invalid database URL {url}: {reason}"


class DBReferenceError(DBError):
    """A foreign key refused the write: the row refers to, or is referred to by, another."""

    code = "novalite.db.reference"
    msg_fmt = "Database reference error: {reason}"
    http_status = 409


class CellMappingInUse(Conflict):
    code = "novalite.cell.mapping_in_use"
    msg_fmt = "Cell {uuid} still has {hosts} host(s) and {instances} instance(s) mapped to it."


class MessageInvalid(MessagingError):
    """An RPC message could not be encoded or decoded (not JSON, wrong envelope version, ...)."""

    code = "novalite.rpc.bad_message"
    msg_fmt = "Invalid RPC message: {reason}"


class VersionCapExceeded(MessagingError):
    """A client tried to send a message newer than its version cap allows (rolling upgrade)."""

    code = "novalite.rpc.version_cap"
    msg_fmt = "RPC version {version} is above the version cap {cap}."
