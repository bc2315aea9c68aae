"""Argon2 password hashing."""

from __future__ import annotations

from novalite.builtin.identity import passwords


async def test_hash_and_verify() -> None:
    stored = await passwords.hash_password_async("s3cret")
    assert stored.startswith("$argon2")
    assert "s3cret" not in stored
    assert await passwords.verify_password(stored, "s3cret")
    assert not await passwords.verify_password(stored, "wrong")


async def test_unknown_user_and_corrupt_hash() -> None:
    assert not await passwords.verify_password(None, "novalite-identity-dummy-password")
    assert not await passwords.verify_password("not-a-hash", "x")
