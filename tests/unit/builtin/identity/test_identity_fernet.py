"""Fernet key repository and token encoding."""

from __future__ import annotations

import datetime
import pathlib
import stat

import pytest

from novalite.builtin.identity import fernet_keys, tokens
from novalite.builtin.identity.tokens import TokenPayload

NOW = datetime.datetime.now(datetime.UTC)


def _payload(**overrides: object) -> TokenPayload:
    values: dict[str, object] = {
        "user_id": "u1",
        "methods": ("password",),
        "scope": ("project", "p1"),
        "issued_at": NOW,
        "expires_at": NOW + datetime.timedelta(hours=1),
        "audit_ids": (tokens.new_audit_id(),),
    }
    values.update(overrides)
    return TokenPayload(**values)  # type: ignore[arg-type]


def test_setup_creates_staged_and_primary_0600(tmp_path: pathlib.Path) -> None:
    repo = tmp_path / "keys"
    fernet_keys.setup_keys(repo)
    assert sorted(p.name for p in repo.iterdir()) == ["0", "1"]
    for key in repo.iterdir():
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = (repo / "1").read_bytes()
    fernet_keys.setup_keys(repo)  # idempotent
    assert (repo / "1").read_bytes() == before


def test_round_trip(tmp_path: pathlib.Path) -> None:
    fernet_keys.setup_keys(tmp_path)
    fernet = fernet_keys.multi_fernet(tmp_path)
    payload = _payload(app_cred_id="c1", scope=None)
    token = tokens.encode(fernet, payload)
    assert "=" not in token
    decoded = tokens.decode(fernet, token)
    assert decoded is not None
    assert decoded.user_id == "u1"
    assert decoded.scope is None
    assert decoded.app_cred_id == "c1"
    assert abs((decoded.expires_at - payload.expires_at).total_seconds()) < 1e-3


def test_tampered_or_garbage_refused(tmp_path: pathlib.Path) -> None:
    fernet_keys.setup_keys(tmp_path)
    fernet = fernet_keys.multi_fernet(tmp_path)
    token = tokens.encode(fernet, _payload())
    for bad in (
        token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),
        "",
        "x" * 2000,
        "é",
        token[1:],
    ):
        assert tokens.decode(fernet, bad) is None


def test_expiry() -> None:
    payload = _payload(expires_at=NOW - datetime.timedelta(seconds=1))
    assert payload.is_expired(NOW)
    assert not payload.is_expired(NOW, grace=60)


def test_rotation_keeps_old_tokens_until_key_dropped(tmp_path: pathlib.Path) -> None:
    fernet_keys.setup_keys(tmp_path)
    old = tokens.encode(fernet_keys.multi_fernet(tmp_path), _payload())
    fernet_keys.rotate_keys(tmp_path, max_active_keys=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0", "1", "2"]
    assert tokens.decode(fernet_keys.multi_fernet(tmp_path), old) is not None
    fernet_keys.rotate_keys(tmp_path, max_active_keys=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0", "2", "3"]
    assert tokens.decode(fernet_keys.multi_fernet(tmp_path), old) is None


def test_staged_key_already_decrypts(tmp_path: pathlib.Path) -> None:
    """A token made by a node that already rotated is valid on one that has not."""
    fernet_keys.setup_keys(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    for name in ("0", "1"):
        (other / name).write_bytes((tmp_path / name).read_bytes())
    fernet_keys.rotate_keys(other, 3)
    token = tokens.encode(fernet_keys.multi_fernet(other), _payload())
    assert tokens.decode(fernet_keys.multi_fernet(tmp_path), token) is not None


def test_rotate_needs_two_keys(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="at least 2"):
        fernet_keys.rotate_keys(tmp_path, 1)
