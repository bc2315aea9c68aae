"""Key pair bodies per microversion (2.2 type, 2.92 no private key)."""

from __future__ import annotations

from typing import Any

from novalite.api.wsgi import Call
from novalite.domain.keypair import KeyPair


def _stamp(value: Any) -> str | None:
    return value.replace(tzinfo=None).isoformat() if value is not None else None


def summary(call: Call, keypair: KeyPair) -> dict[str, Any]:
    """A list entry: name, public key, fingerprint (and type from 2.2)."""
    body: dict[str, Any] = {
        "name": keypair.name,
        "public_key": keypair.public_key,
        "fingerprint": keypair.fingerprint,
    }
    if call.version >= (2, 2):
        body["type"] = keypair.type
    return body


def created(call: Call, keypair: KeyPair, private_key: str | None) -> dict[str, Any]:
    """The create response: the summary, user id and the generated private key if any."""
    body = summary(call, keypair)
    body["user_id"] = keypair.user_id
    if private_key is not None and call.version < (2, 92):
        body["private_key"] = private_key
    return body


def shown(call: Call, keypair: KeyPair) -> dict[str, Any]:
    """The show response: the summary plus the database record's fields."""
    body = summary(call, keypair)
    body.update(
        {
            "user_id": keypair.user_id,
            "id": keypair.id,
            "created_at": _stamp(keypair.created_at),
            "updated_at": _stamp(keypair.updated_at),
            "deleted_at": None,
            "deleted": False,
        }
    )
    return body
