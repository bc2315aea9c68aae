"""The instance state machine: vm_state, task_state, power_state and what each allows.

The values are nova's wire values. Each API operation names the vm_states and
task_states it may start from and the task_state it sets; each task_state has a
deadline after which the watchdog acts (see :data:`TASK_DEADLINES`), so that no
instance stays in a transient state forever.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping

from novalite.errors import Conflict


class VmState(enum.StrEnum):
    """Stable states of an instance (nova's vm_states)."""

    ACTIVE = "active"
    BUILDING = "building"
    PAUSED = "paused"
    SUSPENDED = "suspended"
    STOPPED = "stopped"
    RESCUED = "rescued"
    RESIZED = "resized"
    SOFT_DELETED = "soft-delete"
    DELETED = "deleted"
    ERROR = "error"
    SHELVED = "shelved"
    SHELVED_OFFLOADED = "shelved_offloaded"


class TaskState(enum.StrEnum):
    """Transient states while an operation runs (nova's task_states)."""

    SCHEDULING = "scheduling"
    BLOCK_DEVICE_MAPPING = "block_device_mapping"
    NETWORKING = "networking"
    SPAWNING = "spawning"
    IMAGE_SNAPSHOT = "image_snapshot"
    IMAGE_SNAPSHOT_PENDING = "image_snapshot_pending"
    IMAGE_PENDING_UPLOAD = "image_pending_upload"
    IMAGE_UPLOADING = "image_uploading"
    IMAGE_BACKUP = "image_backup"
    UPDATING_PASSWORD = "updating_password"
    RESIZE_PREP = "resize_prep"
    RESIZE_MIGRATING = "resize_migrating"
    RESIZE_MIGRATED = "resize_migrated"
    RESIZE_FINISH = "resize_finish"
    RESIZE_REVERTING = "resize_reverting"
    RESIZE_CONFIRMING = "resize_confirming"
    REBOOTING = "rebooting"
    REBOOT_PENDING = "reboot_pending"
    REBOOT_STARTED = "reboot_started"
    REBOOTING_HARD = "rebooting_hard"
    REBOOT_PENDING_HARD = "reboot_pending_hard"
    REBOOT_STARTED_HARD = "reboot_started_hard"
    PAUSING = "pausing"
    UNPAUSING = "unpausing"
    SUSPENDING = "suspending"
    RESUMING = "resuming"
    POWERING_OFF = "powering-off"
    POWERING_ON = "powering-on"
    RESCUING = "rescuing"
    UNRESCUING = "unrescuing"
    REBUILDING = "rebuilding"
    REBUILD_BLOCK_DEVICE_MAPPING = "rebuild_block_device_mapping"
    REBUILD_SPAWNING = "rebuild_spawning"
    MIGRATING = "migrating"
    DELETING = "deleting"
    SOFT_DELETING = "soft-deleting"
    RESTORING = "restoring"
    SHELVING = "shelving"
    SHELVING_IMAGE_PENDING_UPLOAD = "shelving_image_pending_upload"
    SHELVING_IMAGE_UPLOADING = "shelving_image_uploading"
    SHELVING_OFFLOADING = "shelving_offloading"
    UNSHELVING = "unshelving"


class PowerState(enum.IntEnum):
    """The hypervisor's view of a guest (integer on the wire)."""

    NOSTATE = 0
    RUNNING = 1
    PAUSED = 3
    SHUTDOWN = 4
    CRASHED = 6
    SUSPENDED = 7


SOFT_REBOOT_STATES = frozenset(
    {TaskState.REBOOTING, TaskState.REBOOT_PENDING, TaskState.REBOOT_STARTED}
)
HARD_REBOOT_STATES = frozenset(
    {TaskState.REBOOTING_HARD, TaskState.REBOOT_PENDING_HARD, TaskState.REBOOT_STARTED_HARD}
)
RESIZING_STATES = frozenset(
    {
        TaskState.RESIZE_PREP,
        TaskState.RESIZE_MIGRATING,
        TaskState.RESIZE_MIGRATED,
        TaskState.RESIZE_FINISH,
    }
)
REBUILD_STATES = frozenset(
    {
        TaskState.REBUILDING,
        TaskState.REBUILD_BLOCK_DEVICE_MAPPING,
        TaskState.REBUILD_SPAWNING,
    }
)
#: task_states from which a hard reboot may start (``None`` = no task).
ALLOW_REBOOT: frozenset[TaskState | None] = frozenset(
    {
        None,
        *SOFT_REBOOT_STATES,
        TaskState.RESUMING,
        TaskState.REBOOTING_HARD,
        TaskState.UNPAUSING,
        TaskState.PAUSING,
        TaskState.SUSPENDING,
    }
)


def _overrides(states: frozenset[TaskState], status: str) -> dict[TaskState, str]:
    return dict.fromkeys(states, status)


_STATUS_MAP: Mapping[VmState, tuple[str, Mapping[TaskState, str]]] = {
    VmState.ACTIVE: (
        "ACTIVE",
        {
            **_overrides(SOFT_REBOOT_STATES, "REBOOT"),
            **_overrides(HARD_REBOOT_STATES, "HARD_REBOOT"),
            TaskState.UPDATING_PASSWORD: "PASSWORD",
            **_overrides(REBUILD_STATES, "REBUILD"),
            TaskState.MIGRATING: "MIGRATING",
            **_overrides(RESIZING_STATES, "RESIZE"),
        },
    ),
    VmState.BUILDING: ("BUILD", {}),
    VmState.STOPPED: (
        "SHUTOFF",
        {**_overrides(RESIZING_STATES, "RESIZE"), **_overrides(REBUILD_STATES, "REBUILD")},
    ),
    VmState.RESIZED: ("VERIFY_RESIZE", {TaskState.RESIZE_REVERTING: "REVERT_RESIZE"}),
    VmState.PAUSED: ("PAUSED", {TaskState.MIGRATING: "MIGRATING"}),
    VmState.SUSPENDED: ("SUSPENDED", {}),
    VmState.RESCUED: ("RESCUE", {}),
    VmState.ERROR: ("ERROR", _overrides(REBUILD_STATES, "REBUILD")),
    VmState.DELETED: ("DELETED", {}),
    VmState.SOFT_DELETED: ("SOFT_DELETED", {}),
    VmState.SHELVED: ("SHELVED", {}),
    VmState.SHELVED_OFFLOADED: ("SHELVED_OFFLOADED", {}),
}


def status_from_state(vm_state: str, task_state: str | None = None) -> str:
    """The API's ``status`` for a vm_state/task_state pair (``UNKNOWN`` if unmapped)."""
    try:
        default, overrides = _STATUS_MAP[VmState(vm_state)]
    except ValueError:
        return "UNKNOWN"
    if task_state is None:
        return default
    try:
        return overrides.get(TaskState(task_state), default)
    except ValueError:
        return default


def states_from_status(status: str) -> tuple[frozenset[VmState], frozenset[TaskState | None]]:
    """The vm_states and task_states an API ``status`` filter selects.

    The task_state set is empty when any task_state matches. An unknown status
    selects nothing.
    """
    status = status.upper()
    vm_states: set[VmState] = set()
    task_states: set[TaskState | None] = set()
    for vm_state, (default, overrides) in _STATUS_MAP.items():
        if default == status:
            vm_states.add(vm_state)
            if overrides:
                task_states.update({None, *(t for t, s in overrides.items() if s == status)})
                task_states.update(t for t in TaskState if t not in overrides)
        for task, override in overrides.items():
            if override == status:
                vm_states.add(vm_state)
                task_states.add(task)
    if task_states and set(TaskState) | {None} <= task_states:
        task_states.clear()
    return frozenset(vm_states), frozenset(task_states)


# -- operations -------------------------------------------------------------------------------

ANY: None = None
"""In :class:`Operation`, ``vm_states=ANY``/``task_states=ANY`` means "not checked"."""


class InstanceInvalidState(Conflict):
    """An operation was asked for in a state that does not allow it (409)."""

    code = "novalite.instance.invalid_state"
    msg_fmt = "Cannot '{action}' instance {uuid} while it is in {attr} {state}"


@dataclasses.dataclass(frozen=True, slots=True)
class Operation:
    """The states an API operation may start from, and the task_state it sets.

    ``task_states`` is the set of allowed task_states; the default is "no task
    running" (``{None}``); :data:`ANY` disables the check.
    """

    action: str
    vm_states: frozenset[VmState] | None
    task_states: frozenset[TaskState | None] | None = frozenset({None})
    sets_task_state: TaskState | None = None
    checks_lock: bool = True
    must_have_launched: bool = True

    def check(self, uuid: str, vm_state: str, task_state: str | None) -> None:
        """Raise :class:`InstanceInvalidState` unless the operation may start now."""
        if self.vm_states is not None and vm_state not in self.vm_states:
            raise InstanceInvalidState(
                action=self.action, uuid=uuid, attr="vm_state", state=vm_state
            )
        if self.task_states is not None and task_state not in self.task_states:
            raise InstanceInvalidState(
                action=self.action, uuid=uuid, attr="task_state", state=task_state
            )


def _vm(*states: VmState) -> frozenset[VmState]:
    return frozenset(states)


OPERATIONS: Mapping[str, Operation] = {
    op.action: op
    for op in (
        Operation("delete", ANY, ANY, sets_task_state=TaskState.DELETING, must_have_launched=False),
        Operation(
            "forceDelete", ANY, ANY, sets_task_state=TaskState.DELETING, must_have_launched=False
        ),
        Operation("restore", _vm(VmState.SOFT_DELETED), sets_task_state=TaskState.RESTORING),
        Operation(
            "stop", _vm(VmState.ACTIVE, VmState.ERROR), sets_task_state=TaskState.POWERING_OFF
        ),
        Operation("start", _vm(VmState.STOPPED), sets_task_state=TaskState.POWERING_ON),
        Operation("reboot_soft", _vm(VmState.ACTIVE), sets_task_state=TaskState.REBOOTING),
        Operation(
            "reboot_hard",
            _vm(
                VmState.ACTIVE,
                VmState.STOPPED,
                VmState.PAUSED,
                VmState.SUSPENDED,
                VmState.ERROR,
            ),
            ALLOW_REBOOT,
            sets_task_state=TaskState.REBOOTING_HARD,
        ),
        Operation(
            "rebuild",
            _vm(VmState.ACTIVE, VmState.STOPPED, VmState.ERROR),
            sets_task_state=TaskState.REBUILDING,
        ),
        Operation(
            "resize", _vm(VmState.ACTIVE, VmState.STOPPED), sets_task_state=TaskState.RESIZE_PREP
        ),
        Operation("confirmResize", _vm(VmState.RESIZED)),
        Operation("revertResize", _vm(VmState.RESIZED), sets_task_state=TaskState.RESIZE_REVERTING),
        Operation("pause", _vm(VmState.ACTIVE), sets_task_state=TaskState.PAUSING),
        Operation("unpause", _vm(VmState.PAUSED), sets_task_state=TaskState.UNPAUSING),
        Operation("suspend", _vm(VmState.ACTIVE), sets_task_state=TaskState.SUSPENDING),
        Operation("resume", _vm(VmState.SUSPENDED), sets_task_state=TaskState.RESUMING),
        Operation(
            "rescue",
            _vm(VmState.ACTIVE, VmState.STOPPED, VmState.ERROR),
            sets_task_state=TaskState.RESCUING,
        ),
        Operation("unrescue", _vm(VmState.RESCUED), sets_task_state=TaskState.UNRESCUING),
        Operation(
            "shelve",
            _vm(VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED),
            sets_task_state=TaskState.SHELVING,
        ),
        Operation(
            "shelveOffload", _vm(VmState.SHELVED), sets_task_state=TaskState.SHELVING_OFFLOADING
        ),
        Operation(
            "unshelve",
            _vm(VmState.SHELVED, VmState.SHELVED_OFFLOADED),
            sets_task_state=TaskState.UNSHELVING,
        ),
        Operation(
            "createImage",
            _vm(VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED),
            sets_task_state=TaskState.IMAGE_SNAPSHOT,
            checks_lock=False,
        ),
        Operation(
            "changePassword", _vm(VmState.ACTIVE), sets_task_state=TaskState.UPDATING_PASSWORD
        ),
        Operation(
            "os-migrateLive",
            _vm(VmState.ACTIVE, VmState.PAUSED),
            sets_task_state=TaskState.MIGRATING,
        ),
        Operation(
            "evacuate",
            _vm(VmState.ACTIVE, VmState.STOPPED, VmState.ERROR),
            ANY,
            sets_task_state=TaskState.REBUILDING,
            checks_lock=False,
        ),
    )
}


# -- deadlines --------------------------------------------------------------------------------


class OnExpiry(enum.StrEnum):
    """What the watchdog does with an instance whose task passed its deadline."""

    ERROR = "error"
    """Set vm_state ERROR, clear the task_state and record a fault."""
    FINISH_DELETE = "finish_delete"
    """Finish deleting the instance (clean up its resources and mark it deleted)."""
    CLEAR_TASK = "clear_task"
    """Clear the task_state and leave the vm_state (the guest's state is re-synced)."""


@dataclasses.dataclass(frozen=True, slots=True)
class TaskDeadline:
    """How long a task_state may last and what happens after."""

    seconds: float
    on_expiry: OnExpiry = OnExpiry.ERROR


_MINUTE = 60.0
_BUILD = TaskDeadline(30 * _MINUTE)
_POWER = TaskDeadline(10 * _MINUTE, OnExpiry.CLEAR_TASK)
_IMAGE = TaskDeadline(60 * _MINUTE, OnExpiry.CLEAR_TASK)
_MOVE = TaskDeadline(60 * _MINUTE)

#: Deadline per task_state. Every task_state has one (a unit test checks it).
TASK_DEADLINES: Mapping[TaskState, TaskDeadline] = {
    TaskState.SCHEDULING: _BUILD,
    TaskState.BLOCK_DEVICE_MAPPING: _BUILD,
    TaskState.NETWORKING: _BUILD,
    TaskState.SPAWNING: _BUILD,
    TaskState.IMAGE_SNAPSHOT: _IMAGE,
    TaskState.IMAGE_SNAPSHOT_PENDING: _IMAGE,
    TaskState.IMAGE_PENDING_UPLOAD: _IMAGE,
    TaskState.IMAGE_UPLOADING: _IMAGE,
    TaskState.IMAGE_BACKUP: _IMAGE,
    TaskState.UPDATING_PASSWORD: _POWER,
    TaskState.RESIZE_PREP: _MOVE,
    TaskState.RESIZE_MIGRATING: _MOVE,
    TaskState.RESIZE_MIGRATED: _MOVE,
    TaskState.RESIZE_FINISH: _MOVE,
    TaskState.RESIZE_REVERTING: _MOVE,
    TaskState.RESIZE_CONFIRMING: _MOVE,
    TaskState.REBOOTING: _POWER,
    TaskState.REBOOT_PENDING: _POWER,
    TaskState.REBOOT_STARTED: _POWER,
    TaskState.REBOOTING_HARD: _POWER,
    TaskState.REBOOT_PENDING_HARD: _POWER,
    TaskState.REBOOT_STARTED_HARD: _POWER,
    TaskState.PAUSING: _POWER,
    TaskState.UNPAUSING: _POWER,
    TaskState.SUSPENDING: _POWER,
    TaskState.RESUMING: _POWER,
    TaskState.POWERING_OFF: _POWER,
    TaskState.POWERING_ON: _POWER,
    TaskState.RESCUING: _POWER,
    TaskState.UNRESCUING: _POWER,
    TaskState.REBUILDING: _BUILD,
    TaskState.REBUILD_BLOCK_DEVICE_MAPPING: _BUILD,
    TaskState.REBUILD_SPAWNING: _BUILD,
    TaskState.MIGRATING: _MOVE,
    TaskState.DELETING: TaskDeadline(15 * _MINUTE, OnExpiry.FINISH_DELETE),
    TaskState.SOFT_DELETING: TaskDeadline(15 * _MINUTE, OnExpiry.CLEAR_TASK),
    TaskState.RESTORING: _POWER,
    TaskState.SHELVING: _IMAGE,
    TaskState.SHELVING_IMAGE_PENDING_UPLOAD: _IMAGE,
    TaskState.SHELVING_IMAGE_UPLOADING: _IMAGE,
    TaskState.SHELVING_OFFLOADING: _MOVE,
    TaskState.UNSHELVING: _BUILD,
}


def deadline_for(task_state: str) -> TaskDeadline:
    """The deadline that applies to ``task_state``."""
    return TASK_DEADLINES[TaskState(task_state)]
