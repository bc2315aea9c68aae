import pytest

from novalite.domain import states
from novalite.domain.states import OPERATIONS, PowerState, TaskState, VmState


def test_every_task_state_has_a_deadline() -> None:
    assert set(states.TASK_DEADLINES) == set(TaskState)
    assert all(d.seconds > 0 for d in states.TASK_DEADLINES.values())


def test_wire_values_keep_nova_spelling() -> None:
    assert VmState.SOFT_DELETED == "soft-delete"
    assert TaskState.POWERING_OFF == "powering-off"
    assert TaskState.SOFT_DELETING == "soft-deleting"
    assert PowerState.SHUTDOWN == 4


@pytest.mark.parametrize(
    ("vm_state", "task_state", "status"),
    [
        ("active", None, "ACTIVE"),
        ("active", "rebooting", "REBOOT"),
        ("active", "reboot_started_hard", "HARD_REBOOT"),
        ("active", "powering-off", "ACTIVE"),
        ("building", "spawning", "BUILD"),
        ("stopped", "resize_prep", "RESIZE"),
        ("resized", "resize_reverting", "REVERT_RESIZE"),
        ("resized", "resize_confirming", "VERIFY_RESIZE"),
        ("error", "rebuilding", "REBUILD"),
        ("soft-delete", None, "SOFT_DELETED"),
        ("bogus", None, "UNKNOWN"),
    ],
)
def test_status_from_state(vm_state: str, task_state: str | None, status: str) -> None:
    assert states.status_from_state(vm_state, task_state) == status


def test_states_from_status_round_trips() -> None:
    for vm_state in VmState:
        for task_state in [None, *TaskState]:
            status = states.status_from_state(vm_state, task_state)
            vms, tasks = states.states_from_status(status)
            assert vm_state in vms
            assert not tasks or task_state in tasks, (vm_state, task_state, status)


def test_states_from_status_active_excludes_reboot() -> None:
    vms, tasks = states.states_from_status("ACTIVE")
    assert vms == {VmState.ACTIVE}
    assert None in tasks and TaskState.REBOOTING not in tasks


def test_stop_refused_when_stopped() -> None:
    with pytest.raises(states.InstanceInvalidState) as exc:
        OPERATIONS["stop"].check("u1", "stopped", None)
    assert exc.value.message == "Cannot 'stop' instance u1 while it is in vm_state stopped"
    assert exc.value.http_status == 409


def test_stop_refused_while_task_running() -> None:
    with pytest.raises(states.InstanceInvalidState, match="task_state powering-on"):
        OPERATIONS["stop"].check("u1", "active", "powering-on")


def test_hard_reboot_allowed_during_soft_reboot() -> None:
    OPERATIONS["reboot_hard"].check("u1", "active", "rebooting")
    with pytest.raises(states.InstanceInvalidState):
        OPERATIONS["reboot_soft"].check("u1", "active", "rebooting")


def test_delete_allowed_anywhere() -> None:
    for vm_state in VmState:
        OPERATIONS["delete"].check("u1", vm_state, "spawning")


def test_deadline_for_delete_finishes_the_delete() -> None:
    assert states.deadline_for("deleting").on_expiry is states.OnExpiry.FINISH_DELETE
