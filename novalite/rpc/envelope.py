"""The wire format of RPC messages: a versioned JSON envelope (orjson), never pickles.

A request::

    {"envelope": "1.0", "kind": "call" | "cast", "method": "...", "args": {...},
     "version": "1.3", "namespace": null, "context": {...RequestContext.to_dict()...},
     "msg_id": "..." (calls), "reply_to": "..." (calls), "timeout": 60.0 (calls)}

A reply::

    {"envelope": "1.0", "kind": "reply", "msg_id": "...", "result": ...,
     "failure": null | {"code": ..., "exc_type": ..., "message": ..., "kwargs": {...}}}

``args`` and ``result`` hold primitives (see :func:`novalite.domain.base.to_primitive`).
The envelope version follows the same rule as RPC versions: a reader accepts any
minor version of its major and ignores keys it does not know.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import orjson

from novalite.errors import MessageInvalid
from novalite.rpc.failure import Failure
from novalite.types import JSON, JSONObject

ENVELOPE_VERSION = "1.0"
_ENVELOPE_MAJOR = ENVELOPE_VERSION.partition(".")[0]

CALL = "call"
CAST = "cast"
REPLY = "reply"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """An RPC request: a cast, or a call when it has a ``msg_id``."""

    method: str
    args: JSONObject
    version: str
    context: JSONObject
    namespace: str | None = None
    msg_id: str | None = None
    reply_to: str | None = None
    timeout: float | None = None

    @property
    def is_call(self) -> bool:
        """True when the sender waits for a reply."""
        return self.msg_id is not None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """The answer to a call: a result, or the failure the endpoint raised."""

    msg_id: str
    result: JSON = None
    failure: Failure | None = None


def encode_request(request: Request) -> bytes:
    """Serialise a request; raise :class:`MessageInvalid` if an argument is not JSON."""
    body: JSONObject = {
        "envelope": ENVELOPE_VERSION,
        "kind": CALL if request.is_call else CAST,
        "method": request.method,
        "args": request.args,
        "version": request.version,
        "namespace": request.namespace,
        "context": request.context,
    }
    if request.is_call:
        body["msg_id"] = request.msg_id
        body["reply_to"] = request.reply_to
        body["timeout"] = request.timeout
    return _dumps(body, f"arguments of {request.method}")


def encode_reply(reply: Reply) -> bytes:
    """Serialise a reply; raise :class:`MessageInvalid` if the result is not JSON."""
    failure = None
    if reply.failure is not None:
        failure = dataclasses.asdict(reply.failure)
    body: JSONObject = {
        "envelope": ENVELOPE_VERSION,
        "kind": REPLY,
        "msg_id": reply.msg_id,
        "result": reply.result,
        "failure": failure,
    }
    return _dumps(body, "result")


def decode_request(data: bytes) -> Request:
    """Parse a request; raise :class:`MessageInvalid` if it is not one we can read."""
    body = _loads(data)
    kind = body.get("kind")
    if kind not in (CALL, CAST):
        raise MessageInvalid(reason=f"expected a call or a cast, got {kind!r}")
    try:
        method, args, version = body["method"], body["args"], body["version"]
        context = body["context"]
    except KeyError as exc:
        raise MessageInvalid(reason=f"request without {exc.args[0]!r}") from None
    if not (isinstance(method, str) and isinstance(args, dict) and isinstance(context, dict)):
        raise MessageInvalid(reason="method, args or context has the wrong type")
    msg_id = body.get("msg_id") if kind == CALL else None
    if kind == CALL and not (isinstance(msg_id, str) and isinstance(body.get("reply_to"), str)):
        raise MessageInvalid(reason="call without msg_id or reply_to")
    return Request(
        method=method,
        args=args,
        version=str(version),
        context=context,
        namespace=body.get("namespace"),
        msg_id=msg_id,
        reply_to=body.get("reply_to") if kind == CALL else None,
        timeout=body.get("timeout") if kind == CALL else None,
    )


def decode_reply(data: bytes) -> Reply:
    """Parse a reply; raise :class:`MessageInvalid` if it is not one we can read."""
    body = _loads(data)
    msg_id = body.get("msg_id")
    if body.get("kind") != REPLY or not isinstance(msg_id, str):
        raise MessageInvalid(reason="expected a reply with a msg_id")
    failure = body.get("failure")
    return Reply(
        msg_id=msg_id,
        result=body.get("result"),
        failure=Failure.from_dict(failure) if isinstance(failure, dict) else None,
    )


def _dumps(body: JSONObject, what: str) -> bytes:
    try:
        return orjson.dumps(body)
    except TypeError as exc:  # orjson.JSONEncodeError is a TypeError
        raise MessageInvalid(reason=f"{what} cannot be serialised to JSON: {exc}") from None


def _loads(data: bytes) -> dict[str, Any]:
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise MessageInvalid(reason=f"not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise MessageInvalid(reason="not a JSON object")
    version = body.get("envelope")
    if not isinstance(version, str) or version.partition(".")[0] != _ENVELOPE_MAJOR:
        raise MessageInvalid(
            reason=f"envelope version {version!r} is not compatible with {ENVELOPE_VERSION}"
        )
    return body
