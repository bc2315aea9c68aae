"""Cells: where instances live, and which host belongs to which cell."""

from __future__ import annotations

import dataclasses
import datetime
import uuid as uuidlib

from novalite.domain.base import DomainObject

#: cell0's fixed uuid, as in nova: it holds instances that were never scheduled.
CELL0_UUID = "00000000-0000-0000-0000-000000000000"


@dataclasses.dataclass(kw_only=True, eq=False)
class CellMapping(DomainObject):
    """A cell's name and how to reach its database and message bus."""

    VERSION = "1.0"

    id: int | None = None
    uuid: str = dataclasses.field(default_factory=lambda: str(uuidlib.uuid4()))
    name: str | None = None
    transport_url: str
    database_connection: str
    disabled: bool = False
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None

    @property
    def is_cell0(self) -> bool:
        """True for the cell that holds never-scheduled instances."""
        return self.uuid == CELL0_UUID


@dataclasses.dataclass(kw_only=True, eq=False)
class HostMapping(DomainObject):
    """Maps a compute host name to the cell it belongs to."""

    VERSION = "1.0"

    id: int | None = None
    host: str
    cell_uuid: str
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
