"""Instance actions and their events (cell database): what ``os-instance-actions`` shows.

An action is found by its instance and the request id that started it. Every
event start and finish touches the action's ``updated_at`` (what
``changes-since`` filters on); an event finished with ``Error`` marks the
action's message ``Error``, as nova does.

The statements are Core statements built once (bound parameters): actions and events
are written for every server booted.
"""

from __future__ import annotations

import builtins
import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.core import CoreRow, core_table, insert_row, insert_rows
from novalite.db.engine import Database
from novalite.db.models import instance as models
from novalite.db.models.base import utcnow
from novalite.domain.instance import InstanceAction, InstanceActionEvent
from novalite.errors import InstanceActionEventNotFound, InstanceActionNotFound, MarkerNotFound

A = core_table(models.InstanceAction)
E = core_table(models.InstanceActionEvent)
_ERROR = "Error"

#: The columns an ``InstanceAction`` is built from (``created_at`` orders a listing).
_ACTION_COLUMNS = (
    A.c.id,
    A.c.action,
    A.c.instance_uuid,
    A.c.request_id,
    A.c.user_id,
    A.c.project_id,
    A.c.start_time,
    A.c.finish_time,
    A.c.message,
    A.c.updated_at,
    A.c.created_at,
)
#: The fields of an ``InstanceActionEvent``, all columns of the same name.
_EVENT_FIELDS = tuple(sorted(InstanceActionEvent.field_names()))
_EVENT_COLUMNS = tuple(E.c[name] for name in _EVENT_FIELDS)

_NEWEST_FIRST = (A.c.created_at.desc(), A.c.id.desc())
_IS_REQUEST = and_(
    A.c.instance_uuid == bindparam("instance_uuid"),
    A.c.request_id == bindparam("request_id"),
    A.c.deleted == 0,
)

#: The newest live action of (``instance_uuid``, ``request_id``).
_FIND = select(*_ACTION_COLUMNS).where(_IS_REQUEST).order_by(*_NEWEST_FIRST).limit(1)
_FIND_ID = select(A.c.id).where(_IS_REQUEST).order_by(*_NEWEST_FIRST).limit(1)
#: That action's id with the id of its newest unfinished (else newest) live ``event``,
#: NULL when it has none: what finishing an event looks for, in one statement.
_FIND_EVENT_TO_FINISH = (
    select(A.c.id, E.c.id.label("event_id"))
    .select_from(
        A.outerjoin(
            E, and_(E.c.action_id == A.c.id, E.c.event == bindparam("event"), E.c.deleted == 0)
        )
    )
    .where(_IS_REQUEST)
    .order_by(*_NEWEST_FIRST, E.c.finish_time.is_not(None), E.c.id.desc())
    .limit(1)
)
_ACTION_BY_ID = select(*_ACTION_COLUMNS).where(A.c.id == bindparam("id"))
_EVENT_BY_ID = select(*_EVENT_COLUMNS).where(E.c.id == bindparam("id"))
_EVENTS_OF = (
    select(*_EVENT_COLUMNS)
    .where(E.c.action_id == bindparam("action_id"), E.c.deleted == 0)
    .order_by(E.c.created_at.desc(), E.c.id.desc())
)
#: ``UPDATE`` of one action / event by id; the columns to set are the other parameters.
_UPDATE_ACTION = update(A).where(A.c.id == bindparam("b_id"))
_UPDATE_EVENT = update(E).where(E.c.id == bindparam("b_id"))


class InstanceActionRepository:
    """Reads and writes ``instance_actions`` and ``instance_actions_events`` in a cell database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def action_start(self, action: InstanceAction) -> InstanceAction:
        """Record ``action`` (started now unless it says when) with the events it carries,
        in one transaction; returns it as stored (events not loaded)."""

        async def insert(session: AsyncSession) -> InstanceAction:
            action_id = await insert_action(session, action)
            return _action(await _one(session, _ACTION_BY_ID, action_id))

        return await self._db.write(insert)

    async def event_start(
        self, instance_uuid: str, request_id: str, event: str, host: str | None
    ) -> InstanceActionEvent:
        """Record the start of ``event`` of the action; InstanceActionNotFound if none."""

        async def insert(session: AsyncSession) -> InstanceActionEvent:
            action_id = await _action_id(session, instance_uuid, request_id)
            now = utcnow()
            event_id = await insert_row(
                session,
                models.InstanceActionEvent,
                event=event,
                action_id=action_id,
                start_time=now,
                host=host,
                created_at=now,
            )
            await _touch(session, action_id, now)
            return _event(await _one(session, _EVENT_BY_ID, event_id))

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
            action_id, event_id = await _event_to_finish(session, instance_uuid, request_id, event)
            now = utcnow()
            await session.execute(
                _UPDATE_EVENT,
                {
                    "b_id": event_id,
                    "finish_time": now,
                    "result": result,
                    "traceback": traceback,
                    "details": details,
                    "updated_at": now,
                },
            )
            values: dict[str, Any] = {}
            if result.lower() == _ERROR.lower():
                values["message"] = _ERROR
            await _touch(session, action_id, now, **values)
            return _event(await _one(session, _EVENT_BY_ID, event_id))

        return await self._db.write(finish)

    async def action_finish(self, instance_uuid: str, request_id: str) -> None:
        """Record that the action finished now; InstanceActionNotFound if there is none."""

        async def finish(session: AsyncSession) -> None:
            action_id = await _action_id(session, instance_uuid, request_id)
            now = utcnow()
            await _touch(session, action_id, now, finish_time=now)

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
            stmt = select(*_ACTION_COLUMNS).where(
                A.c.instance_uuid == instance_uuid, A.c.deleted == 0
            )
            if changes_since is not None:
                stmt = stmt.where(A.c.updated_at >= changes_since)
            if changes_before is not None:
                stmt = stmt.where(A.c.updated_at <= changes_before)
            if marker is not None:
                found = await _find(session, instance_uuid, marker)
                if found is None:
                    raise MarkerNotFound(marker=marker)
                stmt = stmt.where(_older_than(found))
            stmt = stmt.order_by(*_NEWEST_FIRST)
            if limit is not None:
                stmt = stmt.limit(limit)
            return [_action(row) for row in await session.execute(stmt)]

        return await self._db.read(query)

    async def get(self, instance_uuid: str, request_id: str) -> InstanceAction:
        """The action with its events, newest first; InstanceActionNotFound if none."""

        async def query(session: AsyncSession) -> InstanceAction:
            row = await _find(session, instance_uuid, request_id)
            if row is None:
                raise InstanceActionNotFound(request_id=request_id, instance_uuid=instance_uuid)
            found = await session.execute(_EVENTS_OF, {"action_id": row.id})
            return _action(row, [_event(event) for event in found])

        return await self._db.read(query)


async def insert_action(session: AsyncSession, action: InstanceAction) -> int:
    """Insert ``action`` (started now unless it says when) with the events it carries, in
    ``session``'s transaction; returns its id."""
    start = action.start_time or utcnow()
    action_id = await insert_row(
        session,
        models.InstanceAction,
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
    await insert_rows(session, models.InstanceActionEvent, events)
    return action_id


async def _find(session: AsyncSession, instance_uuid: str, request_id: str) -> CoreRow | None:
    """The newest live action of ``request_id`` on the instance, if any."""
    result = await session.execute(
        _FIND, {"instance_uuid": instance_uuid, "request_id": request_id}
    )
    return result.first()


async def _action_id(session: AsyncSession, instance_uuid: str, request_id: str) -> int:
    """The id of :func:`_find`'s action; InstanceActionNotFound if there is none."""
    action_id: int | None = await session.scalar(
        _FIND_ID, {"instance_uuid": instance_uuid, "request_id": request_id}
    )
    if action_id is None:
        raise InstanceActionNotFound(request_id=request_id, instance_uuid=instance_uuid)
    return action_id


async def _event_to_finish(
    session: AsyncSession, instance_uuid: str, request_id: str, event: str
) -> tuple[int, int]:
    """The ids of :func:`_find`'s action and of its newest unfinished (else newest) live
    ``event``; InstanceActionNotFound / InstanceActionEventNotFound."""
    params = {"instance_uuid": instance_uuid, "request_id": request_id, "event": event}
    row = (await session.execute(_FIND_EVENT_TO_FINISH, params)).first()
    if row is None:
        raise InstanceActionNotFound(request_id=request_id, instance_uuid=instance_uuid)
    if row.event_id is None:
        raise InstanceActionEventNotFound(event=event, action_id=row.id)
    return row.id, row.event_id


async def _one(session: AsyncSession, stmt: Select[*tuple[Any, ...]], row_id: int) -> CoreRow:
    """The row ``row_id`` that ``stmt`` selects, read back after a Core insert or update."""
    return (await session.execute(stmt, {"id": row_id})).one()


async def _touch(
    session: AsyncSession, action_id: int, now: datetime.datetime, **values: Any
) -> None:
    """Set the action's ``updated_at`` to ``now``, and ``values``."""
    await session.execute(_UPDATE_ACTION, {"b_id": action_id, "updated_at": now, **values})


def _older_than(marker: CoreRow) -> ColumnElement[bool]:
    """Actions after ``marker`` in newest-first order."""
    if marker.created_at is None:
        return and_(A.c.created_at.is_(None), A.c.id < marker.id)
    return or_(
        A.c.created_at < marker.created_at,
        and_(A.c.created_at == marker.created_at, A.c.id < marker.id),
        A.c.created_at.is_(None),
    )


def _action(
    row: CoreRow, events: builtins.list[InstanceActionEvent] | None = None
) -> InstanceAction:
    """The ``InstanceAction`` of a row of :data:`_ACTION_COLUMNS`."""
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


def _event(row: CoreRow) -> InstanceActionEvent:
    """The ``InstanceActionEvent`` of a row of :data:`_EVENT_COLUMNS`."""
    event = InstanceActionEvent(**dict(zip(_EVENT_FIELDS, row, strict=True)))
    event.reset_changes()
    return event
