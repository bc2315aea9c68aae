"""The RPC contract and the reconnection behaviour on a real RabbitMQ broker.

Every test uses its own topic, control exchange and connection names, closes
only the connections it opened (found by their ``connection_name``) and deletes
the queues and exchanges it created.
"""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from collections.abc import AsyncIterator

import aio_pika
import pytest

from novalite import rpc
from novalite.context import RequestContext
from novalite.errors import MessagingTimeout, MessagingUnreachable, TransportURLInvalid
from tests.services import in_ci
from tests.unit.rpc.contract import WAIT, Bus, Recorder, RpcContract, wait_for

pytestmark = [pytest.mark.rabbitmq, pytest.mark.timeout(60)]

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


class RabbitBus(Bus):
    """A bus whose transports are separate broker connections named after the test."""

    def __init__(self, url: str) -> None:
        self.name = f"novalite-test-{uuid.uuid4().hex[:12]}"
        self.exchange = f"{self.name}-x"
        super().__init__(self._new)
        self._url = url
        self.retry_interval = 0.2

    def options(self, role: str) -> rpc.RabbitOptions:
        return rpc.RabbitOptions(
            control_exchange=self.exchange,
            connection_name=f"{self.name}-{role}",
            rabbit_retry_interval=self.retry_interval,
            rabbit_interval_max=1.0,
            rabbit_transient_queues_ttl=60,
        )

    def _new(self, role: str) -> rpc.Transport:
        return rpc.create_transport(self._url, self.options(role))

    async def cleanup(self) -> None:
        """Delete the durable queues and exchanges this test created."""
        queues = [self.topic, *(f"{self.topic}.{s}" for s in self.server_names)]
        exchanges = [self.exchange, f"{self.topic}_fanout"]
        connection = await aio_pika.connect(AMQP_URL, timeout=WAIT)
        async with connection:
            for name in queues:
                channel = await connection.channel()
                await channel.queue_delete(name)
                await channel.close()
            for name in exchanges:
                channel = await connection.channel()
                await channel.exchange_delete(name)
                await channel.close()


@pytest.fixture
async def bus(rabbit_url: str) -> AsyncIterator[RabbitBus]:
    """A bus on the real broker, cleaned up afterwards."""
    bus = RabbitBus(rabbit_url)
    try:
        yield bus
    finally:
        await bus.aclose()
        await bus.cleanup()


class TestRabbitContract(RpcContract):
    """Every contract test, over RabbitMQ."""


# -- force-closing connections ----------------------------------------------------------------


async def _rabbitmqctl(*args: str) -> str:
    if shutil.which("rabbitmqctl") is None:
        if in_ci():
            pytest.fail("rabbitmqctl is not on PATH (CI=true: may not be skipped)")
        pytest.skip("rabbitmqctl is not on PATH")
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "-q", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def close_connections(prefix: str) -> int:
    """Force-close the broker connections whose connection_name starts with ``prefix``."""
    listing = await _rabbitmqctl(
        "list_connections", "--no-table-headers", "pid", "client_properties"
    )
    pids = [
        line.split("\t", 1)[0]
        for line in listing.splitlines()
        if f'{{"connection_name","{prefix}' in line
    ]
    for pid in pids:
        await _rabbitmqctl("close_connection", pid, "novalite test: forced close")
    return len(pids)


async def test_twenty_calls_in_flight_survive_a_forced_close(bus: RabbitBus) -> None:
    endpoint = Recorder()
    await bus.server([endpoint], max_concurrency=32)
    timeout = 8.0
    client = bus.client(timeout=timeout)
    assert await client.call(RequestContext(), "whoami") == "h1"

    async def one_call(i: int) -> tuple[object, float]:
        started = time.monotonic()
        try:
            result: object = await client.call(RequestContext(), "sleep", seconds=0.5, value=i)
        except MessagingTimeout as exc:
            result = exc
        return result, time.monotonic() - started

    calls = [asyncio.create_task(one_call(i)) for i in range(20)]
    await wait_for(lambda: endpoint.started >= 20)
    assert await close_connections(bus.name) == 2
    async with asyncio.timeout(timeout + 5):
        outcomes = await asyncio.gather(*calls)
    for i, (result, elapsed) in enumerate(outcomes):
        assert result == i or isinstance(result, MessagingTimeout), result
        assert elapsed < timeout + 1.0
    answered = sum(1 for i, (result, _) in enumerate(outcomes) if result == i)
    print(f"{answered}/20 in-flight calls answered after the reconnection")

    for i in range(5):
        result = await client.call(RequestContext(), "echo", value=i)
        assert result["value"] == i


async def test_cast_sent_while_disconnected_is_delivered_after_reconnect(bus: RabbitBus) -> None:
    endpoint = Recorder()
    await bus.server([endpoint])
    bus.retry_interval = 1.0
    client = bus.client()
    transport = client.transport
    await client.call(RequestContext(), "whoami")
    assert await close_connections(f"{bus.name}-client") == 1
    await wait_for(lambda: not transport.is_connected, within=5)

    await asyncio.wait_for(client.cast(RequestContext(), "record", value="late"), WAIT)
    await asyncio.wait_for(endpoint.event.wait(), WAIT)
    assert endpoint.received == ["late"]
    assert transport.is_connected


async def test_server_consumes_again_after_its_connection_is_closed(bus: RabbitBus) -> None:
    endpoint = Recorder()
    server = await bus.server([endpoint])
    client = bus.client()
    assert await close_connections(f"{bus.name}-server") == 1
    server_transport = bus.transports[0]
    await wait_for(lambda: not server_transport.is_connected, within=5)
    await client.cast(RequestContext(), "record", value="kept")
    await asyncio.wait_for(endpoint.event.wait(), WAIT)
    assert await client.call(RequestContext(), "whoami") == "h1"
    await client.prepare(fanout=True).cast(RequestContext(), "record", value="fan")
    await wait_for(lambda: "fan" in endpoint.received)
    assert server.is_running


async def test_casts_are_persistent_in_a_durable_queue(bus: RabbitBus) -> None:
    await bus.client().cast(RequestContext(), "record", value="keep me")
    listing = await _rabbitmqctl(
        "list_queues", "--no-table-headers", "name", "durable", "messages_persistent"
    )
    rows = [line.split("\t") for line in listing.splitlines()]
    assert [bus.topic, "true", "1"] in rows


async def test_a_deleted_topic_queue_is_declared_again(bus: RabbitBus) -> None:
    endpoint = Recorder()
    await bus.server([endpoint])
    client = bus.client()
    await client.cast(RequestContext(), "record", value="before")
    await wait_for(lambda: endpoint.received == ["before"])

    connection = await aio_pika.connect(AMQP_URL, timeout=WAIT)
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(bus.topic)
    await client.cast(RequestContext(), "record", value="after")
    await wait_for(lambda: endpoint.received == ["before", "after"])


# -- connection set-up ------------------------------------------------------------------------


async def test_unreachable_broker_fails_promptly_without_the_password() -> None:
    transport = rpc.create_transport("rabbit://admin:s3cr3t-pw@127.0.0.1:1/")
    started = time.monotonic()
    with pytest.raises(MessagingUnreachable) as info:
        await transport.connect(timeout=1.0)
    assert time.monotonic() - started < 3.0
    assert "s3cr3t-pw" not in str(info.value)
    assert "admin:****@127.0.0.1:1" in str(info.value)
    await transport.close()


async def test_wrong_credentials_are_reported_without_the_password(rabbit_url: str) -> None:
    transport = rpc.create_transport("rabbit://guest:wr0ng-pw@127.0.0.1:5672/")
    with pytest.raises(MessagingUnreachable) as info:
        await transport.connect(timeout=1.5)
    assert "wr0ng-pw" not in str(info.value)
    assert "Authentication" in str(info.value) or "ACCESS_REFUSED" in str(info.value)
    await transport.close()


async def test_second_host_is_used_when_the_first_is_down(rabbit_url: str) -> None:
    name = f"novalite-test-{uuid.uuid4().hex[:12]}"
    options = rpc.RabbitOptions(connection_name=name, rabbit_retry_interval=0.1)
    transport = rpc.create_transport(
        "rabbit://guest:guest@127.0.0.1:1,guest:guest@127.0.0.1:5672/", options
    )
    try:
        await transport.connect(timeout=WAIT)
        assert transport.is_connected
    finally:
        await transport.close()


async def test_get_transport_is_shared_per_url(rabbit_url: str) -> None:
    first = rpc.get_transport(rabbit_url)
    assert rpc.get_transport(rabbit_url) is first
    assert rpc.get_transport("rabbit://guest:guest@127.0.0.1:5672/cell2") is not first
    assert rpc.get_transport("inproc://") is not first
    await first.close()
    assert rpc.get_transport(rabbit_url) is not first
    with pytest.raises(TransportURLInvalid):
        rpc.get_transport("rabbit://")
