"""Placement's errors: HTTP status plus placement's own ``code`` strings.

Classes without their own ``code`` answer ``placement.undefined_code``.
"""

from __future__ import annotations

from novalite.errors import NovaliteError


class PlacementError(NovaliteError):
    """Base of placement's errors (``placement.undefined_code``)."""

    code = "placement.undefined_code"
    msg_fmt = "Placement error."
    http_status = 400


class BadRequest(PlacementError):
    """400."""

    http_status = 400


class NotFound(PlacementError):
    """404."""

    http_status = 404


class MethodNotAllowed(PlacementError):
    """405, with the ``Allow`` header."""

    http_status = 405

    def __init__(self, message: str, *, allow: str) -> None:
        super().__init__(message)
        self.headers = {"Allow": allow}


class NotAcceptable(PlacementError):
    """406."""

    http_status = 406


class Conflict(PlacementError):
    """409."""

    http_status = 409


class ConcurrentUpdate(Conflict):
    """A provider's or consumer's generation changed meanwhile."""

    code = "placement.concurrent_update"


class DuplicateName(Conflict):
    """A provider with this name or uuid exists."""

    code = "placement.duplicate_name"


class InventoryInUse(Conflict):
    """Inventory still allocated."""

    code = "placement.inventory.inuse"


class ProviderInUse(Conflict):
    """A provider with allocations or children."""

    code = "placement.resource_provider.inuse"


class ProviderNotFound(BadRequest):
    """A provider named in a request body does not exist (400)."""

    code = "placement.resource_provider.not_found"


class QueryDuplicateKey(BadRequest):
    """A query key given twice where it may not be."""

    code = "placement.query.duplicate_key"


class QueryBadValue(BadRequest):
    """A malformed query value."""

    code = "placement.query.bad_value"


class QueryMissingValue(BadRequest):
    """A query parameter that needs a companion."""

    code = "placement.query.missing_value"


class ProviderGenerationConflict(ConcurrentUpdate):
    """A provider's generation changed under a write that did not name it (retryable)."""
