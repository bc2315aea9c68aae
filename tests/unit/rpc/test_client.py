"""RpcClient settings: prepare(), version caps, argument checks."""

from __future__ import annotations

import pytest

from novalite import rpc
from novalite.context import RequestContext
from novalite.errors import Invalid


def _client(**kwargs: object) -> rpc.RpcClient:
    return rpc.RpcClient(rpc.create_transport("inproc:///client-tests"), "compute", **kwargs)  # type: ignore[arg-type]


def test_prepare_returns_a_tuned_copy_and_keeps_the_rest() -> None:
    client = _client(version="1.0", timeout=30.0, version_cap="1.4")
    direct = client.prepare(server="h1", version="1.2")
    assert direct is not client
    assert (direct.target.topic, direct.target.server, direct.version) == ("compute", "h1", "1.2")
    assert direct.timeout == 30.0
    assert direct.version_cap == "1.4"
    assert (client.target.server, client.version) == (None, "1.0")
    again = direct.prepare(timeout=5)
    assert (again.target.server, again.version, again.timeout) == ("h1", "1.2", 5.0)
    fanout = client.prepare(fanout=True)
    assert fanout.target.fanout
    assert str(fanout.target) == "compute (fanout)"


def test_can_send_version_follows_the_cap() -> None:
    assert _client().can_send_version("9.9")
    capped = _client(version_cap="2.3")
    assert [capped.can_send_version(v) for v in ("2.0", "2.3", "2.4", "1.9", "3.0")] == [
        True,
        True,
        False,
        False,
        False,
    ]


def test_bad_settings_are_refused() -> None:
    with pytest.raises(Invalid):
        _client(version="1")
    with pytest.raises(Invalid):
        _client(version_cap="x.y")
    with pytest.raises(ValueError, match="positive"):
        _client(timeout=0)
    with pytest.raises(ValueError, match="topic"):
        rpc.RpcClient(rpc.create_transport("inproc://"), "")


async def test_fanout_call_is_refused() -> None:
    with pytest.raises(ValueError, match="fanned out"):
        await _client().prepare(fanout=True).call(RequestContext(), "ping")
