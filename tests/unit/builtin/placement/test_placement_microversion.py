"""The service-generic microversion module and the request validation helpers."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from novalite.api_common import microversion, validation
from novalite.api_common.microversion import MicroversionSpec, Version
from novalite.errors import (
    MicroversionInvalid,
    MicroversionUnacceptable,
    NovaliteError,
    RequestInvalid,
    RequestTooLarge,
    UnsupportedMediaType,
)

SPEC = MicroversionSpec("placement", Version(1, 0), Version(1, 39))
COMPUTE = MicroversionSpec(
    "compute",
    Version(2, 1),
    Version(2, 96),
    legacy_headers=("X-OpenStack-Nova-API-Version",),
)


def test_parse_and_compare() -> None:
    assert Version.parse("1.14") == (1, 14)
    assert Version.parse("1.14") >= (1, 14) and Version(1, 9) < (1, 10)
    assert str(Version(1, 5)) == "1.5"
    for bad in ("pony.horse", "1.2.3", "1", "", "1.a"):
        with pytest.raises(MicroversionInvalid):
            Version.parse(bad)


def test_from_headers() -> None:
    assert SPEC.from_headers({}) == (1, 0)
    assert SPEC.from_headers({"OpenStack-API-Version": "placement 1.20"}) == (1, 20)
    assert SPEC.from_headers({"openstack-api-version": "placement latest"}) == (1, 39)
    assert SPEC.from_headers({"OpenStack-API-Version": "compute 2.5"}) == (1, 0)
    with pytest.raises(MicroversionUnacceptable):
        SPEC.from_headers({"OpenStack-API-Version": "placement 1.40"})
    with pytest.raises(MicroversionUnacceptable):
        SPEC.from_headers({"OpenStack-API-Version": "placement 0.5"})
    assert COMPUTE.from_headers({"X-OpenStack-Nova-API-Version": "2.10"}) == (2, 10)
    assert COMPUTE.response_headers(Version(2, 10)) == {
        "OpenStack-API-Version": "compute 2.10",
        "Vary": "openstack-api-version, X-OpenStack-Nova-API-Version",
        "X-OpenStack-Nova-API-Version": "2.10",
    }


def test_versioned_ranges() -> None:
    @microversion.versioned((1, 6), (1, 10))
    async def handler() -> None: ...

    assert microversion.accepts(handler, Version(1, 6))
    assert not microversion.accepts(handler, Version(1, 5))
    assert not microversion.accepts(handler, Version(1, 11))


async def _echo(request: Request) -> Response:
    version = microversion.request_version(request.scope)
    body = await validation.read_json(request, max_size=64)
    validation.validate(body, {"type": "object", "required": ["a"]})
    return JSONResponse({"version": str(version), "body": body})


async def test_middleware_and_body_rules() -> None:
    errors: list[Exception] = []

    async def record(request: Request, exc: Exception) -> Response:
        errors.append(exc)
        return Response(status_code=getattr(exc, "http_status", 500))

    app = microversion.MicroversionMiddleware(
        Starlette(
            routes=[Route("/", _echo, methods=["POST"])], exception_handlers={NovaliteError: record}
        ),
        SPEC,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        response = await http.post(
            "/", json={"a": 1}, headers={"OpenStack-API-Version": "placement 1.3"}
        )
        assert response.json() == {"version": "1.3", "body": {"a": 1}}
        assert response.headers["openstack-api-version"] == "placement 1.3"
        assert response.headers["vary"] == "openstack-api-version"
        cases: list[tuple[dict[str, str], bytes, type[Exception]]] = [
            ({"OpenStack-API-Version": "placement 9.9"}, b"{}", MicroversionUnacceptable),
            ({"Content-Type": "application/json"}, b"{bad", RequestInvalid),
            ({"Content-Type": "text/plain"}, b"{}", UnsupportedMediaType),
            ({}, b"{}", RequestInvalid),
            (
                {"Content-Type": "application/json"},
                b'{"a": "' + b"x" * 100 + b'"}',
                RequestTooLarge,
            ),
            ({"Content-Type": "application/json"}, b'{"b": 1}', RequestInvalid),
        ]
        for headers, content, expected in cases:
            errors.clear()
            await http.post("/", content=content, headers=headers)
            assert len(errors) == 1 and isinstance(errors[0], expected), (headers, errors)
