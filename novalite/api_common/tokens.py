"""Keystone tokens as the services see them: :class:`TokenInfo` and the validator protocol."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any, Protocol

from novalite.errors import InvalidToken


def parse_time(value: str) -> datetime.datetime:
    """Parse keystone's ISO 8601 timestamps (``...Z``, with or without microseconds) as UTC."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed.astimezone(datetime.UTC)


def _ref(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    return value if isinstance(value, Mapping) else {}


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclasses.dataclass(frozen=True, slots=True)
class TokenInfo:
    """The fields of a validated keystone v3 token that services use."""

    user_id: str
    expires_at: datetime.datetime
    user_name: str | None = None
    user_domain_id: str | None = None
    user_domain_name: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    project_domain_id: str | None = None
    project_domain_name: str | None = None
    domain_id: str | None = None
    domain_name: str | None = None
    #: ``"all"`` for a system-scoped token.
    system_scope: str | None = None
    roles: tuple[str, ...] = ()
    catalog: tuple[dict[str, Any], ...] = dataclasses.field(default=(), repr=False)
    methods: tuple[str, ...] = ()
    audit_ids: tuple[str, ...] = ()
    issued_at: datetime.datetime | None = None
    is_admin_project: bool = True

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> TokenInfo:
        """Build from keystone's token body (``{"token": {...}}`` or the inner object).

        Raises :class:`InvalidToken` when the body lacks the user or the expiry.
        """
        token = body.get("token", body)
        if not isinstance(token, Mapping):
            raise InvalidToken("The token body is not an object.")
        user = _ref(token, "user")
        project = _ref(token, "project")
        domain = _ref(token, "domain")
        system = _ref(token, "system")
        try:
            user_id = str(user["id"])
            expires_at = parse_time(str(token["expires_at"]))
        except (KeyError, ValueError) as exc:
            raise InvalidToken("The token body lacks its user or expiry.") from exc
        issued = token.get("issued_at")
        roles = tuple(str(r["name"]) for r in token.get("roles") or () if "name" in r)
        catalog = tuple(dict(s) for s in token.get("catalog") or () if isinstance(s, Mapping))
        return cls(
            user_id=user_id,
            expires_at=expires_at,
            user_name=_opt_str(user.get("name")),
            user_domain_id=_opt_str(_ref(user, "domain").get("id")),
            user_domain_name=_opt_str(_ref(user, "domain").get("name")),
            project_id=_opt_str(project.get("id")),
            project_name=_opt_str(project.get("name")),
            project_domain_id=_opt_str(_ref(project, "domain").get("id")),
            project_domain_name=_opt_str(_ref(project, "domain").get("name")),
            domain_id=_opt_str(domain.get("id")),
            domain_name=_opt_str(domain.get("name")),
            system_scope="all" if system.get("all") else None,
            roles=roles,
            catalog=catalog,
            methods=tuple(str(m) for m in token.get("methods") or ()),
            audit_ids=tuple(str(a) for a in token.get("audit_ids") or ()),
            issued_at=parse_time(str(issued)) if issued else None,
            is_admin_project=bool(token.get("is_admin_project", True)),
        )

    def expired(self, now: datetime.datetime | None = None) -> bool:
        """True once the token's expiry has passed."""
        return (now or datetime.datetime.now(datetime.UTC)) >= self.expires_at

    def has_role(self, *names: str) -> bool:
        """True if the token carries any of ``names`` (case-insensitive)."""
        wanted = {n.lower() for n in names}
        return any(r.lower() in wanted for r in self.roles)


class TokenValidator(Protocol):
    """Something that checks a token: the identity service over HTTP, or a cache in front of it.

    ``validate`` raises :class:`~novalite.errors.InvalidToken` for a token that is not valid
    (unknown, expired, revoked) and a :class:`~novalite.errors.ClientError` when it cannot
    tell (identity unreachable, its own credentials refused).
    """

    async def validate(self, token: str, *, allow_expired: bool = False) -> TokenInfo:
        """Return the token's data or raise."""
        ...
