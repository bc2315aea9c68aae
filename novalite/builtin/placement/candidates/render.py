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
from novalite.builtin.placement.candidates.summaries import ProviderSummary

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
    resources = {result.class_name(c): a for c, a in result.amounts.items()}
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
            result.uuid(p): {result.class_name(c): a for c, a in res.items()}
            for p, res in candidate.allocations.items()
        }
        mappings = {s: [result.uuid(p) for p in ps] for s, ps in candidate.mappings.items()}
        yield _request(allocations, mappings, version)


def _summary(
    result: CandidateResult,
    version: Version,
    resources: list[tuple[int, int, int]],
    traits: list[str],
    *,
    parent: str | None,
    root: str,
) -> bytes:
    wanted = result.summary_classes
    body: dict[str, Any] = {
        "resources": {
            result.class_name(c): {"capacity": cap, "used": used}
            for c, cap, used in resources
            if wanted is None or c in wanted
        }
    }
    if version >= (1, 17):
        body["traits"] = traits
    if version >= (1, 29):
        body["parent_provider_uuid"] = parent
        body["root_provider_uuid"] = root
    return orjson.dumps(body)


def _digest_summary(
    version: Version, uuid: str, resources: str | None, traits: str | None
) -> bytes:
    """A root's summary from the JSON fragments the fast path's query built."""
    body = b'{"resources":{%s}' % (resources or "").encode()
    if version >= (1, 17):
        body += b',"traits":[%s]' % (traits or "").encode()
    if version >= (1, 29):
        body += b',"parent_provider_uuid":null,"root_provider_uuid":"%s"' % uuid.encode()
    return body + b"}"


def _summaries(result: CandidateResult, version: Version) -> Iterator[tuple[str, bytes]]:
    for _, uuid, inventories, traits in result.digests.values():
        yield uuid, _digest_summary(version, uuid, inventories, traits)
    summary: ProviderSummary
    for summary in sorted(result.summaries.values(), key=lambda s: s.uuid):
        resources = [(c, cap, used) for c, (cap, used) in sorted(summary.resources.items())]
        yield (
            summary.uuid,
            _summary(
                result,
                version,
                resources,
                summary.traits,
                parent=summary.parent_uuid,
                root=summary.root_uuid,
            ),
        )


def render_json(result: CandidateResult, version: Version) -> bytes:
    """The JSON body for ``result`` at ``version``."""
    requests = b",".join(_requests(result, version))
    summaries = b",".join(b'"%s":%s' % (u.encode(), s) for u, s in _summaries(result, version))
    return b'{"allocation_requests":[%s],"provider_summaries":{%s}}' % (requests, summaries)


def render(result: CandidateResult, version: Version) -> dict[str, Any]:
    """The body as Python data (for tests and tools)."""
    body: dict[str, Any] = orjson.loads(render_json(result, version))
    return body
