"""Key pairs (API database): each user's named public keys."""

from __future__ import annotations

import builtins

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.engine import Database
from novalite.db.models import api as models
from novalite.db.repositories._common import row_values, to_domain
from novalite.domain.keypair import KeyPair
from novalite.errors import DBDuplicateEntry, KeyPairExists, KeypairNotFound, MarkerNotFound


class KeyPairRepository:
    """Reads and writes ``key_pairs`` in the API database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, keypair: KeyPair) -> KeyPair:
        """Insert ``keypair``; KeyPairExists when the user already has one with its name."""

        async def insert(session: AsyncSession) -> KeyPair:
            stmt = select(models.KeyPair.id).where(
                models.KeyPair.user_id == keypair.user_id, models.KeyPair.name == keypair.name
            )
            if await session.scalar(stmt) is not None:
                raise KeyPairExists(name=keypair.name)
            row = models.KeyPair(**row_values(models.KeyPair, keypair.as_dict()))
            session.add(row)
            await session.flush()
            await session.refresh(row)
            return to_domain(KeyPair, row)

        try:
            return await self._db.write(insert)
        except DBDuplicateEntry:
            raise KeyPairExists(name=keypair.name) from None

    async def get(self, user_id: str, name: str) -> KeyPair:
        """The user's key pair called ``name``, else KeypairNotFound."""

        async def query(session: AsyncSession) -> KeyPair:
            return to_domain(KeyPair, await _row(session, user_id, name))

        return await self._db.read(query)

    async def list(
        self, user_id: str, *, limit: int | None = None, marker: str | None = None
    ) -> builtins.list[KeyPair]:
        """The user's key pairs by name, after ``marker`` (a name; MarkerNotFound if unknown)."""

        async def query(session: AsyncSession) -> builtins.list[KeyPair]:
            stmt = select(models.KeyPair).where(models.KeyPair.user_id == user_id)
            if marker is not None:
                after = await session.scalar(stmt.where(models.KeyPair.name == marker))
                if after is None:
                    raise MarkerNotFound(marker=marker)
                stmt = stmt.where(models.KeyPair.name > marker)
            stmt = stmt.order_by(models.KeyPair.name, models.KeyPair.id)
            if limit is not None:
                stmt = stmt.limit(limit)
            return [to_domain(KeyPair, row) for row in await session.scalars(stmt)]

        return await self._db.read(query)

    async def destroy(self, user_id: str, name: str) -> None:
        """Delete the user's key pair called ``name``, else KeypairNotFound."""

        async def remove(session: AsyncSession) -> None:
            await session.delete(await _row(session, user_id, name))

        await self._db.write(remove)


async def _row(session: AsyncSession, user_id: str, name: str) -> models.KeyPair:
    row = await session.scalar(
        select(models.KeyPair).where(models.KeyPair.user_id == user_id, models.KeyPair.name == name)
    )
    if row is None:
        raise KeypairNotFound(name=name, user_id=user_id)
    return row
