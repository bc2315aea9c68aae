"""Instances (servers), their faults, and the actions recorded against them."""

from __future__ import annotations

import dataclasses
import datetime
import uuid as uuidlib

from novalite.domain.base import DomainObject
from novalite.domain.flavor import Flavor


@dataclasses.dataclass(kw_only=True, eq=False)
class InstanceFault(DomainObject):
    """An error recorded against an instance; the newest one is the server's ``fault``.

    ``code`` is the HTTP-like status nova shows (500 for failures, 400 for "No valid
    host"); ``details`` is shown to admins only (nova shows it to owners for non-500s).
    """

    VERSION = "1.0"

    id: int | None = None
    instance_uuid: str
    code: int = 500
    message: str = ""
    details: str | None = None
    host: str | None = None
    created_at: datetime.datetime | None = None


@dataclasses.dataclass(kw_only=True, eq=False)
class Instance(DomainObject):
    """A server: identity, ownership, flavor snapshot, placement and state.

    Field names follow nova's Instance object. ``flavor`` is the snapshot taken at boot
    (stored in ``instance_extra.flavor``); ``cell_uuid`` is where the row lives (``None``
    while only a build request exists) and is not stored in the row itself. ``fault`` is
    the newest fault when the reader asked for it.
    """

    VERSION = "1.0"

    id: int | None = None
    uuid: str = dataclasses.field(default_factory=lambda: str(uuidlib.uuid4()))
    user_id: str | None = None
    project_id: str | None = None
    display_name: str | None = None
    display_description: str | None = None
    hostname: str | None = None
    image_ref: str | None = None
    key_name: str | None = None
    key_data: str | None = None
    user_data: str | None = None
    flavor: Flavor | None = None
    vm_state: str = "building"
    task_state: str | None = None
    power_state: int = 0
    host: str | None = None
    node: str | None = None
    compute_id: int | None = None
    launched_on: str | None = None
    availability_zone: str | None = None
    reservation_id: str | None = None
    launch_index: int = 0
    config_drive: str = ""
    access_ip_v4: str | None = None
    access_ip_v6: str | None = None
    locked: bool = False
    locked_by: str | None = None
    progress: int = 0
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    system_metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    tags: list[str] = dataclasses.field(default_factory=list)
    launched_at: datetime.datetime | None = None
    terminated_at: datetime.datetime | None = None
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
    deleted_at: datetime.datetime | None = None
    deleted: bool = False
    cell_uuid: str | None = None
    fault: InstanceFault | None = None

    @property
    def memory_mb(self) -> int:
        """RAM of the flavor snapshot (0 without one)."""
        return self.flavor.memory_mb if self.flavor else 0

    @property
    def vcpus(self) -> int:
        """vCPUs of the flavor snapshot (0 without one)."""
        return self.flavor.vcpus if self.flavor else 0


@dataclasses.dataclass(kw_only=True, eq=False)
class InstanceActionEvent(DomainObject):
    """A step of an action (``compute__do_build_and_run_instance``...), ``result`` Success/Error."""

    VERSION = "1.0"

    id: int | None = None
    action_id: int | None = None
    event: str
    start_time: datetime.datetime | None = None
    finish_time: datetime.datetime | None = None
    result: str | None = None
    traceback: str | None = None
    host: str | None = None
    details: str | None = None


@dataclasses.dataclass(kw_only=True, eq=False)
class InstanceAction(DomainObject):
    """A user-visible operation on an instance (``create``, ``stop``, ``reboot``, ``delete``...)."""

    VERSION = "1.0"

    id: int | None = None
    action: str
    instance_uuid: str
    request_id: str | None = None
    user_id: str | None = None
    project_id: str | None = None
    start_time: datetime.datetime | None = None
    finish_time: datetime.datetime | None = None
    message: str | None = None
    updated_at: datetime.datetime | None = None
    events: list[InstanceActionEvent] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(kw_only=True, eq=False)
class BuildRequest(DomainObject):
    """An instance accepted by the API and not yet created in a cell (nova's BuildRequest)."""

    VERSION = "1.0"

    id: int | None = None
    instance_uuid: str
    project_id: str
    instance: Instance
    tags: list[str] = dataclasses.field(default_factory=list)
    created_at: datetime.datetime | None = None


@dataclasses.dataclass(kw_only=True, eq=False)
class InstanceMapping(DomainObject):
    """Which cell an instance lives in; ``cell_uuid`` is ``None`` until it is scheduled."""

    VERSION = "1.0"

    id: int | None = None
    instance_uuid: str
    project_id: str
    user_id: str | None = None
    cell_uuid: str | None = None
    queued_for_delete: bool = False
    created_at: datetime.datetime | None = None


#: Action names as nova records them (``nova.compute.instance_actions``).
ACTION_CREATE = "create"
ACTION_DELETE = "delete"
ACTION_STOP = "stop"
ACTION_START = "start"
ACTION_REBOOT = "reboot"
