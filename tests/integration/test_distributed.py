"""The lifecycle, scheduling and crash recovery on a split deployment.

builtins (identity + placement), api, conductor, scheduler and three compute hosts run as
separate OS processes over RabbitMQ, with PostgreSQL and again with MariaDB.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import openstack.connection
import pytest

from tests.distributed import Deployment
from tests.lifecycle import IMAGE_ID, osc_json, run_lifecycle, unique, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.rabbitmq]


def _providers(conn: openstack.connection.Connection) -> list[dict[str, object]]:
    response = conn.placement.get("/resource_providers", raise_exc=True)
    providers: list[dict[str, object]] = response.json()["resource_providers"]
    return providers


@pytest.fixture
def deploy(tmp_path: Path, rabbit_vhost_url: str) -> Iterator[Callable[..., Deployment]]:
    """Start a deployment on the databases of a factory the test requested *before* this
    fixture (so that its databases are dropped after the services stopped)."""
    started: list[Deployment] = []

    def start(make_db: Callable[[], str], **options: object) -> Deployment:
        deployment = Deployment(tmp_path, make_db, rabbit_vhost_url, **options)  # type: ignore[arg-type]
        started.append(deployment)
        deployment.start()
        deployment.wait_for_providers(3)
        return deployment

    yield start
    for deployment in started:
        codes = deployment.stop()
        assert all(code == 0 for code in codes.values()), (codes, deployment.logs())
        for name, service in deployment.services.items():
            assert "Traceback" not in service.log(), (name, service.log())


@pytest.mark.postgresql
def test_lifecycle_on_postgresql(
    postgresql_factory: Callable[[], str], deploy: Callable[..., Deployment]
) -> None:
    deployment = deploy(postgresql_factory)
    run_lifecycle(deployment, prefix=unique("pg"))
    _check_anti_affinity(deployment)


@pytest.mark.mariadb
def test_lifecycle_on_mariadb(
    mariadb_factory: Callable[[], str], deploy: Callable[..., Deployment]
) -> None:
    deployment = deploy(mariadb_factory)
    run_lifecycle(deployment, prefix=unique("my"))


def _create(conn: openstack.connection.Connection, name: str, flavor: str, **extra: object) -> str:
    server = conn.compute.create_server(
        name=name, flavor_id=flavor, image_id=IMAGE_ID, networks="none", **extra
    )
    return str(server.id)


def _check_anti_affinity(deployment: Deployment) -> None:
    """A group of 3 lands on 3 hosts; a 4th member fails, its fault naming the filter."""
    admin = deployment.connect("novalite-admin")
    demo = deployment.connect("novalite")
    flavor = osc_json(
        deployment, "flavor", "create", "--ram", "64", "--vcpus", "1", "--disk", "1", unique("aa")
    )
    group = demo.compute.create_server_group(name=unique("grp"), policy="anti-affinity")
    hints = {"group": group.id}
    ids = [_create(demo, unique("aa"), flavor["id"], scheduler_hints=hints) for _ in range(3)]
    for server_id in ids:
        demo.compute.wait_for_server(demo.compute.get_server(server_id), status="ACTIVE", wait=60)
    hosts = {admin.compute.get_server(s).compute_host for s in ids}
    assert len(hosts) == 3, hosts

    fourth = _create(demo, unique("aa"), flavor["id"], scheduler_hints=hints)
    demo.compute.wait_for_server(demo.compute.get_server(fourth), status="ERROR", wait=60)
    user_fault = demo.compute.get_server(fourth).fault
    assert "No valid host was found" in user_fault["message"]
    # The user's summary names the kind of check, never hosts or counts.
    assert "dist-compute" not in str(user_fault) and "removed" not in str(user_fault)
    admin_fault = admin.compute.get_server(fourth).fault
    assert "ServerGroupAntiAffinityFilter" in admin_fault["details"], admin_fault

    for server_id in [*ids, fourth]:
        demo.compute.delete_server(server_id)
    for server_id in [*ids, fourth]:
        wait_until(
            lambda sid=server_id: demo.compute.find_server(sid) is None,  # type: ignore[misc]
            60,
            "anti-affinity servers deleted",
        )
    demo.compute.delete_server_group(group)


@pytest.mark.postgresql
def test_compute_killed_during_builds(
    postgresql_factory: Callable[[], str], deploy: Callable[..., Deployment]
) -> None:
    """kill -9 a compute while it builds; after its restart nothing stays in BUILD and no
    allocation is left without a live instance."""
    deployment = deploy(postgresql_factory, fake={"spawn_delay": 3})
    admin = deployment.connect("novalite-admin")
    demo = deployment.connect("novalite")
    flavor = osc_json(
        deployment, "flavor", "create", "--ram", "64", "--vcpus", "1", "--disk", "1", unique("kl")
    )
    ids = [_create(demo, unique("kl"), flavor["id"]) for _ in range(9)]
    victim = Deployment.host(1)

    def building_on_victim() -> bool:
        servers = [admin.compute.get_server(s) for s in ids]
        return any(s.compute_host == victim and s.status == "BUILD" for s in servers)

    wait_until(building_on_victim, 60, f"a build in progress on {victim}")
    deployment.kill("compute-1")
    deployment.start_compute(1).wait_for_log(" is up", timeout=60)

    def settled() -> bool:
        return all(admin.compute.get_server(s).status in ("ACTIVE", "ERROR") for s in ids)

    wait_until(settled, 60, "every server out of BUILD")
    on_victim = [s for s in ids if admin.compute.get_server(s).compute_host == victim]
    assert on_victim, "no server was scheduled to the killed host"

    live = {s.id for s in admin.compute.servers(all_projects=True)}
    for provider in _providers(admin):
        body = admin.placement.get(
            f"/resource_providers/{provider['uuid']}/allocations", raise_exc=True
        ).json()
        assert set(body["allocations"]) <= live, (provider["name"], body["allocations"])

    for server_id in ids:
        demo.compute.delete_server(server_id)
    wait_until(
        lambda: not {s.id for s in admin.compute.servers(all_projects=True)} & set(ids),
        60,
        "the servers to be deleted",
    )
    for provider in _providers(admin):
        body = admin.placement.get(
            f"/resource_providers/{provider['uuid']}/allocations", raise_exc=True
        ).json()
        assert not set(body["allocations"]) & set(ids), body
