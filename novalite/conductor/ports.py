"""What the conductor needs from the databases, as protocols.

The repositories of :mod:`novalite.db.repositories` satisfy them; ``novalite.cmd``
passes those, tests may pass small fakes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Protocol

from novalite.context import RequestContext
from novalite.db.engine import Database
from novalite.domain.cell import CellMapping
from novalite.domain.instance import (
    BuildRequest,
    Instance,
    InstanceAction,
    InstanceActionEvent,
    InstanceFault,
    InstanceMapping,
)
from novalite.domain.server_group import ServerGroup


class InstanceStore(Protocol):
    """The instances of one cell (``InstanceRepository``)."""

    async def create(
        self, instance: Instance, *, action: InstanceAction | None = None
    ) -> Instance: ...

    async def get(
        self, uuid: str, *, with_fault: bool = False, read_deleted: bool = False
    ) -> Instance: ...

    async def update(
        self,
        uuid: str,
        values: Mapping[str, Any],
        *,
        expected_task_state: Collection[str | None] | None = None,
        expected_vm_state: Collection[str] | None = None,
    ) -> Instance: ...

    async def destroy(self, uuid: str) -> Instance: ...

    async def list_by_host(self, host: str) -> list[Instance]: ...

    async def list_in_task_past(self, cutoffs: Mapping[str, datetime]) -> list[Instance]: ...

    async def add_fault(self, fault: InstanceFault) -> InstanceFault: ...

    async def hosts_of(self, uuids: Collection[str]) -> dict[str, str]: ...


class ActionStore(Protocol):
    """The instance actions and events of one cell (``InstanceActionRepository``)."""

    async def action_start(self, action: InstanceAction) -> InstanceAction: ...

    async def event_start(
        self, instance_uuid: str, request_id: str, event: str, host: str | None
    ) -> InstanceActionEvent: ...

    async def event_finish(
        self,
        instance_uuid: str,
        request_id: str,
        event: str,
        result: str,
        *,
        traceback: str | None = None,
        details: str | None = None,
    ) -> InstanceActionEvent: ...


class BuildRequestStore(Protocol):
    """Build requests in the API database (``BuildRequestRepository``)."""

    async def get(self, instance_uuid: str) -> BuildRequest: ...

    async def list(self, project_id: str | None = None) -> list[BuildRequest]: ...

    async def delete(self, instance_uuid: str) -> bool: ...

    async def hand_over(self, instance_uuid: str, cell_uuid: str) -> bool: ...


class InstanceMappingStore(Protocol):
    """Instance to cell mappings in the API database (``InstanceMappingRepository``)."""

    async def get(self, instance_uuid: str) -> InstanceMapping: ...

    async def get_many(self, uuids: Collection[str]) -> dict[str, InstanceMapping]: ...


class ServerGroupStore(Protocol):
    """Server groups in the API database (``ServerGroupRepository``)."""

    async def get(self, uuid: str) -> ServerGroup: ...

    async def add_members(self, uuid: str, instance_uuids: Collection[str]) -> None: ...


class InstanceStoreFactory(Protocol):
    """Builds the instance store of a cell: ``InstanceRepository`` itself fits."""

    def __call__(self, db: Database, cell_uuid: str | None = None) -> InstanceStore: ...


class ActionStoreFactory(Protocol):
    """Builds the action store of a cell: ``InstanceActionRepository`` itself fits."""

    def __call__(self, db: Database) -> ActionStore: ...


class Allocations(Protocol):
    """The placement calls the conductor makes (``PlacementClient``)."""

    async def get_allocations(
        self, consumer_uuid: str, *, context: RequestContext | None = None
    ) -> dict[str, Any]: ...

    async def claim(
        self,
        consumer_uuid: str,
        allocation_request: Mapping[str, Any],
        project_id: str,
        user_id: str,
        consumer_generation: int | None = None,
        *,
        context: RequestContext | None = None,
    ) -> None: ...

    async def delete_allocations(
        self, consumer_uuid: str, *, context: RequestContext | None = None
    ) -> bool: ...


class Cells(Protocol):
    """The cells a conductor reaches and their stores (:class:`~.cells.CellDirectory`)."""

    async def get(self, uuid: str) -> CellMapping: ...

    async def cell0(self) -> CellMapping: ...

    async def of_host(self, host: str) -> CellMapping: ...

    async def for_selection(self, cell_uuid: str | None, host: str) -> CellMapping: ...

    async def all(self) -> list[CellMapping]: ...

    def instances(self, cell: CellMapping) -> InstanceStore: ...

    def actions(self, cell: CellMapping) -> ActionStore: ...
