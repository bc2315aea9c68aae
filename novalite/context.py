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
    project_id: str | None = None
    roles: tuple[str, ...] = ()
    system_scope: str | None = None
    is_admin: bool = False
    read_deleted: str = "no"

    def to_dict(self) -> JSONObject:
        """Return a JSON-compatible form of the context (no secrets: it carries none)."""
        data = dataclasses.asdict(self)
        data["roles"] = list(self.roles)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequestContext:
        """Rebuild a context from :meth:`to_dict` output, ignoring unknown keys."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        if "roles" in values:
            values["roles"] = tuple(values["roles"])
        return cls(**values)

    @classmethod
    def admin(cls, **overrides: Any) -> RequestContext:
        """Return a context for a service's own work, with admin rights."""
        return cls(is_admin=True, roles=("admin",), **overrides)

    def elevated(self) -> RequestContext:
        """Return a copy of this context with admin rights."""
        roles = self.roles if "admin" in self.roles else (*self.roles, "admin")
        return dataclasses.replace(self, is_admin=True, roles=roles)
