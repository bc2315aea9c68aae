"""A full host is never over-committed: 50 concurrent creates against room for 8."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clients.conftest import Cloud
from tests.lifecycle import IMAGE_ID, osc_json, unique, wait_until
from tests.processes import Service, write_config

pytestmark = pytest.mark.slow

#: 2 vCPUs at cpu_allocation_ratio 4.0: room for 8 one-vCPU servers.
VCPUS, RATIO, CREATES = 2, 4.0, 50


@pytest.fixture
def small_cloud(tmp_path: Path) -> Iterator[Cloud]:
    config = write_config(
        tmp_path / "aio.conf",
        {
            "DEFAULT": {
                "state_path": tmp_path / "data",
                "compute_driver": "fake.FakeDriver",
                "osapi_compute_listen_port": 0,
                "metadata_listen_port": 0,
                "cpu_allocation_ratio": RATIO,
            },
            "fake_driver": {"vcpus": VCPUS, "memory_mb": 65536, "local_gb": 1000},
        },
    )
    service = Service("all-in-one", [config], tmp_path / "aio.log")
    try:
        service.wait_for_log("novalite all-in-one is up", timeout=90)
        yield Cloud(service, tmp_path / "data")
    finally:
        assert service.terminate() == 0, service.log()


def test_concurrent_creates_never_overcommit(small_cloud: Cloud) -> None:
    demo = small_cloud.connect("novalite")
    flavor = osc_json(
        small_cloud, "flavor", "create", "--vcpus", "1", "--ram", "64", "--disk", "1", unique("oc")
    )

    def create(index: int) -> str:
        conn = small_cloud.connect("novalite")
        server = conn.compute.create_server(
            name=f"oc-{index}", flavor_id=flavor["id"], image_id=IMAGE_ID, networks="none"
        )
        return str(server.id)

    with concurrent.futures.ThreadPoolExecutor(max_workers=25) as pool:
        ids = list(pool.map(create, range(CREATES)))

    def statuses() -> dict[str, str]:
        return {s.id: s.status for s in demo.compute.servers() if s.id in ids}

    wait_until(
        lambda: (
            all(v in ("ACTIVE", "ERROR") for v in statuses().values())
            and len(statuses()) == CREATES
        ),
        120,
        "every server ACTIVE or ERROR",
    )
    final = statuses()
    active = [i for i, status in final.items() if status == "ACTIVE"]
    assert len(active) == int(VCPUS * RATIO), final
    for server_id, status in final.items():
        if status == "ERROR":
            assert "No valid host" in demo.compute.get_server(server_id).fault["message"]

    admin = small_cloud.connect("novalite-admin")
    (provider,) = admin.placement.get("/resource_providers", raise_exc=True).json()[
        "resource_providers"
    ]
    usages = admin.placement.get(
        f"/resource_providers/{provider['uuid']}/usages", raise_exc=True
    ).json()["usages"]
    assert usages["VCPU"] == int(VCPUS * RATIO)
