"""``novalite.cmd.event_loop.run``: uvloop by default, asyncio's own loop on request."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from novalite.cmd import event_loop


@pytest.fixture(autouse=True)
def _unfreeze() -> Iterator[None]:
    """``run`` freezes the garbage collector's objects: give them back afterwards."""
    yield
    gc.unfreeze()


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_default_loop_is_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(event_loop.ENV_VAR, raising=False)
    assert event_loop.run(_loop_module()).startswith("uvloop")


def test_uvloop_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(event_loop.ENV_VAR, "uvloop")
    assert event_loop.run(_loop_module()).startswith("uvloop")


def test_asyncio_loop_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOVALITE_EVENT_LOOP", "asyncio")
    module = event_loop.run(_loop_module())
    assert module.startswith("asyncio")
    assert not module.startswith("uvloop")


@pytest.mark.parametrize("choice", ["uvloop", "asyncio"])
def test_returns_the_coroutines_value(monkeypatch: pytest.MonkeyPatch, choice: str) -> None:
    monkeypatch.setenv(event_loop.ENV_VAR, choice)

    async def main() -> dict[str, int]:
        await asyncio.sleep(0)
        return {"answer": 42}

    assert event_loop.run(main()) == {"answer": 42}


@pytest.mark.parametrize("choice", ["uvloop", "asyncio"])
def test_raises_the_coroutines_error(monkeypatch: pytest.MonkeyPatch, choice: str) -> None:
    monkeypatch.setenv(event_loop.ENV_VAR, choice)

    async def main() -> None:
        raise LookupError("inside")

    with pytest.raises(LookupError, match="inside"):
        event_loop.run(main())
