"""Instance action bodies per microversion (2.51 events for all, 2.58 ``updated_at``,
2.62 ``host``/``hostId``, 2.84 event ``details``)."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from typing import Any

from novalite.api.wsgi import Call
from novalite.domain.instance import InstanceAction, InstanceActionEvent

_ACTION_KEYS = ("action", "instance_uuid", "request_id", "user_id", "project_id", "message")


def stamp(value: datetime.datetime | None) -> str | None:
    """A timestamp as nova serialises one: naive UTC with microseconds."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def host_id(host: str | None, project_id: str | None) -> str:
    """nova's obfuscated ``hostId``: sha224 of project id and host ("" without a host)."""
    if not host:
        return ""
    return hashlib.sha224(f"{project_id or ''}{host}".encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class EventView:
    """Which event fields the caller may see."""

    traceback: bool = False
    host: bool = False
    host_id: bool = False
    details: bool = False


def action(call: Call, item: InstanceAction) -> dict[str, Any]:
    """A list entry (and the base of the show body)."""
    body: dict[str, Any] = {key: getattr(item, key) for key in _ACTION_KEYS}
    body["start_time"] = stamp(item.start_time)
    if call.version >= (2, 58):
        body["updated_at"] = stamp(item.updated_at)
    return body


def event(item: InstanceActionEvent, project_id: str | None, view: EventView) -> dict[str, Any]:
    """One event of an action, with what ``view`` allows."""
    body: dict[str, Any] = {
        "event": item.event,
        "start_time": stamp(item.start_time),
        "finish_time": stamp(item.finish_time),
        "result": item.result,
    }
    if view.traceback:
        body["traceback"] = item.traceback
    if view.host:
        body["host"] = item.host
    if view.host_id:
        body["hostId"] = host_id(item.host, project_id)
    if view.details:
        body["details"] = item.details
    return body
