"""The request context: who asks, on whose behalf, under which request id.

It travels with every RPC message and is set by the API middleware.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from novalite.types import JSONObject


def generate_request_id() -> str:
    """Return a new request id in the ``req-<uuid>`` form that OpenStack uses."""
    return f"req-{uuid.uuid4()}"


@dataclasses.dataclass(frozen=True, slots=True)
class RequestContext:
    """Identity and tracing data for one request, immutable once built."""

    request_id: str = dataclasses.field(default_factory=generate_request_id)
    global_request_id: str | None = None
    user_id: str | None = None
    user_name: str | None = None
    user_domain_id: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    project_domain_id: str | None = None
    domain_id: str | None = None
    roles: tuple[str, ...] = ()
    system_scope: str | None = None
    is_admin: bool = False
    read_deleted: str = "no"
    #: The caller's token, to act on its behalf towards other services. Never logged.
    auth_token: str | None = dataclasses.field(default=None, repr=False)
    #: The token's service catalog (keystone's v3 form), when the caller sent one.
    service_catalog: tuple[dict[str, Any], ...] = dataclasses.field(default=(), repr=False)

    def to_dict(self) -> JSONObject:
        """Return a JSON-compatible form of the context (it carries the token: do not log it)."""
        data: JSONObject = {name: getattr(self, name) for name in _FIELD_NAMES}
        data["roles"] = list(self.roles)
        data["service_catalog"] = list(self.service_catalog)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequestContext:
        """Rebuild a context from :meth:`to_dict` output, ignoring unknown keys."""
        values = {k: v for k, v in data.items() if k in _FIELD_NAMES}
        for name in ("roles", "service_catalog"):
            if name in values:
                values[name] = tuple(values[name])
        return cls(**values)

    @classmethod
    def admin(cls, **overrides: Any) -> RequestContext:
        """Return a context for a service's own work, with admin rights."""
        return cls(is_admin=True, roles=("admin",), **overrides)

    def has_role(self, role: str) -> bool:
        """True if the caller holds ``role`` (case-insensitive, as keystone role names are)."""
        role = role.lower()
        return any(r.lower() == role for r in self.roles)

    def elevated(self) -> RequestContext:
        """Return a copy of this context with admin rights."""
        roles = self.roles if "admin" in self.roles else (*self.roles, "admin")
        return dataclasses.replace(self, is_admin=True, roles=roles)


_FIELD_NAMES = frozenset(field.name for field in dataclasses.fields(RequestContext))
