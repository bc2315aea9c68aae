"""Exceptions crossing the bus."""

from __future__ import annotations

import datetime
from typing import Any

from novalite.errors import ComputeHostNotFound, NotFound, NovaliteError, RemoteError
from novalite.rpc.failure import Failure


class _OddInit(NotFound):
    code = "novalite.test.rpc_odd_init"
    msg_fmt = "odd {what}"

    def __init__(self, what: str) -> None:
        super().__init__(what=what)


class _Unregistered(NotFound):
    """A subclass without a code of its own travels as its nearest coded ancestor."""


def test_novalite_error_round_trips_by_code() -> None:
    failure = Failure.from_exception(ComputeHostNotFound(host="h1"))
    assert failure.code == "novalite.compute.host_not_found"
    assert failure.exc_type == "novalite.errors.ComputeHostNotFound"
    exc = Failure.from_dict(_as_dict(failure)).to_exception()
    assert type(exc) is ComputeHostNotFound
    assert exc.message == "Compute host h1 could not be found."
    assert exc.kwargs == {"host": "h1"}


def test_kwargs_that_are_not_json_are_dropped_but_the_message_is_kept() -> None:
    failure = Failure.from_exception(NotFound("gone", thing=object()))
    assert failure.kwargs == {}
    assert failure.to_exception().message == "gone"


def test_kwargs_are_made_primitive() -> None:
    when = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    failure = Failure.from_exception(NotFound("gone", when=when))
    assert failure.kwargs == {"when": "2024-01-01T00:00:00+00:00"}


def test_subclass_with_its_own_init_is_rebuilt_with_the_message() -> None:
    exc = Failure.from_exception(_OddInit("thing")).to_exception()
    assert type(exc) is _OddInit
    assert str(exc) == "odd thing"


def test_subclass_without_its_own_code_comes_back_as_the_coded_ancestor() -> None:
    exc = Failure.from_exception(_Unregistered("x")).to_exception()
    assert type(exc) is NotFound
    assert str(exc) == "x"


def test_unknown_code_and_foreign_errors_become_remote_error() -> None:
    foreign = Failure.from_exception(KeyError("k")).to_exception()
    assert isinstance(foreign, RemoteError)
    assert foreign.kwargs == {"exc_type": "KeyError", "value": "'k'"}
    unknown = Failure(exc_type="x.Y", message="m", code="novalite.no.such.code").to_exception()
    assert isinstance(unknown, RemoteError)
    assert isinstance(unknown, NovaliteError)


def _as_dict(failure: Failure) -> dict[str, Any]:
    return {
        "exc_type": failure.exc_type,
        "message": failure.message,
        "code": failure.code,
        "kwargs": failure.kwargs,
    }
