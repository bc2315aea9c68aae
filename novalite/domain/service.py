"""Service records: which binary runs on which host, and whether it is alive."""

from __future__ import annotations

import dataclasses
import datetime
import uuid as uuidlib

from novalite.domain.base import DomainObject


def utcnow() -> datetime.datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.datetime.now(datetime.UTC)


@dataclasses.dataclass(kw_only=True, eq=False)
class Service(DomainObject):
    """One running (or once running) service binary on a host, as in nova's services table."""

    VERSION = "1.0"

    id: int | None = None
    uuid: str = dataclasses.field(default_factory=lambda: str(uuidlib.uuid4()))
    host: str
    binary: str
    topic: str | None = None
    report_count: int = 0
    disabled: bool = False
    disabled_reason: str | None = None
    forced_down: bool = False
    last_seen_up: datetime.datetime | None = None
    version: int = 0
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None

    def is_up(self, service_down_time: float, now: datetime.datetime | None = None) -> bool:
        """True when the last heartbeat is within ``service_down_time`` seconds.

        A forced-down service is down whatever its heartbeats say.
        """
        if self.forced_down:
            return False
        seen = self.last_seen_up or self.updated_at or self.created_at
        if seen is None:
            return False
        if seen.tzinfo is None:
            seen = seen.replace(tzinfo=datetime.UTC)
        elapsed = ((now or utcnow()) - seen).total_seconds()
        return abs(elapsed) <= service_down_time
