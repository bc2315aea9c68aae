"""get_transport: sharing per URL and event loop; inproc buses kept apart by name."""

from __future__ import annotations

import asyncio

import pytest

from novalite import rpc
from novalite.context import RequestContext
from novalite.errors import MessagingError, MessagingTimeout, TransportURLInvalid
from novalite.rpc.transport.inproc import InprocTransport
from tests.unit.rpc.contract import Recorder


async def test_one_transport_per_url() -> None:
    first = rpc.get_transport("inproc:///reg-a")
    assert isinstance(first, InprocTransport)
    assert rpc.get_transport("inproc:///reg-a") is first
    assert rpc.get_transport(rpc.TransportURL.parse("inproc:///reg-a")) is first
    assert rpc.get_transport("inproc:///reg-b") is not first
    await first.close()
    assert first.is_closed
    assert rpc.get_transport("inproc:///reg-a") is not first


async def test_bad_url_is_refused() -> None:
    with pytest.raises(TransportURLInvalid):
        rpc.get_transport("amqp://guest:guest@localhost/")


async def test_named_inproc_buses_are_separate() -> None:
    cell1 = rpc.get_transport("inproc:///reg-cell1")
    cell2 = rpc.get_transport("inproc:///reg-cell2")
    server = rpc.RpcServer(cell1, "conductor", "h1", [Recorder()])
    await server.start()
    try:
        assert await rpc.RpcClient(cell1, "conductor").call(RequestContext(), "whoami") == "h1"
        with pytest.raises(MessagingTimeout):
            await rpc.RpcClient(cell2, "conductor", timeout=0.1).call(RequestContext(), "whoami")
    finally:
        await server.stop()
        await cell1.close()
        await cell2.close()


async def test_a_closed_transport_refuses_work_and_fails_pending_calls() -> None:
    transport = rpc.create_transport("inproc:///reg-closing")
    server = rpc.RpcServer(transport, "t", "h1", [Recorder()])
    await server.start()
    call = asyncio.create_task(
        rpc.RpcClient(transport, "t").call(RequestContext(), "sleep", seconds=5)
    )
    await asyncio.sleep(0.05)
    await transport.close()
    with pytest.raises(MessagingError, match="closed"):
        await asyncio.wait_for(call, 2)
    with pytest.raises(MessagingError, match="closed"):
        await rpc.RpcClient(transport, "t").cast(RequestContext(), "whoami")
    await server.stop(grace=0.1)
