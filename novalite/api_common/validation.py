"""Reading and validating request bodies and query strings against JSON schemas.

::

    body = await read_json(request)                      # 400/413/415 on a bad body
    validate(body, SCHEMA)                               # 400 "JSON does not validate: ..."
    validate(query_params(request), QUERY_SCHEMA, what="query")

Schemas declare their draft with ``$schema`` (Draft 4 when absent, as in
OpenStack's schemas); a schema is compiled once and cached.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jsonschema
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.protocols import Validator
from starlette.requests import Request

from novalite.errors import RequestInvalid, RequestTooLarge, UnsupportedMediaType

#: Default limit on a request body (bytes).
MAX_BODY_SIZE = 1024 * 1024
JSON_TYPE = "application/json"

#: id(schema) -> (schema, validator); holding the schema keeps its id from being reused.
_VALIDATORS: dict[int, tuple[Mapping[str, Any], Validator]] = {}


def compiled(schema: Mapping[str, Any]) -> Validator:
    """The validator of ``schema`` (its ``$schema`` draft, else Draft 4), built once.

    ``schema`` should be long-lived (module-level data): validators are cached by identity.
    """
    cached = _VALIDATORS.get(id(schema))
    if cached is None:
        cls = jsonschema.validators.validator_for(schema, default=Draft4Validator)
        cached = _VALIDATORS[id(schema)] = (schema, cls(schema, format_checker=FormatChecker()))
    return cached[1]


def validate(instance: Any, schema: Mapping[str, Any], *, what: str = "body") -> None:
    """Raise :class:`RequestInvalid` (400) unless ``instance`` matches ``schema``.

    ``what`` is ``"body"`` (message ``JSON does not validate: ...``) or
    ``"query"`` (``Invalid query string parameters: ...``).
    """
    error = jsonschema.exceptions.best_match(compiled(schema).iter_errors(instance))
    if error is None:
        return
    if what == "query":
        message = f"Invalid query string parameters: {error.message}"
    else:
        message = f"JSON does not validate: {error.message}"
    raise RequestInvalid(message)


def query_params(request: Request, *, repeatable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The query string as a dict: one string per key, a list for ``repeatable`` keys."""
    result: dict[str, Any] = {}
    for key, value in request.query_params.multi_items():
        if key in repeatable:
            result.setdefault(key, []).append(value)
        else:
            result[key] = value
    return result


async def read_body(request: Request, *, max_size: int = MAX_BODY_SIZE) -> bytes:
    """The raw body, 413 once it exceeds ``max_size`` bytes (streamed, never buffered past it)."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_size:
        raise RequestTooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_size:
            raise RequestTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, *, max_size: int = MAX_BODY_SIZE) -> Any:
    """The body parsed as JSON.

    400 if there is a body but no ``Content-Type``, 415 if it is not JSON,
    400 on malformed JSON, 413 beyond ``max_size``.
    """
    body = await read_body(request, max_size=max_size)
    content_type = request.headers.get("content-type")
    if not content_type:
        if body:
            raise RequestInvalid("content-type header required when content-length > 0")
        raise UnsupportedMediaType(content_type="None")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != JSON_TYPE:
        raise UnsupportedMediaType(content_type=media_type)
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestInvalid(f"Malformed JSON: {exc}") from None


async def check_no_body_without_type(request: Request) -> None:
    """400 for a request with a body but no ``Content-Type`` (handlers that take none)."""
    body = await read_body(request)
    if body and not request.headers.get("content-type"):
        raise RequestInvalid("content-type header required when content-length > 0")
