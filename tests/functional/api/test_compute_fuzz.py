"""Fuzzing the compute API with random bodies, query strings, ids and microversions.

Bodies come from nova's request schemas (valid ones, mutated ones, arbitrary JSON and
bytes that are not JSON). Whatever is sent, the API must answer in bounded time, never
with a 5xx, every 4xx in nova's fault format, and every 2xx matching the response schema
of its microversion. The default profile is deterministic and takes about ten seconds;
``NOVALITE_FUZZ_EXAMPLES=<examples per endpoint>`` runs the long, random one (slow).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.middleware import Middleware

from novalite.api.app import PUBLIC_PATHS, create_compute_app
from novalite.api.cells import CellRouter
from novalite.api.microversion import IMPLEMENTED_VERSION
from novalite.api.routes import ROUTES
from novalite.api.schemas import handler_schema
from novalite.api_common.auth import NoAuthMiddleware
from novalite.api_common.microversion import Version
from novalite.db import migrate
from novalite.db.engine import Database
from novalite.db.registry import DatabaseRegistry
from novalite.db.repositories.cell_mappings import CellMappingRepository
from novalite.domain.cell import CellMapping
from novalite.rpc import create_transport
from novalite.rpc.conductor import ConductorAPI
from tests.functional.api.conftest import ADMIN, BASE, MEMBER, OTHER

#: Seconds one request may take.
REQUEST_TIMEOUT = 5.0
#: Examples per endpoint of the long profile, which runs only when this is set.
SLOW_EXAMPLES = int(os.environ.get("NOVALITE_FUZZ_EXAMPLES", "0"))
FLAVOR, KEYPAIR, EXTRA_SPEC = "fuzz-flavor", "fuzz-key", "hw:cpu_policy"
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDr4v9sRF/8hwkF1Y0R1a9eLnJbl7Q3zqzsJ8bJ6mGhE fuzz"

JSON: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """One operation: ``{name}`` placeholders in ``path`` take ids from ``ids``."""

    method: str
    path: str
    module: str
    handler: str
    who: tuple[dict[str, str], ...] = (ADMIN, MEMBER, OTHER)

    def schema(self, kind: str, version: Version) -> dict[str, Any] | None:
        return handler_schema(self.module, self.handler, kind, version)


ENDPOINTS = (
    Endpoint("POST", "/flavors", "flavors", "FlavorsController.create"),
    Endpoint("GET", "/flavors", "flavors", "FlavorsController.index"),
    Endpoint("GET", "/flavors/detail", "flavors", "FlavorsController.detail"),
    Endpoint("GET", "/flavors/{flavor}", "flavors", "FlavorsController.show"),
    Endpoint("PUT", "/flavors/{flavor}", "flavors", "FlavorsController.update"),
    Endpoint(
        "POST", "/flavors/{flavor}/action", "flavor_access",
        "FlavorActionController._add_tenant_access",
    ),
    Endpoint(
        "POST", "/flavors/{flavor}/action", "flavor_access",
        "FlavorActionController._remove_tenant_access",
    ),
    Endpoint(
        "GET", "/flavors/{flavor}/os-flavor-access", "flavor_access",
        "FlavorAccessController.index",
    ),
    Endpoint(
        "POST", "/flavors/{flavor}/os-extra_specs", "flavors_extraspecs",
        "FlavorExtraSpecsController.create",
    ),
    Endpoint(
        "PUT", "/flavors/{flavor}/os-extra_specs/{spec}", "flavors_extraspecs",
        "FlavorExtraSpecsController.update",
    ),
    Endpoint(
        "GET", "/flavors/{flavor}/os-extra_specs/{spec}", "flavors_extraspecs",
        "FlavorExtraSpecsController.show",
    ),
    Endpoint("POST", "/os-keypairs", "keypairs", "KeypairController.create"),
    Endpoint("GET", "/os-keypairs", "keypairs", "KeypairController.index"),
    Endpoint("GET", "/os-keypairs/{keypair}", "keypairs", "KeypairController.show"),
    Endpoint("DELETE", "/os-keypairs/{keypair}", "keypairs", "KeypairController.delete"),
    Endpoint("POST", "/os-server-groups", "server_groups", "ServerGroupController.create"),
    Endpoint("GET", "/os-server-groups", "server_groups", "ServerGroupController.index"),
    Endpoint("GET", "/os-server-groups/{group}", "server_groups", "ServerGroupController.show"),
    Endpoint(
        "GET", "/servers/{server}/os-instance-actions", "instance_actions",
        "InstanceActionsController.index",
    ),
    Endpoint(
        "GET", "/servers/{server}/os-instance-actions/{request}", "instance_actions",
        "InstanceActionsController.show",
    ),
)  # fmt: skip

SERVER_ENDPOINTS = (
    Endpoint("POST", "/servers", "servers", "ServersController.create"),
    Endpoint("GET", "/servers", "servers", "ServersController.index"),
    Endpoint("GET", "/servers/detail", "servers", "ServersController.detail"),
)


def served() -> list[Endpoint]:
    """The endpoints to fuzz: servers too once ``routes.py`` serves them."""
    paths = {(method, path) for method, path, _ in ROUTES}
    extra = [e for e in SERVER_ENDPOINTS if (e.method, e.path) in paths]
    return [*ENDPOINTS, *extra]


# -- strategies --------------------------------------------------------------------------------

#: Ids that exist (the server group's is known once it is created).
IDS: dict[str, list[str]] = {
    "flavor": [FLAVOR, "1", ""],
    "spec": [EXTRA_SPEC, "hw:mem_page_size"],
    "keypair": [KEYPAIR],
    "group": [],
    "server": [],
    "request": ["req-1"],
}


def _known(name: str) -> st.SearchStrategy[str]:
    return st.builds(lambda: IDS[name][0] if IDS[name] else str(uuid.uuid4()))


#: Body fields that get existing ids half of the time, so that valid bodies go deep.
HINTS: dict[str, st.SearchStrategy[Any]] = {
    "flavorRef": _known("flavor"),
    "key_name": _known("keypair"),
    "group": _known("group"),
    "imageRef": st.uuids().map(str),
}


def _merged(parts: list[Mapping[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        merged.update(part)
    return merged


#: Strings of the formats nova's schemas use.
FORMATS: dict[str, st.SearchStrategy[str]] = {
    "uuid": st.uuids().map(str),
    "ipv4": st.ip_addresses(v=4).map(str),
    "ipv6": st.ip_addresses(v=6).map(str),
    "name": st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,20}[A-Za-z0-9]", fullmatch=True),
    "uri": st.just("http://example.com/"),
}


def _string(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    low = schema.get("minLength", 0)
    high = schema.get("maxLength")
    fmt = FORMATS.get(schema.get("format", ""))
    if fmt is not None:
        return fmt
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            re.compile(pattern)
        except re.error:
            pattern = None
    if isinstance(pattern, str):
        return st.from_regex(pattern, fullmatch=True).filter(
            lambda s: len(s) >= low and (high is None or len(s) <= high)
        )
    return st.text(min_size=low, max_size=min(high or 40, 40))


_BUILT: dict[int, tuple[Mapping[str, Any], st.SearchStrategy[Any]]] = {}


def cached_from_schema(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """:func:`from_schema` of a long-lived schema, built once."""
    built = _BUILT.get(id(schema))
    if built is None:
        built = _BUILT[id(schema)] = (schema, from_schema(schema))
    return built[1]


def from_schema(schema: Mapping[str, Any] | bool) -> st.SearchStrategy[Any]:
    """Values that mostly match ``schema`` (enough of JSON Schema for nova's schemas)."""
    if not isinstance(schema, Mapping):
        return JSON
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    rest = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf", "allOf")}
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([from_schema({**rest, **sub}) for sub in schema[key]])
    if "allOf" in schema:
        return from_schema({**rest, **_merged(schema["allOf"])})
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([from_schema({**schema, "type": k}) for k in kind])
    if kind is None and "properties" in schema:
        kind = "object"
    return _by_type(schema, kind)


#: Body fields kept small in schema-made bodies: nothing (no quota yet) bounds how many
#: servers one request creates, and a huge ``max_count`` keeps the API busy for minutes.
#: Mutated bodies may still carry any value there.
BOUNDED: dict[str, st.SearchStrategy[Any]] = {
    "min_count": st.integers(1, 3),
    "max_count": st.integers(1, 3),
}


def _hinted(name: str, strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    if name in BOUNDED:
        return BOUNDED[name]
    hint = HINTS.get(name)
    return strategy if hint is None else st.one_of(hint, strategy)


def _by_type(schema: Mapping[str, Any], kind: Any) -> st.SearchStrategy[Any]:
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        patterns = schema.get("patternProperties", {})
        if not props and patterns:
            pattern, sub = next(iter(patterns.items()))
            return st.dictionaries(_string({"pattern": pattern}), from_schema(sub), max_size=3)
        fields = {k: _hinted(k, from_schema(v)) for k, v in props.items()}
        return st.fixed_dictionaries(
            {k: v for k, v in fields.items() if k in required or k in HINTS},
            optional={k: v for k, v in fields.items() if k not in required and k not in HINTS},
        )
    if kind == "array":
        items = (schema.get("prefixItems") or [schema.get("items", {})])[0]
        low = schema.get("minItems", 0)
        high = schema.get("maxItems", max(low, 3))
        return st.lists(from_schema(items), min_size=low, max_size=high)
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        return st.floats(
            schema.get("minimum"), schema.get("maximum"), allow_nan=False, allow_infinity=False
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return JSON


@st.composite
def mutated(draw: st.DrawFn, value: Any, depth: int = 0) -> Any:
    """``value`` with one part replaced, removed or added."""
    if depth > 4 or not isinstance(value, (dict, list)) or not value:
        return draw(JSON)
    if isinstance(value, dict):
        key = draw(st.sampled_from(sorted(value)))
        op = draw(st.sampled_from(["replace", "drop", "add", "recurse"]))
        copy = dict(value)
        if op == "drop":
            del copy[key]
        elif op == "add":
            copy[draw(st.text(max_size=12))] = draw(JSON)
        else:
            copy[key] = draw(JSON if op == "replace" else mutated(value[key], depth + 1))
        return copy
    index = draw(st.integers(0, len(value) - 1))
    items = list(value)
    items[index] = draw(mutated(items[index], depth + 1))
    return items


@st.composite
def bodies(draw: st.DrawFn, schema: Mapping[str, Any] | None) -> bytes | None:
    """A request body: from the schema, a mutation of one, any JSON, or not JSON at all."""
    choice = draw(st.sampled_from(["valid", "mutated", "json", "bytes", "none"]))
    if choice == "none":
        return None
    if choice == "bytes":
        return draw(st.binary(max_size=64))
    if choice == "json" or schema is None:
        value = draw(JSON)
    else:
        value = draw(cached_from_schema(schema))
        if choice == "mutated":
            value = draw(mutated(value))
    return json.dumps(value).encode()


def _query_keys(schema: Mapping[str, Any] | None) -> list[str]:
    known = ["limit", "marker", "offset", "all_projects", "user_id", "is_public", "sort_key"]
    known += ["sort_dir", "minRam", "minDisk", "name", "changes-since", "all_tenants"]
    if schema is not None:
        known += list(schema.get("properties", {}))
    return sorted(set(known))


QUERY_VALUES = st.one_of(
    st.text(max_size=12),
    st.integers(-5, 2**70).map(str),
    st.sampled_from(["", "true", "false", "none", "2020-01-01T00:00:00Z", "-1", "1e3"]),
)


@st.composite
def query_strings(draw: st.DrawFn, schema: Mapping[str, Any] | None) -> str:
    """A query string: known parameters and random ones, repeated sometimes."""
    keys = st.one_of(st.sampled_from(_query_keys(schema)), st.text(min_size=1, max_size=8))
    pairs = draw(st.lists(st.tuples(keys, QUERY_VALUES), max_size=4))
    return "?" + urlencode(pairs) if pairs else ""


VERSIONS = st.one_of(
    *[st.integers(1, IMPLEMENTED_VERSION.minor).map(lambda minor: f"2.{minor}")] * 5,
    st.sampled_from(["latest", "2.0", "3.0", "2.999", "garbage", ""]),
)


@st.composite
def requests(draw: st.DrawFn, endpoints: list[Endpoint]) -> tuple[str, str, dict[str, str], Any]:
    """One random request: method, path with query, headers, body bytes."""
    endpoint = draw(st.sampled_from(endpoints))
    version_text = draw(VERSIONS)
    try:
        version = Version.parse(version_text)
    except Exception:
        version = Version(2, 1)
    path = endpoint.path
    for name, known in IDS.items():
        if "{" + name + "}" in path:
            value = draw(st.one_of(st.sampled_from(known or [str(uuid.uuid4())]), st.text()))
            path = path.replace("{" + name + "}", quote(value, safe="") or "x")
    path += draw(query_strings(endpoint.schema("query", version)))
    headers = dict(draw(st.sampled_from(endpoint.who)))
    if version_text or draw(st.booleans()):
        headers["OpenStack-API-Version"] = f"compute {version_text}"
    body = None
    if endpoint.method in ("POST", "PUT"):
        body = draw(bodies(endpoint.schema("request_body", version)))
        headers["Content-Type"] = draw(st.sampled_from(["application/json"] * 5 + ["text/plain"]))
    return endpoint.method, "/v2.1" + path, headers, (endpoint, version, body)


# -- checks ------------------------------------------------------------------------------------

#: Response schemas without ``pattern`` and ``prefixItems``, as nova's own answers go: it
#: echoes ids it accepted unchecked (a keypair's ``user_id`` from 2.10), and shows what
#: was created at a later microversion unchanged at earlier ones (a 2.15 soft-affinity
#: group in a 2.1 list), both of which those keywords of older schemas reject.
Lenient = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    jsonschema.Draft202012Validator,
    {"pattern": lambda *args: None, "prefixItems": lambda *args: None},
)


def check_response(response: httpx.Response, endpoint: Endpoint, version: Version) -> None:
    """No 5xx; 4xx in nova's fault format; 2xx matching the microversion's schema."""
    status = response.status_code
    assert status < 500, (status, response.text)
    if status >= 400:
        body = response.json()
        assert isinstance(body, dict) and len(body) == 1, response.text
        (fault,) = body.values()
        assert fault["code"] == status, response.text
        assert isinstance(fault["message"], str) and fault["message"], response.text
        return
    if response.headers.get("OpenStack-API-Version") != f"compute {version}":
        return  # "latest" and friends: the version answered is in the header
    found = endpoint.schema("response_body", version)
    if found is not None and 200 <= status < 300:
        content = response.json() if response.content else None
        Lenient(found, format_checker=jsonschema.FormatChecker()).validate(content)


async def _setup(client: httpx.AsyncClient) -> None:
    flavor = {"name": FLAVOR, "ram": 512, "vcpus": 1, "disk": 1, "id": FLAVOR}
    r = await client.post("/v2.1/flavors", json={"flavor": flavor}, headers=ADMIN)
    assert r.status_code == 200, r.text
    spec = {"extra_specs": {EXTRA_SPEC: "dedicated"}}
    r = await client.post(f"/v2.1/flavors/{FLAVOR}/os-extra_specs", json=spec, headers=ADMIN)
    assert r.status_code == 200, r.text
    key = {"keypair": {"name": KEYPAIR, "public_key": PUBLIC_KEY}}
    r = await client.post("/v2.1/os-keypairs", json=key, headers=MEMBER)
    assert r.status_code == 200, r.text
    group = {"server_group": {"name": "fuzz", "policies": ["anti-affinity"]}}
    r = await client.post("/v2.1/os-server-groups", json=group, headers=MEMBER)
    assert r.status_code == 200, r.text
    IDS["group"] = [r.json()["server_group"]["id"]]
    server = {"server": {"name": "fuzz", "imageRef": str(uuid.uuid4()), "flavorRef": FLAVOR}}
    r = await client.post("/v2.1/servers", json=server, headers=MEMBER)
    assert r.status_code == 202, r.text
    IDS["server"] = [r.json()["server"]["id"]]


@dataclasses.dataclass
class Target:
    """The compute API under fuzzing, driven from synchronous hypothesis tests."""

    runner: asyncio.Runner
    client: httpx.AsyncClient

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Any:
        """The response; TimeoutError past :data:`REQUEST_TIMEOUT` (a busy loop is caught
        once it ends, by the elapsed time)."""
        request = self.client.request(method, path, headers=headers, content=body)
        start = time.monotonic()
        response = self.runner.run(asyncio.wait_for(request, REQUEST_TIMEOUT))
        elapsed = time.monotonic() - start
        assert elapsed < REQUEST_TIMEOUT, f"{method} {path} took {elapsed:.1f} s"
        return response


@pytest.fixture
def target(sqlite_url: str, tmp_path: object) -> Iterator[Target]:
    cell_url = f"sqlite:///{tmp_path}/cell1.sqlite"
    bus = f"inproc:///fuzz-{uuid.uuid4().hex}"
    with asyncio.Runner() as runner:
        runner.run(migrate.sync(sqlite_url, "api"))
        runner.run(migrate.sync(cell_url, "cell"))
        db = Database(sqlite_url)
        cell = CellMapping(name="cell1", transport_url=bus, database_connection=cell_url)
        runner.run(CellMappingRepository(db).create(cell))
        registry = DatabaseRegistry()
        transport = create_transport(bus)
        app = create_compute_app(
            [Middleware(NoAuthMiddleware, public_paths=PUBLIC_PATHS)],
            db=db,
            max_version=IMPLEMENTED_VERSION,
            cells=CellRouter(db, registry),
            conductor=ConductorAPI(transport, timeout=2),
        )
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
        runner.run(_setup(client))
        yield Target(runner, client)
        runner.run(client.aclose())
        runner.run(transport.close())
        runner.run(registry.dispose_all())
        runner.run(db.dispose())


def fuzz(target: Target, endpoints: list[Endpoint], examples: int, *, derandomize: bool) -> None:
    """Send ``examples`` random requests per endpoint and check every answer."""

    @settings(
        max_examples=examples * len(endpoints),
        derandomize=derandomize,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(requests(endpoints))
    def run(request: tuple[str, str, dict[str, str], Any]) -> None:
        method, path, headers, (endpoint, version, body) = request
        response = target.send(method, path, headers, body)
        check_response(response, endpoint, version)

    run()


def test_fuzz_compute_api(target: Target) -> None:
    fuzz(target, served(), examples=30, derandomize=True)


@pytest.mark.slow
@pytest.mark.skipif(not SLOW_EXAMPLES, reason="set NOVALITE_FUZZ_EXAMPLES to fuzz longer")
def test_fuzz_compute_api_long(target: Target) -> None:
    fuzz(target, served(), examples=SLOW_EXAMPLES, derandomize=False)


def test_schema_strategies_produce_valid_bodies() -> None:
    """The generator itself: draws from a schema validate against it."""
    found = handler_schema(
        "server_groups", "ServerGroupController.create", "request_body", Version(2, 64)
    )
    assert found is not None
    check: Callable[[Any], None] = jsonschema.Draft202012Validator(found).validate

    @settings(max_examples=50, deadline=None, database=None)
    @given(from_schema(found))
    def run(value: Any) -> None:
        check(value)

    run()
