"""Instance actions and their events (cell database): what ``os-instance-actions`` shows.

An action is found by its instance and the request id that started it. Every
event start and finish touches the action's ``updated_at`` (what
``changes-since`` filters on); an event finished with ``Error`` marks the
action's message ``Error``, as nova does.
"""

from __future__ import annotations

import builtins
import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.engine import Database
from novalite.db.models import instance as models
from novalite.db.models.base import core_table, utcnow
from novalite.db.repositories._common import insert_row, insert_rows, live, to_domain
from novalite.domain.instance import InstanceAction, InstanceActionEvent
from novalite.errors import InstanceActionEventNotFound, InstanceActionNotFound, MarkerNotFound

_Action = models.InstanceAction
_Event = models.InstanceActionEvent
_ERROR = "Error"
T = TypeVar("T")


class InstanceActionRepository:
    """Reads and writes ``instance_actions`` and ``instance_actions_events`` in a cell database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def action_start(self, action: InstanceAction) -> InstanceAction:
        """Record ``action`` (started now unless it says when) with the events it carries,
        in one transaction; returns it as stored (events not loaded)."""

        async def insert(session: AsyncSession) -> InstanceAction:
            start = action.start_time or utcnow()
            action_id = await insert_row(
                session,
                _Action,
                action=action.action,
                instance_uuid=action.instance_uuid,
                request_id=action.request_id,
                user_id=action.user_id,
                project_id=action.project_id,
                start_time=start,
                finish_time=action.finish_time,
                message=action.message,
                created_at=start,
                updated_at=start,
            )
            events = [
                {
                    "event": event.event,
                    "action_id": action_id,
                    "start_time": event.start_time or start,
                    "finish_time": event.finish_time,
                    "result": event.result,
                    "host": event.host,
                    "details": event.details,
                    "created_at": event.start_time or start,
                }
                for event in action.events
            ]
            await insert_rows(session, _Event, events)
            return _action(await _get(session, _Action, action_id))

        return await self._db.write(insert)

    async def event_start(
        self, instance_uuid: str, request_id: str, event: str, host: str | None
    ) -> InstanceActionEvent:
        """Record the start of ``event`` of the action; InstanceActionNotFound if none."""

        async def insert(session: AsyncSession) -> InstanceActionEvent:
            action = await _action_row(session, instance_uuid, request_id)
            now = utcnow()
            event_id = await insert_row(
                session,
                _Event,
                event=event,
                action_id=action.id,
                start_time=now,
                host=host,
                created_at=now,
            )
            await _touch(session, action.id, now)
            row = await _get(session, _Event, event_id)
            return to_domain(InstanceActionEvent, row)

        return await self._db.write(insert)

    async def event_finish(
        self,
        instance_uuid: str,
        request_id: str,
        event: str,
        result: str,
        *,
        traceback: str | None = None,
        details: str | None = None,
    ) -> InstanceActionEvent:
        """Record the end of ``event`` (its newest unfinished start) with ``result``.

        ``Error`` also sets the action's message to ``Error``. InstanceActionNotFound /
        InstanceActionEventNotFound when the action or the event was never started.
        """

        async def finish(session: AsyncSession) -> InstanceActionEvent:
            action = await _action_row(session, instance_uuid, request_id)
            stmt = (
                select(_Event)
                .where(_Event.action_id == action.id, _Event.event == event, live(_Event))
                .order_by(_Event.finish_time.is_not(None), _Event.id.desc())
                .limit(1)
            )
            row = await session.scalar(stmt)
            if row is None:
                raise InstanceActionEventNotFound(event=event, action_id=action.id)
            now = utcnow()
            await session.execute(
                update(core_table(_Event))
                .where(core_table(_Event).c.id == row.id)
                .values(
                    finish_time=now,
                    result=result,
                    traceback=traceback,
                    details=details,
                    updated_at=now,
                )
            )
            values: dict[str, Any] = {}
            if result.lower() == _ERROR.lower():
                values["message"] = _ERROR
            await _touch(session, action.id, now, **values)
            await session.refresh(row)
            return to_domain(InstanceActionEvent, row)

        return await self._db.write(finish)

    async def action_finish(self, instance_uuid: str, request_id: str) -> None:
        """Record that the action finished now; InstanceActionNotFound if there is none."""

        async def finish(session: AsyncSession) -> None:
            action = await _action_row(session, instance_uuid, request_id)
            now = utcnow()
            await _touch(session, action.id, now, finish_time=now)

        await self._db.write(finish)

    async def list(
        self,
        instance_uuid: str,
        *,
        limit: int | None = None,
        marker: str | None = None,
        changes_since: datetime.datetime | None = None,
        changes_before: datetime.datetime | None = None,
    ) -> builtins.list[InstanceAction]:
        """The instance's actions, newest first, without events.

        ``marker`` is a request id (MarkerNotFound if the instance has no such action);
        ``changes_since``/``changes_before`` bound ``updated_at`` (inclusive).
        """

        async def query(session: AsyncSession) -> builtins.list[InstanceAction]:
            stmt = select(_Action).where(_Action.instance_uuid == instance_uuid, live(_Action))
            if changes_since is not None:
                stmt = stmt.where(_Action.updated_at >= changes_since)
            if changes_before is not None:
                stmt = stmt.where(_Action.updated_at <= changes_before)
            if marker is not None:
                found = await _find(session, instance_uuid, marker)
                if found is None:
                    raise MarkerNotFound(marker=marker)
                stmt = stmt.where(_older_than(found))
            stmt = stmt.order_by(_Action.created_at.desc(), _Action.id.desc())
            if limit is not None:
                stmt = stmt.limit(limit)
            return [_action(row) for row in await session.scalars(stmt)]

        return await self._db.read(query)

    async def get(self, instance_uuid: str, request_id: str) -> InstanceAction:
        """The action with its events, newest first; InstanceActionNotFound if none."""

        async def query(session: AsyncSession) -> InstanceAction:
            row = await _action_row(session, instance_uuid, request_id)
            stmt = (
                select(_Event)
                .where(_Event.action_id == row.id, live(_Event))
                .order_by(_Event.created_at.desc(), _Event.id.desc())
            )
            events = [to_domain(InstanceActionEvent, e) for e in await session.scalars(stmt)]
            return _action(row, events)

        return await self._db.read(query)


async def _find(
    session: AsyncSession, instance_uuid: str, request_id: str
) -> models.InstanceAction | None:
    stmt = (
        select(_Action)
        .where(
            _Action.instance_uuid == instance_uuid,
            _Action.request_id == request_id,
            live(_Action),
        )
        .order_by(_Action.created_at.desc(), _Action.id.desc())
        .limit(1)
    )
    return await session.scalar(stmt)


async def _action_row(
    session: AsyncSession, instance_uuid: str, request_id: str
) -> models.InstanceAction:
    row = await _find(session, instance_uuid, request_id)
    if row is None:
        raise InstanceActionNotFound(request_id=request_id, instance_uuid=instance_uuid)
    return row


async def _get(session: AsyncSession, model: type[T], row_id: int) -> T:
    """The row ``row_id`` of ``model``, read back after a Core insert."""
    row = await session.get(model, row_id)
    if row is None:  # pragma: no cover - inserted in this very transaction
        raise RuntimeError(f"{model.__name__} {row_id} vanished within its transaction")
    return row


async def _touch(
    session: AsyncSession, action_id: int, now: datetime.datetime, **values: Any
) -> None:
    await session.execute(
        update(core_table(_Action)).where(_Action.id == action_id).values(updated_at=now, **values)
    )


def _older_than(marker: models.InstanceAction) -> ColumnElement[bool]:
    """Actions after ``marker`` in newest-first order."""
    if marker.created_at is None:
        return and_(_Action.created_at.is_(None), _Action.id < marker.id)
    return or_(
        _Action.created_at < marker.created_at,
        and_(_Action.created_at == marker.created_at, _Action.id < marker.id),
        _Action.created_at.is_(None),
    )


def _action(
    row: models.InstanceAction, events: builtins.list[InstanceActionEvent] | None = None
) -> InstanceAction:
    action = InstanceAction(
        id=row.id,
        action=row.action or "",
        instance_uuid=row.instance_uuid or "",
        request_id=row.request_id,
        user_id=row.user_id,
        project_id=row.project_id,
        start_time=row.start_time,
        finish_time=row.finish_time,
        message=row.message,
        updated_at=row.updated_at,
        events=events or [],
    )
    action.reset_changes()
    return action
