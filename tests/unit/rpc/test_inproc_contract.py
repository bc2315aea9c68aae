"""The RPC contract on the in-process transport."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from novalite import rpc
from tests.unit.rpc.contract import Bus, RpcContract

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
async def bus() -> AsyncIterator[Bus]:
    """A private inproc bus; each transport is a separate object on it."""
    url = f"inproc:///{uuid.uuid4().hex}"
    bus = Bus(lambda role: rpc.create_transport(url))
    try:
        yield bus
    finally:
        await bus.aclose()


class TestInprocContract(RpcContract):
    """Every contract test, in process."""
