"""Boot N servers with the fake driver on 10 simulated hosts, and time the API around them.

Two set-ups:

* ``--setup all-in-one``: ``novalite all-in-one --fake-hosts 10`` (SQLite files, inproc bus);
* ``--setup distributed``: builtins, api, conductor, scheduler and one ``novalite compute
  --fake-hosts 10`` process over RabbitMQ and PostgreSQL (throwaway databases and vhost).

Measured over real HTTP with the admin's token, after one warm-up server:

* servers/s to ACTIVE: N ``POST /servers`` sent by ``--concurrency`` clients, from the first
  request until every server is ACTIVE;
* p50/p99 of ``POST /servers``, of ``GET /servers/detail?limit=1000`` (N servers) and of
  ``GET /servers/{id}``;
* the all-in-one's peak RSS (VmHWM of the process).

``--py-spy FILE`` samples the all-in-one with py-spy (``--gil``, raw format) while the servers
boot, for finding where its event loop spends the CPU.

    python bench/boot_servers.py --setup all-in-one --servers 1000
    python bench/boot_servers.py --setup distributed --servers 1000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.distributed import Deployment, free_port
from tests.processes import Service, write_config
from tests.services import throwaway_postgresql, throwaway_vhost

HOSTS = 10
IMAGE_ID = "70a599e0-31e7-49b7-b260-868f441e862b"
VERSION = {"OpenStack-API-Version": "compute 2.85"}


def percentile(values: list[float], pct: float) -> float:
    """The ``pct`` percentile of ``values`` (nearest rank), in milliseconds."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index] * 1000


def summary(name: str, values: list[float]) -> str:
    """``name: p50 x ms, p99 y ms (n samples)``."""
    return (
        f"{name}: p50 {percentile(values, 50):.1f} ms, p99 {percentile(values, 99):.1f} ms "
        f"({len(values)} requests)"
    )


@contextlib.contextmanager
def all_in_one(tmp: Path) -> Iterator[tuple[str, str, Service]]:
    """An all-in-one with :data:`HOSTS` fake hosts; yields (identity URL, compute URL, process)."""
    config = write_config(
        tmp / "aio.conf",
        {
            "DEFAULT": {
                "state_path": tmp / "data",
                "compute_driver": "fake.FakeDriver",
                "osapi_compute_listen_port": free_port(),
                "metadata_listen_port": 0,
            },
            "fake_driver": {"hosts": HOSTS},
        },
    )
    service = Service("all-in-one", [config], tmp / "aio.log")
    try:
        service.wait_for_log("novalite all-in-one is up", timeout=120)
        base = _listening(service.log())
        yield f"{base}/identity", f"{base}/compute", service
    finally:
        service.terminate()


def _listening(log: str) -> str:
    for line in log.splitlines():
        if "compute API listening on" in line:
            return line.split("compute API listening on", 1)[1].split()[0]
    raise RuntimeError("the all-in-one did not log its URL:\n" + log)


async def token(identity: str, password: str) -> str:
    """An admin token scoped to the admin project."""
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "admin", "domain": {"id": "default"}, "password": password}
                },
            },
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
        }
    }
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{identity}/v3/auth/tokens", json=body)
        response.raise_for_status()
        return response.headers["X-Subject-Token"]


def main_thread_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the main thread of process ``pid`` has used, in seconds."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run(
    compute: str,
    identity: str,
    password: str,
    servers: int,
    concurrency: int,
    cpu_pid: int | None = None,
    py_spy: Path | None = None,
) -> None:
    headers = {**VERSION, "X-Auth-Token": await token(identity, password)}
    limits = httpx.Limits(max_connections=concurrency + 4)
    async with httpx.AsyncClient(
        base_url=f"{compute}/v2.1", headers=headers, timeout=120, limits=limits
    ) as client:
        flavor = {
            "flavor": {"name": f"bench-{uuid.uuid4().hex[:6]}", "ram": 64, "vcpus": 1, "disk": 1}
        }
        response = await client.post("/flavors", json=flavor)
        response.raise_for_status()
        flavor_id = response.json()["flavor"]["id"]

        async def create(name: str) -> float:
            body = {
                "server": {
                    "name": name,
                    "flavorRef": flavor_id,
                    "imageRef": IMAGE_ID,
                    "networks": "none",
                }
            }
            started = time.perf_counter()
            reply = await client.post("/servers", json=body)
            elapsed = time.perf_counter() - started
            if reply.status_code != 202:
                raise RuntimeError(f"POST /servers: {reply.status_code} {reply.text}")
            return elapsed

        await create("bench-warmup")
        await _wait_active(client, 1)

        queue: asyncio.Queue[int] = asyncio.Queue()
        for index in range(servers):
            queue.put_nowait(index)
        post_times: list[float] = []

        async def worker() -> None:
            while not queue.empty():
                index = queue.get_nowait()
                post_times.append(await create(f"bench-{index}"))

        sampler = await _start_py_spy(cpu_pid, py_spy) if cpu_pid and py_spy else None
        cpu_before = main_thread_cpu_seconds(cpu_pid) if cpu_pid else 0.0
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        posted = time.perf_counter() - started
        errors = await _wait_active(client, servers + 1)
        elapsed = time.perf_counter() - started
        if sampler:
            sampler.send_signal(signal.SIGINT)
            await asyncio.wait_for(sampler.wait(), 60)
        print(
            f"{servers} servers ACTIVE in {elapsed:.1f} s: {servers / elapsed:.1f} servers/s "
            f"(POSTs done after {posted:.1f} s; {errors} in ERROR)"
        )
        if cpu_pid:
            cpu = main_thread_cpu_seconds(cpu_pid) - cpu_before
            print(
                f"all-in-one main thread: {cpu / servers * 1000:.1f} ms of CPU per server, "
                f"{cpu / elapsed * 100:.0f}% busy"
            )
        print(summary("POST /servers", post_times))

        detail: list[float] = []
        ids: list[str] = []
        for _ in range(20):
            t0 = time.perf_counter()
            reply = await client.get("/servers/detail", params={"limit": 1000})
            detail.append(time.perf_counter() - t0)
            reply.raise_for_status()
            ids = [s["id"] for s in reply.json()["servers"]]
        print(summary(f"GET /servers/detail?limit=1000 ({len(ids)} servers)", detail))
        show: list[float] = []
        for server_id in ids[:200]:
            t0 = time.perf_counter()
            reply = await client.get(f"/servers/{server_id}")
            show.append(time.perf_counter() - t0)
            reply.raise_for_status()
        print(summary("GET /servers/{id}", show))


async def _start_py_spy(pid: int, output: Path) -> asyncio.subprocess.Process:
    """py-spy sampling process ``pid`` (GIL holder only) into ``output`` until SIGINT."""
    command = ["record", "--pid", str(pid), "--gil", "--rate", "200"]
    command += ["--format", "raw", "--output", str(output)]
    sampler = await asyncio.create_subprocess_exec(
        "py-spy", *command, stdout=asyncio.subprocess.DEVNULL
    )
    await asyncio.sleep(1)  # let it attach before the measured phase starts
    return sampler


async def _wait_active(client: httpx.AsyncClient, expected: int) -> int:
    """Wait until ``expected`` servers exist and none is in BUILD; return how many ERROR
    (printing the faults' messages and counts)."""
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        reply = await client.get("/servers", params={"status": "BUILD", "limit": 1})
        reply.raise_for_status()
        if not reply.json()["servers"]:
            counts = await _count(client)
            if counts.get("total", 0) >= expected:
                for key, count in counts.items():
                    if key.startswith("fault: "):
                        print(f"{count} x {key}")
                return counts.get("ERROR", 0)
        await asyncio.sleep(0.5)
    raise RuntimeError("servers did not all leave BUILD within 900 s")


async def _count(client: httpx.AsyncClient) -> dict[str, int]:
    counts: dict[str, int] = {}
    marker: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 1000}
        if marker:
            params["marker"] = marker
        reply = await client.get("/servers/detail", params=params)
        reply.raise_for_status()
        page = reply.json()["servers"]
        for server in page:
            counts[server["status"]] = counts.get(server["status"], 0) + 1
            counts["total"] = counts.get("total", 0) + 1
            fault = server.get("fault", {}).get("message")
            if fault:
                key = f"fault: {fault[:120]}"
                counts[key] = counts.get(key, 0) + 1
        if len(page) < 1000:
            return counts
        marker = page[-1]["id"]


def peak_rss_mb(pid: int) -> float:
    """VmHWM of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--setup", choices=("all-in-one", "distributed"), default="all-in-one")
    parser.add_argument("--servers", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--py-spy", type=Path, metavar="FILE", help="profile the all-in-one's boot")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="novalite-bench-") as name:
        tmp = Path(name)
        if args.setup == "all-in-one":
            with all_in_one(tmp) as (identity, compute, service):
                password = yaml.safe_load((tmp / "data" / "credentials.yaml").read_text())["admin"]
                pid = service.process.pid
                work = run(
                    compute, identity, password, args.servers, args.concurrency, pid, args.py_spy
                )
                asyncio.run(work)
                print(f"all-in-one peak RSS: {peak_rss_mb(service.process.pid):.0f} MB")
        else:
            run_distributed(tmp, args.servers, args.concurrency)


def run_distributed(tmp: Path, servers: int, concurrency: int) -> None:
    """The same measurements on the split deployment (PostgreSQL + RabbitMQ)."""
    with throwaway_postgresql() as make_db, throwaway_vhost() as transport_url:
        deployment = Deployment(tmp, make_db, transport_url, computes=1, fake={"hosts": HOSTS})
        try:
            deployment.start()
            deployment.wait_for_providers(HOSTS)
            password = yaml.safe_load(deployment.credentials.read_text())["admin"]
            compute = f"http://127.0.0.1:{deployment.api_port}"
            asyncio.run(run(compute, deployment.identity, password, servers, concurrency))
        finally:
            deployment.stop()


if __name__ == "__main__":
    main()
