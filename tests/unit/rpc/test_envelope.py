"""The JSON envelope of requests and replies."""

from __future__ import annotations

import orjson
import pytest

from novalite.errors import MessageInvalid
from novalite.rpc.envelope import (
    ENVELOPE_VERSION,
    Reply,
    Request,
    decode_reply,
    decode_request,
    encode_reply,
    encode_request,
)
from novalite.rpc.failure import Failure


def _call() -> Request:
    return Request(
        method="build",
        args={"n": 1, "names": ["a"]},
        version="1.3",
        context={"request_id": "req-1"},
        namespace="ns",
        msg_id="m1",
        reply_to="reply_x",
        timeout=30.0,
    )


def test_call_round_trip_and_wire_format() -> None:
    data = encode_request(_call())
    body = orjson.loads(data)
    assert body["envelope"] == ENVELOPE_VERSION
    assert body["kind"] == "call"
    assert body["msg_id"] == "m1"
    assert body["reply_to"] == "reply_x"
    assert decode_request(data) == _call()


def test_cast_has_no_reply_fields() -> None:
    cast = Request(method="m", args={}, version="1.0", context={})
    body = orjson.loads(encode_request(cast))
    assert body["kind"] == "cast"
    assert "msg_id" not in body
    decoded = decode_request(encode_request(cast))
    assert not decoded.is_call
    assert decoded == cast


def test_reply_round_trip_with_result_and_failure() -> None:
    ok = Reply(msg_id="m1", result={"x": [1, 2]})
    assert decode_reply(encode_reply(ok)) == ok
    failed = Reply(
        msg_id="m2",
        failure=Failure(exc_type="ValueError", message="boom", code=None, kwargs={}),
    )
    assert decode_reply(encode_reply(failed)) == failed


def test_newer_minor_envelope_with_unknown_keys_is_read() -> None:
    body = orjson.loads(encode_request(_call()))
    body["envelope"] = "1.7"
    body["priority"] = "high"
    assert decode_request(orjson.dumps(body)).method == "build"


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"[1, 2]",
        b'{"kind": "cast", "method": "m", "args": {}, "version": "1.0", "context": {}}',
        b'{"envelope": "2.0", "kind": "cast", "method": "m", "args": {}, "version": "1.0",'
        b' "context": {}}',
        b'{"envelope": "1.0", "kind": "reply", "msg_id": "x"}',
        b'{"envelope": "1.0", "kind": "cast", "method": "m", "version": "1.0", "context": {}}',
        b'{"envelope": "1.0", "kind": "call", "method": "m", "args": {}, "version": "1.0",'
        b' "context": {}}',
        b'{"envelope": "1.0", "kind": "cast", "method": 3, "args": {}, "version": "1.0",'
        b' "context": {}}',
    ],
)
def test_unreadable_requests_raise_message_invalid(data: bytes) -> None:
    with pytest.raises(MessageInvalid):
        decode_request(data)


def test_unserialisable_arguments_raise_message_invalid() -> None:
    request = Request(method="m", args={"x": object()}, version="1.0", context={})
    with pytest.raises(MessageInvalid, match="arguments of m"):
        encode_request(request)


def test_a_request_is_not_a_reply() -> None:
    with pytest.raises(MessageInvalid):
        decode_reply(encode_request(_call()))
