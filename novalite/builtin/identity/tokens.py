"""Token payloads and their Fernet encoding: self-validating, nothing stored per token."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import json
import secrets
from typing import Any

from cryptography.fernet import InvalidToken, MultiFernet

#: ``("project", id)``, ``("domain", id)``, ``("system", "all")`` or None (unscoped).
Scope = tuple[str, str] | None


def new_audit_id() -> str:
    """A 22-character urlsafe id, as keystone's audit ids."""
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("=")


@dataclasses.dataclass(frozen=True, slots=True)
class TokenPayload:
    """What a token says: who, how, for what, until when."""

    user_id: str
    methods: tuple[str, ...]
    scope: Scope
    issued_at: datetime.datetime
    expires_at: datetime.datetime
    audit_ids: tuple[str, ...]
    app_cred_id: str | None = None

    def to_json(self) -> bytes:
        """The compact JSON carried inside the Fernet token."""
        data: dict[str, Any] = {
            "u": self.user_id,
            "m": list(self.methods),
            "s": list(self.scope) if self.scope else None,
            "i": self.issued_at.timestamp(),
            "e": self.expires_at.timestamp(),
            "a": list(self.audit_ids),
        }
        if self.app_cred_id:
            data["c"] = self.app_cred_id
        return json.dumps(data, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> TokenPayload:
        """Parse :meth:`to_json` output; ValueError if it is not one."""
        try:
            data = json.loads(raw)
            scope = data["s"]
            return cls(
                user_id=str(data["u"]),
                methods=tuple(str(m) for m in data["m"]),
                scope=(str(scope[0]), str(scope[1])) if scope else None,
                issued_at=_from_ts(data["i"]),
                expires_at=_from_ts(data["e"]),
                audit_ids=tuple(str(a) for a in data["a"]),
                app_cred_id=data.get("c"),
            )
        except (KeyError, TypeError, IndexError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a token payload: {exc}") from exc

    def is_expired(self, now: datetime.datetime, grace: float = 0.0) -> bool:
        """True once ``now`` is past the expiry (plus ``grace`` seconds)."""
        return now >= self.expires_at + datetime.timedelta(seconds=grace)


def _from_ts(value: Any) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(float(value), datetime.UTC)


def encode(fernet: MultiFernet, payload: TokenPayload) -> str:
    """The token id: the Fernet encryption of the payload, without base64 padding."""
    return fernet.encrypt(payload.to_json()).decode().rstrip("=")


def decode(fernet: MultiFernet, token: str) -> TokenPayload | None:
    """The payload of ``token``, or None if no key decrypts it or it was tampered with."""
    if not token or len(token) > 1024:
        return None
    padded = token + "=" * (-len(token) % 4)
    try:
        return TokenPayload.from_json(fernet.decrypt(padded.encode("ascii")))
    except (InvalidToken, ValueError, UnicodeEncodeError):
        return None
