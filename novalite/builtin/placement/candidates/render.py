"""The response body of ``GET /allocation_candidates`` for a microversion, as JSON bytes.

* < 1.12: allocation requests in list form
  ``{"allocations": [{"resource_provider": {"uuid": ..}, "resources": {..}}]}``;
  from 1.12 the dict form ``{"allocations": {uuid: {"resources": {..}}}}``;
  from 1.34 with ``mappings`` (suffix -> provider uuids).
* Summaries: ``resources`` (requested classes only before 1.27, every class from 1.27),
  ``traits`` from 1.17, parent and root uuids from 1.29.

The body is assembled from one small JSON fragment per candidate and per provider, so
that a thousand candidates never exist as one big tree of Python dicts (which would keep
the garbage collector busy for longer than the whole database work).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from novalite.builtin.placement.candidates.engine import CandidateResult
from novalite.builtin.placement.candidates.summary_sql import Doc

Version = tuple[int, int]


def _request(
    allocations: dict[str, dict[str, int]], mappings: dict[str, list[str]], version: Version
) -> bytes:
    body: dict[str, Any]
    if version < (1, 12):
        body = {
            "allocations": [
                {"resource_provider": {"uuid": u}, "resources": r} for u, r in allocations.items()
            ]
        }
    else:
        body = {"allocations": {u: {"resources": r} for u, r in allocations.items()}}
        if version >= (1, 34):
            body["mappings"] = mappings
    return orjson.dumps(body)


def _fast_template(result: CandidateResult, version: Version) -> bytes:
    """A ``%s``-per-uuid template of the fast path's (otherwise identical) requests."""
    marker = "@@UUID@@"
    resources = {result.class_names[c]: a for c, a in result.amounts.items()}
    template = _request({marker: resources}, {"": [marker]}, version)
    return template.replace(b"%", b"%%").replace(marker.encode(), b"%s")


def _requests(result: CandidateResult, version: Version) -> Iterator[bytes]:
    if result.roots:
        template = _fast_template(result, version)
        count = template.count(b"%s")
        for root in result.roots:
            uuid = result.uuid(root).encode()
            yield template % ((uuid,) * count)
    for candidate in result.candidates:
        allocations = {
            result.uuid(p): {result.class_names[c]: a for c, a in res.items()}
            for p, res in candidate.allocations.items()
        }
        mappings = {s: [result.uuid(p) for p in ps] for s, ps in candidate.mappings.items()}
        yield _request(allocations, mappings, version)


def _summary(version: Version, doc: Doc) -> bytes:
    """A provider's summary from the JSON fragments the database built."""
    _, _, parent, root, resources, traits = doc
    body = b'{"resources":{%s}' % (resources or "").encode()
    if version >= (1, 17):
        body += b',"traits":[%s]' % (traits or "").encode()
    if version >= (1, 29):
        parent_json = b"null" if parent is None else b'"%s"' % parent.encode()
        body += b',"parent_provider_uuid":%s,"root_provider_uuid":"%s"' % (
            parent_json,
            root.encode(),
        )
    return body + b"}"


def render_json(result: CandidateResult, version: Version) -> bytes:
    """The JSON body for ``result`` at ``version``."""
    requests = b",".join(_requests(result, version))
    summaries = b",".join(
        b'"%s":%s' % (doc[1].encode(), _summary(version, doc)) for doc in result.docs.values()
    )
    return b'{"allocation_requests":[%s],"provider_summaries":{%s}}' % (requests, summaries)


def render(result: CandidateResult, version: Version) -> dict[str, Any]:
    """The body as Python data (for tests and tools)."""
    body: dict[str, Any] = orjson.loads(render_json(result, version))
    return body
