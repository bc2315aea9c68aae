"""Keystone's errors: status codes and messages as keystone words them."""

from __future__ import annotations

from typing import ClassVar

from novalite.errors import NovaliteError


class IdentityError(NovaliteError):
    """Base of the identity service's errors."""

    code = "identity.error"
    headers: ClassVar[dict[str, str] | None] = None


class ValidationError(IdentityError):
    """A request body or parameter is wrong (400)."""

    code = "identity.validation"
    msg_fmt = (
        "Expecting to find {attribute} in {target}. The server could not comply with the "
        "request since it is either malformed or otherwise incorrect. The client is assumed "
        "to be in error."
    )
    http_status = 400


class SchemaValidationError(IdentityError):
    """A body failed its JSON schema (400)."""

    code = "identity.schema"
    msg_fmt = "{detail}"
    http_status = 400


class Unauthorized(IdentityError):
    """Authentication failed (401)."""

    code = "identity.unauthorized"
    msg_fmt = "The request you have made requires authentication."
    http_status = 401


class Forbidden(IdentityError):
    """The caller may not do this (403)."""

    code = "identity.forbidden"
    msg_fmt = "You are not authorized to perform the requested action: {action}."
    http_status = 403


class IdentityNotFound(IdentityError):
    """An entity does not exist (404): ``Could not find project: X.``."""

    code = "identity.not_found"
    msg_fmt = "Could not find {kind}: {id}."
    http_status = 404


class TokenNotFound(IdentityError):
    """A subject token is unknown, expired or revoked (404)."""

    code = "identity.token_not_found"
    msg_fmt = "Could not find token: {id}."
    http_status = 404


class IdentityConflict(IdentityError):
    """A unique name is taken (409)."""

    code = "identity.conflict"
    msg_fmt = "Conflict occurred attempting to store {kind} - {detail}."
    http_status = 409
