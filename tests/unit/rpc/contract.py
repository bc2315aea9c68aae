"""The RPC contract every transport must honour, written once and run on each transport.

A test module subclasses :class:`RpcContract` and provides a ``bus`` fixture
yielding a :class:`Bus` for its transport (inproc in tests/unit/rpc, RabbitMQ in
tests/integration/rpc).
"""

from __future__ import annotations

import asyncio
import datetime
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from novalite import rpc
from novalite.context import RequestContext
from novalite.domain.service import Service
from novalite.errors import (
    ComputeHostNotFound,
    MessageInvalid,
    MessagingTimeout,
    NoSuchMethod,
    RemoteError,
    UnsupportedVersion,
    VersionCapExceeded,
)

#: Seconds any single wait in these tests may take before the test fails (never hangs).
WAIT = 10.0


class Bus:
    """Transports on one bus with a topic of their own; tracks what it made to clean up."""

    def __init__(self, make_transport: Callable[[str], rpc.Transport]) -> None:
        self.topic = f"t-{uuid.uuid4().hex[:12]}"
        self._make_transport = make_transport
        self.transports: list[rpc.Transport] = []
        self.servers: list[rpc.RpcServer] = []
        self.server_names: set[str] = set()
        self._client_transport: rpc.Transport | None = None

    def transport(self, role: str = "client") -> rpc.Transport:
        """A new transport (a new broker connection on rabbit), closed at teardown."""
        transport = self._make_transport(role)
        self.transports.append(transport)
        return transport

    async def server(
        self, endpoints: Sequence[object], name: str = "h1", **kwargs: Any
    ) -> rpc.RpcServer:
        """A started server for the bus topic, on a transport of its own."""
        server = rpc.RpcServer(
            self.transport(f"server-{name}"), self.topic, name, endpoints, **kwargs
        )
        await server.start(connect_timeout=WAIT)
        self.servers.append(server)
        self.server_names.add(name)
        return server

    def client(self, **kwargs: Any) -> rpc.RpcClient:
        """A client of the bus topic; all clients share one transport."""
        if self._client_transport is None:
            self._client_transport = self.transport("client")
        kwargs.setdefault("timeout", WAIT)
        return rpc.RpcClient(self._client_transport, self.topic, **kwargs)

    async def aclose(self) -> None:
        """Stop every server and close every transport."""
        for server in self.servers:
            await server.stop(grace=1.0)
        for transport in self.transports:
            await transport.close()


class Recorder:
    """An endpoint serving 1.3 that records what it receives."""

    RPC_API_VERSION = "1.3"

    def __init__(self, name: str = "h1") -> None:
        self.name = name
        self.received: list[Any] = []
        self.event = asyncio.Event()
        self.release = asyncio.Event()
        self.started = 0
        self.finished = 0

    @rpc.expose
    async def echo(self, ctx: RequestContext, value: Any = None) -> dict[str, Any]:
        return {"value": value, "request_id": ctx.request_id, "server": self.name}

    @rpc.expose
    async def whoami(self, ctx: RequestContext) -> str:
        return self.name

    @rpc.expose
    async def record(self, ctx: RequestContext, value: Any) -> None:
        self.received.append(value)
        self.event.set()

    @rpc.expose
    async def sleep(self, ctx: RequestContext, seconds: float, value: Any = None) -> Any:
        self.started += 1
        await asyncio.sleep(seconds)
        self.finished += 1
        return value

    @rpc.expose
    async def block(self, ctx: RequestContext, value: Any) -> None:
        """Wait until ``release`` is set (or be cancelled), then record ``value``."""
        self.started += 1
        await self.release.wait()
        self.received.append(value)
        self.finished += 1

    @rpc.expose
    async def not_found(self, ctx: RequestContext, host: str) -> None:
        raise ComputeHostNotFound(host=host)

    @rpc.expose
    async def fail(self, ctx: RequestContext) -> None:
        raise ValueError("bad value 42")

    @rpc.expose
    async def services(self, ctx: RequestContext, service: Service) -> list[Service]:
        assert isinstance(service, Service)
        copy = Service.from_primitive(service.to_primitive())
        copy.report_count += 1
        return [service, copy]

    async def hidden(self, ctx: RequestContext) -> str:
        """Not exposed: must not be reachable over RPC."""
        return "secret"


class AdminRecorder(Recorder):
    """The same methods in namespace ``admin``, version 2.0."""

    RPC_API_VERSION = "2.0"
    RPC_NAMESPACE = "admin"


async def wait_for(predicate: Callable[[], bool], within: float = WAIT) -> None:
    """Poll ``predicate`` until true; fail the test after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {within}s")
        await asyncio.sleep(0.01)


class RpcContract:
    """Behaviour shared by every transport. Subclasses provide the ``bus`` fixture."""

    async def test_call_returns_the_result_and_carries_the_context(self, bus: Bus) -> None:
        await bus.server([Recorder()])
        ctx = RequestContext(user_id="u1", project_id="p1")
        result = await bus.client().call(ctx, "echo", value={"a": [1, 2.5, None, "x"]})
        assert result == {
            "value": {"a": [1, 2.5, None, "x"]},
            "request_id": ctx.request_id,
            "server": "h1",
        }

    async def test_cast_is_delivered(self, bus: Bus) -> None:
        endpoint = Recorder()
        await bus.server([endpoint])
        await bus.client().cast(RequestContext(), "record", value="hello")
        await asyncio.wait_for(endpoint.event.wait(), WAIT)
        assert endpoint.received == ["hello"]

    async def test_fanout_cast_reaches_every_server(self, bus: Bus) -> None:
        endpoints = [Recorder("h1"), Recorder("h2"), Recorder("h3")]
        for endpoint in endpoints:
            await bus.server([endpoint], endpoint.name)
        await bus.client().prepare(fanout=True).cast(RequestContext(), "record", value="all")
        await wait_for(lambda: all(e.received for e in endpoints))
        await asyncio.sleep(0.1)
        assert [e.received for e in endpoints] == [["all"], ["all"], ["all"]]

    async def test_direct_call_reaches_the_named_server_only(self, bus: Bus) -> None:
        await bus.server([Recorder("h1")], "h1")
        await bus.server([Recorder("h2")], "h2")
        client = bus.client().prepare(server="h2")
        assert [await client.call(RequestContext(), "whoami") for _ in range(6)] == ["h2"] * 6

    async def test_shared_topic_is_served_round_robin(self, bus: Bus) -> None:
        await bus.server([Recorder("h1")], "h1")
        await bus.server([Recorder("h2")], "h2")
        client = bus.client()
        served = [await client.call(RequestContext(), "whoami") for _ in range(10)]
        assert served.count("h1") >= 3
        assert served.count("h2") >= 3

    async def test_call_times_out_when_the_server_is_slow(self, bus: Bus) -> None:
        await bus.server([Recorder()])
        client = bus.client(timeout=0.5)
        started = time.monotonic()
        with pytest.raises(MessagingTimeout) as info:
            await client.call(RequestContext(), "sleep", seconds=3)
        assert 0.45 <= time.monotonic() - started < 2.0
        assert "sleep" in str(info.value)
        assert bus.topic in str(info.value)

    async def test_call_times_out_without_any_server(self, bus: Bus) -> None:
        started = time.monotonic()
        with pytest.raises(MessagingTimeout):
            await bus.client(timeout=0.3).call(RequestContext(), "echo")
        assert time.monotonic() - started < 2.0

    async def test_unknown_method_raises_no_such_method(self, bus: Bus) -> None:
        await bus.server([Recorder()])
        with pytest.raises(NoSuchMethod, match="nonexistent"):
            await bus.client().call(RequestContext(), "nonexistent")

    async def test_methods_not_exposed_are_not_reachable(self, bus: Bus) -> None:
        await bus.server([Recorder()])
        for name in ("hidden", "__init__", "_forget"):
            with pytest.raises(NoSuchMethod):
                await bus.client().call(RequestContext(), name)

    async def test_different_major_version_is_refused(self, bus: Bus) -> None:
        await bus.server([Recorder()])
        client = bus.client(version="2.0")
        with pytest.raises(UnsupportedVersion) as info:
            await client.call(RequestContext(), "echo")
        assert "2.0" in str(info.value)
        assert "1.3" in str(info.value)

    async def test_newer_minor_version_is_refused(self, bus: Bus) -> None:
        await bus.server([Recorder()])
        with pytest.raises(UnsupportedVersion, match=r"1\.4.*1\.3"):
            await bus.client().prepare(version="1.4").call(RequestContext(), "echo")

    async def test_older_minor_version_is_served(self, bus: Bus) -> None:
        await bus.server([Recorder()])
        for version in ("1.0", "1.2", "1.3"):
            result = await bus.client(version=version).call(RequestContext(), "whoami")
            assert result == "h1"

    async def test_namespaces_route_to_their_endpoint(self, bus: Bus) -> None:
        await bus.server([Recorder("plain"), AdminRecorder("admin")])
        ctx = RequestContext()
        assert await bus.client(version="1.3").call(ctx, "whoami") == "plain"
        admin = bus.client(version="2.0", namespace="admin")
        assert await admin.call(ctx, "whoami") == "admin"
        with pytest.raises(UnsupportedVersion, match="nothing in namespace 'other'"):
            await bus.client(namespace="other").call(ctx, "whoami")

    async def test_version_cap_stops_newer_messages_at_the_client(self, bus: Bus) -> None:
        endpoint = Recorder()
        await bus.server([endpoint])
        client = bus.client(version="1.0", version_cap="1.2")
        assert client.can_send_version("1.2")
        assert client.can_send_version("1.0")
        assert not client.can_send_version("1.3")
        assert not client.can_send_version("2.0")
        with pytest.raises(VersionCapExceeded, match=r"1\.3.*1\.2"):
            await client.prepare(version="1.3").cast(RequestContext(), "record", value="x")
        assert await client.prepare(version="1.2").call(RequestContext(), "whoami") == "h1"
        assert endpoint.received == []

    async def test_novalite_error_is_raised_again_as_the_same_class(self, bus: Bus) -> None:
        await bus.server([Recorder()])
        with pytest.raises(ComputeHostNotFound) as info:
            await bus.client().call(RequestContext(), "not_found", host="h9")
        assert type(info.value) is ComputeHostNotFound
        assert str(info.value) == "Compute host h9 could not be found."
        assert info.value.kwargs == {"host": "h9"}

    async def test_other_errors_become_remote_error_without_traceback(self, bus: Bus) -> None:
        await bus.server([Recorder()])
        with pytest.raises(RemoteError) as info:
            await bus.client().call(RequestContext(), "fail")
        assert info.value.kwargs == {"exc_type": "ValueError", "value": "bad value 42"}
        assert "Traceback" not in str(info.value)

    async def test_domain_objects_round_trip_as_arguments_and_results(self, bus: Bus) -> None:
        await bus.server([Recorder()])
        seen = datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.UTC)
        service = Service(host="h1", binary="nova-compute", last_seen_up=seen, report_count=4)
        result = await bus.client().call(RequestContext(), "services", service=service)
        assert len(result) == 2
        assert all(isinstance(item, Service) for item in result)
        assert result[0] == service
        assert result[0].last_seen_up == seen
        assert result[1].report_count == 5

    async def test_arguments_that_are_not_json_are_refused_before_sending(self, bus: Bus) -> None:
        with pytest.raises(MessageInvalid):
            await bus.client().cast(RequestContext(), "record", value=object())

    async def test_errors_in_a_cast_handler_do_not_stop_the_server(self, bus: Bus) -> None:
        await bus.server([Recorder()])
        client = bus.client()
        await client.cast(RequestContext(), "fail")
        await client.cast(RequestContext(), "not_found", host="x")
        assert await client.call(RequestContext(), "whoami") == "h1"

    async def test_stop_lets_in_flight_calls_finish(self, bus: Bus) -> None:
        endpoint = Recorder()
        server = await bus.server([endpoint])
        call = asyncio.create_task(
            bus.client().call(RequestContext(), "sleep", seconds=0.3, value="done")
        )
        await wait_for(lambda: endpoint.started == 1)
        await server.stop(grace=WAIT)
        assert await asyncio.wait_for(call, WAIT) == "done"
        assert endpoint.finished == 1

    async def test_stop_gives_back_messages_it_did_not_finish(self, bus: Bus) -> None:
        first = Recorder("h1")
        server = await bus.server([first], "h1", max_concurrency=1)
        client = bus.client()
        for value in ("a", "b", "c"):
            await client.cast(RequestContext(), "block", value=value)
        await wait_for(lambda: first.started == 1)
        started = time.monotonic()
        await server.stop(grace=0.2)
        assert time.monotonic() - started < 5
        assert first.received == []

        second = Recorder("h2")
        second.release.set()
        await bus.server([second], "h2")
        await wait_for(lambda: len(second.received) == 3)
        assert sorted(second.received) == ["a", "b", "c"]

    async def test_casts_wait_for_a_server_to_start(self, bus: Bus) -> None:
        client = bus.client()
        for value in range(3):
            await client.cast(RequestContext(), "record", value=value)
        await client.prepare(server="h1").cast(RequestContext(), "record", value="direct")
        endpoint = Recorder()
        await bus.server([endpoint])
        await wait_for(lambda: len(endpoint.received) == 4)
        assert sorted(map(str, endpoint.received)) == ["0", "1", "2", "direct"]
