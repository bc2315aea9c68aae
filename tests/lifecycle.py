"""The server lifecycle as a user drives it with openstacksdk and the openstack CLI.

One scenario, run against the all-in-one (tests/clients) and against the distributed
deployment (tests/integration/test_distributed.py): flavor and keypair, servers to
ACTIVE, list/show/filters/pagination, stop/start/reboot, instance actions, delete.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import openstack.connection

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "compute-api"
SAMPLES = REFERENCE / "samples" / "servers"

#: A fixed image id: there is no image service yet, so imageRef is accepted unchecked.
IMAGE_ID = "70a599e0-31e7-49b7-b260-868f441e862b"


class Deployment(Protocol):
    """What the scenario needs from a running cloud."""

    def connect(self, cloud: str, **options: str) -> openstack.connection.Connection: ...

    def osc(self, cloud: str, *args: str) -> subprocess.CompletedProcess[str]: ...


def osc_json(cloud: Deployment, *args: str) -> Any:
    """Run ``openstack ... -f json`` as admin and return the parsed output."""
    result = cloud.osc("novalite-admin", *args, "-f", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``predicate`` until it is true, else fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


#: The 2.69 sample shows a server of a cell that is down (a partial record).
DOWN_CELL_SAMPLES = {"2.69"}


def sample_versions() -> list[str]:
    """Microversions with a ``server-get-resp.json`` sample, up to what we claim (2.85)."""
    versions = ["2.1"]
    for path in sorted(SAMPLES.glob("v2.*/server-get-resp.json")):
        version = path.parent.name[1:]
        if version in DOWN_CELL_SAMPLES:
            continue
        if tuple(int(p) for p in version.split(".")) <= (2, 85):
            versions.append(version)
    return versions


def sample_keys(version: str) -> set[str]:
    """Top-level keys of the reference ``server-get-resp.json`` for ``version``."""
    base = SAMPLES if version == "2.1" else SAMPLES / f"v{version}"
    return set(json.loads((base / "server-get-resp.json").read_text())["server"])


#: Fields nova shows only when the server has ports (our servers boot with networks "none").
PORT_FIELDS = {"security_groups"}


def check_show_fields(conn: openstack.connection.Connection, server_id: str) -> None:
    """GET /servers/{id} at every sampled microversion has the sample's field names."""
    for version in sample_versions():
        response = conn.compute.get(f"/servers/{server_id}", microversion=version, raise_exc=True)
        keys = set(response.json()["server"])
        expected = sample_keys(version) - PORT_FIELDS
        assert keys == expected, (version, keys ^ expected)


def run_lifecycle(cloud: Deployment, *, prefix: str, servers: int = 3) -> None:
    """The whole user-facing lifecycle; leaves nothing behind."""
    admin = cloud.connect("novalite-admin")
    demo = cloud.connect("novalite")
    flavor_name = f"{prefix}-tiny"

    created = osc_json(
        cloud, "flavor", "create", "--ram", "256", "--vcpus", "1", "--disk", "1", flavor_name
    )
    flavor_id = created["id"]
    keypair = demo.compute.create_keypair(name=f"{prefix}-key")
    assert keypair.private_key

    ids: list[str] = []
    for index in range(servers):
        server = demo.compute.create_server(
            name=f"{prefix}-{index}",
            flavor_id=flavor_id,
            image_id=IMAGE_ID,
            networks="none",
            key_name=keypair.name,
            metadata={"index": str(index)},
        )
        ids.append(server.id)
    for server_id in ids:
        server = demo.compute.wait_for_server(
            demo.compute.get_server(server_id), status="ACTIVE", wait=120, interval=0.5
        )
        assert server.key_name == keypair.name
        assert server.flavor.original_name == flavor_name

    check_show_fields(admin, ids[0])

    # Listing: filters, sorting, pagination.
    named = list(demo.compute.servers(name=f"^{prefix}-1$"))
    assert [s.id for s in named] == [ids[1]]
    active = {s.id for s in demo.compute.servers(status="ACTIVE")}
    assert set(ids) <= active
    page = list(demo.compute.servers(details=True, limit=1, paginated=True))
    assert set(ids) <= {s.id for s in page}
    ordered = [s.name for s in demo.compute.servers(sort_key="display_name", sort_dir="asc")]
    mine = [n for n in ordered if n.startswith(prefix)]
    assert mine == sorted(mine)
    listed = osc_json(
        cloud, "server", "list", "--all-projects", "--no-name-lookup", "--name", f"^{prefix}-"
    )
    assert {row["ID"] for row in listed} == set(ids)
    shown = osc_json(cloud, "server", "show", ids[0])
    assert shown["status"] == "ACTIVE"
    assert shown["OS-EXT-SRV-ATTR:host"]

    # Power actions.
    target = ids[0]
    demo.compute.stop_server(target)
    demo.compute.wait_for_server(demo.compute.get_server(target), status="SHUTOFF", wait=60)
    stopped = demo.compute.get_server(target)
    assert stopped.power_state == 4
    result = cloud.osc("novalite-admin", "server", "stop", target)
    assert result.returncode != 0 and "409" in result.stderr, result.stderr
    assert cloud.osc("novalite-admin", "server", "start", target).returncode == 0
    demo.compute.wait_for_server(demo.compute.get_server(target), status="ACTIVE", wait=60)
    demo.compute.reboot_server(target, "SOFT")
    wait_until(
        lambda: (
            demo.compute.get_server(target).task_state is None
            and demo.compute.get_server(target).status == "ACTIVE"
        ),
        60,
        "soft reboot to finish",
    )
    assert cloud.osc("novalite-admin", "server", "reboot", "--hard", target).returncode == 0
    wait_until(
        lambda: (
            demo.compute.get_server(target).status == "ACTIVE"
            and demo.compute.get_server(target).task_state is None
        ),
        60,
        "hard reboot to finish",
    )

    # Instance actions, newest first, each with its compute event.
    actions = list(demo.compute.server_actions(target))
    assert [a.action for a in actions] == ["reboot", "reboot", "start", "stop", "create"]
    for action in actions:
        detail = demo.compute.get_server_action(action.request_id, target)
        assert detail.events, action.action
        assert all(e["result"] == "Success" for e in detail.events if e.get("finish_time"))
    events = osc_json(cloud, "server", "event", "list", target)
    assert len(events) == len(actions)

    # Update.
    demo.compute.update_server(target, name=f"{prefix}-renamed")
    assert demo.compute.get_server(target).name == f"{prefix}-renamed"

    # Delete: by sdk and by CLI.
    demo.compute.delete_server(ids[1])
    assert cloud.osc("novalite-admin", "server", "delete", "--wait", ids[2]).returncode == 0
    demo.compute.delete_server(target)
    for server_id in ids:
        wait_until(
            lambda sid=server_id: demo.compute.find_server(sid) is None,  # type: ignore[misc]
            60,
            f"server {server_id} to be deleted",
        )
    deleted = admin.compute.get(f"/servers/{target}", microversion="2.1", raise_exc=False)
    assert deleted.status_code == 404
    demo.compute.delete_keypair(keypair.name)
    assert cloud.osc("novalite-admin", "flavor", "delete", flavor_id).returncode == 0


def unique(prefix: str) -> str:
    """A short unique name prefix."""
    return f"{prefix}{uuid.uuid4().hex[:6]}"
