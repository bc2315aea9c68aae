"""Password and secret hashing with argon2, verified off the event loop."""

from __future__ import annotations

import asyncio
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash("novalite-identity-dummy-password")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (blocking: prefer :func:`hash_password_async`)."""
    return _HASHER.hash(password)


async def hash_password_async(password: str) -> str:
    """:func:`hash_password` in a worker thread."""
    return await asyncio.to_thread(_HASHER.hash, password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """True if ``password`` matches ``stored``.

    With ``stored`` None (unknown user, no password) a dummy hash is checked
    anyway, so failures take comparable time whatever the reason.
    """
    return await asyncio.to_thread(_verify, stored, password)
