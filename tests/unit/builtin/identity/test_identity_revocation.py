"""Revocation events and roles, against an SQLite database."""

from __future__ import annotations

import datetime
import pathlib
from collections.abc import AsyncIterator

import pytest

from novalite.builtin.identity import models as m
from novalite.builtin.identity import revocation, roles, sync_schema, tokens
from novalite.builtin.identity.tokens import TokenPayload
from novalite.db.engine import Database


@pytest.fixture
async def db(tmp_path: pathlib.Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path}/id.sqlite")
    await sync_schema(database)
    yield database
    await database.dispose()


def _payload(
    user: str = "u",
    project: str = "p",
    issued: datetime.datetime | None = None,
    audit: str = "a1",
    chain: str = "other",
) -> TokenPayload:
    now = issued or datetime.datetime.now(datetime.UTC)
    return TokenPayload(
        user,
        ("password",),
        ("project", project),
        now,
        now + datetime.timedelta(hours=1),
        (audit, chain),
    )


async def test_events_match_what_they_name(db: Database) -> None:
    earlier = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=5)
    async with db.writer() as session:
        await revocation.revoke_audit_id(session, "chain")
        await revocation.revoke_user(session, "u2")
        await revocation.revoke_project(session, "p3")
        await revocation.revoke_user(session, "u4", "p4")
    async with db.reader() as session:
        assert await revocation.is_revoked(
            session, _payload(issued=earlier, audit="x", chain="chain")
        )
        assert await revocation.is_revoked(session, _payload("u2", "p", earlier, "y"))
        assert await revocation.is_revoked(session, _payload("u9", "p3", earlier, "y"))
        assert await revocation.is_revoked(session, _payload("u4", "p4", earlier, "y"))
        assert not await revocation.is_revoked(session, _payload("u4", "p5", earlier, "y"))
        later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1)
        fresh = TokenPayload(
            "u2",
            ("password",),
            None,
            later,
            later + datetime.timedelta(hours=1),
            (tokens.new_audit_id(),),
        )
        assert not await revocation.is_revoked(session, fresh)


async def test_implied_roles_expand_transitively(db: Database) -> None:
    async with db.writer() as session:
        for rid in ("a", "b", "c", "d"):
            session.add(m.Role(id=rid, name=rid))
        await session.flush()
        session.add_all(
            [
                m.ImpliedRole(prior_role_id="a", implied_role_id="b"),
                m.ImpliedRole(prior_role_id="b", implied_role_id="c"),
                m.ImpliedRole(prior_role_id="c", implied_role_id="a"),
                m.Assignment(user_id="u", target_type="project", target_id="p", role_id="b"),
            ]
        )
    async with db.reader() as session:
        names = [r.name for r in await roles.effective_roles(session, "u", "project", "p")]
    assert names == ["a", "b", "c"]
